import { exampleEvent, type HeraldEvent } from '@herald/core';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { teamRoutes } from '../src/http/routes/team.js';
import { KEYS, routeApp } from './support/route-app.js';

// POST /v1/events with the publish recorded: the one projectId rule (a team-wide event may
// leave it out and gets `_team`, a project event may not), without NATS.

describe('events route — projectId, one rule for HTTP and the CLI', () => {
  let app: FastifyInstance;
  let published: HeraldEvent[];

  beforeEach(async () => {
    published = [];
    app = await routeApp(
      teamRoutes({
        providers: { all: () => [] },
        throttle: { settings: async () => ({ minIntervalSeconds: 0 }), saveSettings: async () => {} },
        commands: {
          publishEvent: async (event: HeraldEvent) => {
            published.push(event);
            return { duplicate: false };
          },
        },
      } as never),
    );
  });
  afterEach(() => app.close());

  const post = (body: unknown) =>
    app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${KEYS.acme}` },
      payload: body as never,
    });

  it('a billing event without projectId is published as the team’s (`_team`)', async () => {
    const {
      teamId: _t,
      projectId: _p,
      id: _i,
      occurredAt: _o,
      ...body
    } = exampleEvent('billing:payment-failed');
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(202);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      event: 'billing:payment-failed',
      teamId: 'acme',
      projectId: '_team',
    });
    expect(published[0]!.id).toMatch(/^evt_/);
  });

  it('a project event without projectId is refused, naming the field, and nothing is published', async () => {
    const { teamId: _t, projectId: _p, ...body } = exampleEvent('build:start');
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([expect.objectContaining({ path: 'projectId' })]);
    expect(published).toEqual([]);
  });
});
