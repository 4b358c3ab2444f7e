import webhook from '@herald/provider-webhook';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrderedQueueError } from '../src/delivery/ordered-queue.js';
import { integrationActionRoutes } from '../src/http/routes/integration-actions.js';
import { integrationRoutes } from '../src/http/routes/integrations.js';
import { HEALTHY, type HealthView } from '../src/store/health.js';
import { integration } from './support/herald.js';
import { KEYS, memoryIntegrations, recordingCommands, routeApp } from './support/route-app.js';

// The integration routes with in-memory stores: what they write, and which commands they
// send the integration's actor — the part of the API that NATS hid until now.

describe('integration routes — writes and the commands they send, with in-memory stores', () => {
  let app: FastifyInstance;
  let store: ReturnType<typeof memoryIntegrations>;
  let commands: ReturnType<typeof recordingCommands>;
  let forgotten: string[];
  let healthView: HealthView;
  /** What the ordered queues were asked, in order; `queuesDown` makes opening fail. */
  let queues: string[];
  let queuesDown: boolean;
  const hook = integration({
    id: 'int_hook',
    type: 'webhook',
    config: { url: 'https://hooks.example.com/x', secret: 'a-token-of-thirty-two-characters' },
  });

  beforeEach(async () => {
    store = memoryIntegrations([hook]);
    commands = recordingCommands();
    forgotten = [];
    queues = [];
    queuesDown = false;
    healthView = HEALTHY;
    const deps = {
      integrations: store,
      providers: {
        get: (type: string) => (type === 'webhook' ? webhook : undefined),
        types: () => ['webhook'],
      },
      health: { view: async () => healthView },
      connections: {
        readOf: async () => null,
        forget: async (i: { id: string }) => void forgotten.push(i.id),
      },
      commands,
      ordered: {
        open: async (i: { id: string }) => {
          if (queuesDown) throw new OrderedQueueError(i.id, new Error('no responders'));
          // Opened before the integration is stored: no router could leave it an event unqueued.
          queues.push(`open ${i.id} ${store.byId.has(i.id) ? 'stored' : 'unstored'}`);
        },
        close: async (id: string) => void queues.push(`close ${id}`),
      },
    };
    app = await routeApp([...integrationRoutes(deps as never), ...integrationActionRoutes(deps as never)]);
  });
  afterEach(() => app.close());

  const call = (
    method: 'POST' | 'PATCH' | 'DELETE' | 'GET',
    url: string,
    payload?: unknown,
    key = KEYS.acme,
  ) => app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, payload: payload as never });

  it('create with signingSecrets "generate" stores one new signing secret and shows it once', async () => {
    const res = await call('POST', '/v1/integrations', {
      name: 'Signed',
      type: 'webhook',
      config: { url: 'https://hooks.example.com/signed', signingSecrets: 'generate' },
      confirm: false,
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.generatedSigningSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const stored = await store.get('acme', body.id);
    expect(stored?.config.signingSecrets).toEqual([body.generatedSigningSecret]);
    // The read masks it, and a second read does not show it again.
    expect(JSON.stringify(body.config)).not.toContain(body.generatedSigningSecret.slice(6));
    const again = (await call('GET', `/v1/integrations/${body.id}`)).json();
    expect(again.generatedSigningSecret).toBeUndefined();
    expect(JSON.stringify(again)).not.toContain(body.generatedSigningSecret.slice(6));
  });

  it('create stores the integration, sends its confirmation and returns the result', async () => {
    const res = await call('POST', '/v1/integrations', {
      name: 'Builds',
      type: 'webhook',
      config: { url: 'https://hooks.example.com/new' },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(store.byId.get(body.id)).toMatchObject({ teamId: 'acme', name: 'Builds', enabled: true });
    expect(commands.sent).toEqual([['sendConfirmation', body.id]]);
    expect(body.confirmation).toMatchObject({ deliveryId: `dlv_test_${body.id}`, ok: true, status: 204 });
  });

  it('create with confirm false, or disabled, sends no test notification', async () => {
    const quiet = { type: 'webhook', config: { url: 'https://hooks.example.com/q' } };
    await call('POST', '/v1/integrations', { ...quiet, name: 'Quiet', confirm: false });
    await call('POST', '/v1/integrations', { ...quiet, name: 'Off', enabled: false });
    expect(commands.sent).toEqual([]);
    expect(store.list('acme')).toHaveLength(3);
  });

  it('an invalid config is a 400 naming the field, and nothing is stored', async () => {
    const res = await call('POST', '/v1/integrations', {
      name: 'Bad',
      type: 'webhook',
      config: { url: 'ftp://x' },
    });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().error.details)).toContain('config.url');
    expect(store.list('acme')).toHaveLength(1);
  });

  it('PATCH that flips enabled tells the actor; one that does not, does not', async () => {
    await call('PATCH', `/v1/integrations/${hook.id}`, { name: 'Renamed' });
    expect(commands.sent).toEqual([]);
    const res = await call('PATCH', `/v1/integrations/${hook.id}`, { enabled: false });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Renamed', enabled: false, state: 'disabled' });
    expect(commands.sent).toEqual([['control', hook.id, 'disable', 'changed by a user']]);
  });

  it('a health-disabled integration reads enabled: false, says why, and PATCH enabled: true enables it', async () => {
    healthView = {
      state: 'disabled',
      since: '2026-11-30T12:00:00.000Z',
      failingSince: '2026-11-27T12:00:00.000Z',
      lastError: 'HTTP 503',
      failedDeliveries: 5,
      transitions: [
        {
          from: 'failing',
          to: 'disabled',
          at: '2026-11-30T12:00:00.000Z',
          reason: 'HTTP 503',
          cause: 'kept_failing',
        },
      ],
    };
    const read = (await call('GET', `/v1/integrations/${hook.id}`)).json();
    expect(read).toMatchObject({
      enabled: false,
      state: 'disabled',
      disabled: {
        by: 'health',
        cause: 'kept_failing',
        message: 'Disabled after 5 failed deliveries over 3 days of failing.',
        lastError: 'HTTP 503',
      },
    });
    // The stored switch is still on: only the machine is disabled. Asking for true enables it.
    const control = commands.control;
    commands.control = async (...args) => {
      await control(...args);
      healthView = HEALTHY;
    };
    const res = await call('PATCH', `/v1/integrations/${hook.id}`, { enabled: true });
    expect(res.statusCode).toBe(200);
    expect(commands.sent).toEqual([['control', hook.id, 'enable', 'changed by a user']]);
    expect(res.json()).toMatchObject({ enabled: true, disabled: null, state: 'healthy' });
  });

  it('PATCH keeps an omitted secret and never shows it', async () => {
    const res = await call('PATCH', `/v1/integrations/${hook.id}`, {
      config: { url: 'https://hooks.example.com/moved' },
    });
    expect(res.statusCode).toBe(200);
    expect(store.byId.get(hook.id)!.config).toEqual({
      url: 'https://hooks.example.com/moved',
      secret: 'a-token-of-thirty-two-characters',
    });
    expect(res.body).not.toContain('a-token-of-thirty-two-characters');
  });

  it('DELETE removes it, tells the actor to forget it and forgets its connection', async () => {
    const res = await call('DELETE', `/v1/integrations/${hook.id}`);
    expect(res.statusCode).toBe(204);
    expect(store.byId.has(hook.id)).toBe(false);
    expect(commands.sent).toEqual([['control', hook.id, 'forget', undefined]]);
    expect(forgotten).toEqual([hook.id]);
  });

  it("another team's integration is a 404 for every write, and nothing is sent", async () => {
    const answers = await Promise.all([
      call('PATCH', `/v1/integrations/${hook.id}`, { enabled: false }, KEYS.globex),
      call('DELETE', `/v1/integrations/${hook.id}`, undefined, KEYS.globex),
      call('POST', `/v1/integrations/${hook.id}/disable`, undefined, KEYS.globex),
      call('POST', `/v1/integrations/${hook.id}/test`, undefined, KEYS.globex),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([404, 404, 404, 404]);
    expect(store.byId.get(hook.id)).toEqual(hook);
    expect(commands.sent).toEqual([]);
    expect(forgotten).toEqual([]);
  });

  it('disable stores enabled false and sends the disable command', async () => {
    const res = await call('POST', `/v1/integrations/${hook.id}/disable`);
    expect(res.statusCode).toBe(200);
    expect(store.byId.get(hook.id)!.enabled).toBe(false);
    expect(commands.sent).toEqual([['control', hook.id, 'disable', 'disabled by a user']]);
  });

  it('ordered: the queue is opened before the integration is stored, closed on delete; unavailable, nothing is written (503)', async () => {
    const res = await call('POST', '/v1/integrations', {
      name: 'Ledger',
      type: 'webhook',
      config: { url: 'https://hooks.example.com/ledger' },
      ordered: true,
      confirm: false,
    });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json();
    expect(res.json()).toMatchObject({ ordered: true, orderedUntil: null });
    expect(queues).toEqual([`open ${id} unstored`]);
    expect((await call('DELETE', `/v1/integrations/${id}`)).statusCode).toBe(204);
    expect(queues.at(-1)).toBe(`close ${id}`);

    queuesDown = true;
    const down = await call('POST', '/v1/integrations', {
      name: 'Ledger 2',
      type: 'webhook',
      config: { url: 'https://hooks.example.com/ledger2' },
      ordered: true,
      confirm: false,
    });
    expect(down.statusCode).toBe(503);
    expect(down.json().error.code).toBe('ordered_queue_unavailable');
    expect(
      (await call('GET', '/v1/integrations')).json().items.map((i: { name: string }) => i.name),
    ).not.toContain('Ledger 2');
    // Switching an existing one on opens its queue first too; unavailable, it stays as it was.
    const patched = await call('PATCH', `/v1/integrations/${hook.id}`, { ordered: true });
    expect(patched.statusCode).toBe(503);
    expect((await call('GET', `/v1/integrations/${hook.id}`)).json().ordered).toBe(false);
    queuesDown = false;
    const on = await call('PATCH', `/v1/integrations/${hook.id}`, { ordered: true });
    expect(on.statusCode).toBe(200);
    expect(queues.at(-1)).toBe(`open ${hook.id} stored`);
  });
});
