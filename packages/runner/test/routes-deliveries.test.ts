import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryRoutes } from '../src/http/routes/deliveries.js';
import { integration } from './support/herald.js';
import { KEYS, memoryIntegrations, recordingCommands, routeApp } from './support/route-app.js';

// The delivery log's routes with in-memory stores: what they queue again, and for whom.

const hook = integration({ id: 'int_hook', type: 'webhook', config: { url: 'https://hooks.example.com/x' } });
const theirs = integration({
  id: 'int_theirs',
  teamId: 'globex',
  type: 'webhook',
  config: { url: 'https://hooks.example.com/y' },
});

/** The few fields of a record these routes read. */
function record(id: string, patch: { teamId?: string; eventId?: string; integrationId?: string } = {}) {
  return { id, integrationId: hook.id, teamId: 'acme', eventId: `evt_${id}`, ...patch };
}

describe('delivery routes — replay and resend with in-memory stores', () => {
  let app: FastifyInstance;
  let commands: ReturnType<typeof recordingCommands>;
  let replayable: Array<ReturnType<typeof record>>;
  let asked: unknown[][];

  beforeEach(async () => {
    commands = recordingCommands();
    asked = [];
    replayable = [];
    const records = new Map([
      ['dlv_mine', record('dlv_mine')],
      // Under this team's integration id, but another team's: the log is keyed by integration only.
      ['dlv_foreign', record('dlv_foreign', { teamId: 'globex' })],
    ]);
    app = await routeApp(
      deliveryRoutes({
        integrations: memoryIntegrations([hook, theirs]),
        deliveryLog: {
          getRecord: async (_integrationId: string, id: string) => records.get(id) ?? null,
          getDetail: async () => null,
          list: async () => ({ items: [], nextCursor: null }),
          replayable: async (...args: unknown[]) => {
            asked.push(args);
            return replayable;
          },
        } as never,
        commands: commands as never,
      }),
    );
  });
  afterEach(() => app.close());

  const post = (url: string, key: string, payload?: unknown) =>
    app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${key}` },
      payload: payload as never,
    });

  it('replay queues each failed delivery once, leaving out test notifications and other teams', async () => {
    replayable = [
      record('dlv_a'),
      record('dlv_a'), // the log's chains can list one delivery twice
      record('dlv_b'),
      record('dlv_test', { eventId: 'evt_test_123' }),
      record('dlv_other', { teamId: 'globex' }),
    ];
    const since = '2026-01-01T00:00:00.000Z';
    const res = await post(`/v1/integrations/${hook.id}/replay`, KEYS.acme, { since });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ count: 2 });
    expect(commands.sent).toEqual([
      ['requeue', 'dlv_a', 'replay'],
      ['requeue', 'dlv_b', 'replay'],
    ]);
    expect(asked).toEqual([[hook.id, since, ['failed', 'skipped']]]);
  });

  it('replay of one status asks the log for that status only', async () => {
    const since = '2026-01-01T00:00:00.000Z';
    await post(`/v1/integrations/${hook.id}/replay`, KEYS.acme, { since, status: 'skipped' });
    expect(asked).toEqual([[hook.id, since, ['skipped']]]);
  });

  it("replay of another team's integration is a 404 and reads nothing", async () => {
    const res = await post(`/v1/integrations/${theirs.id}/replay`, KEYS.acme, {
      since: '2026-01-01T00:00:00Z',
    });
    expect(res.statusCode).toBe(404);
    expect(asked).toEqual([]);
    expect(commands.sent).toEqual([]);
  });

  it('resend queues one manual attempt of the caller’s delivery', async () => {
    const res = await post(`/v1/integrations/${hook.id}/deliveries/dlv_mine/resend`, KEYS.acme);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ deliveryId: 'dlv_mine', queued: true });
    expect(commands.sent).toEqual([['requeue', 'dlv_mine', 'manual']]);
  });

  it("resend of another team's delivery, or of an unknown one, is a 404 and queues nothing", async () => {
    const foreign = await post(`/v1/integrations/${hook.id}/deliveries/dlv_foreign/resend`, KEYS.acme);
    const unknown = await post(`/v1/integrations/${hook.id}/deliveries/dlv_nope/resend`, KEYS.acme);
    const viaOtherTeam = await post(`/v1/integrations/${hook.id}/deliveries/dlv_mine/resend`, KEYS.globex);
    expect([foreign.statusCode, unknown.statusCode, viaOtherTeam.statusCode]).toEqual([404, 404, 404]);
    expect(foreign.json().error.code).toBe('not_found');
    expect(commands.sent).toEqual([]);
  });
});
