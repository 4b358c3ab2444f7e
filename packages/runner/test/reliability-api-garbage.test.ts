import { startNats, type TestNats } from '@herald/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

// Garbage at every route that takes input: the answer is a 4xx with the JSON error shape
// (never a 5xx, never a crash), and nothing is written.
describe('API — garbage in, 4xx out, nothing written', () => {
  let nats: TestNats;
  let herald: RunningHerald;
  let sink: Sink;
  let api: ApiClient;
  let integrationId: string;
  let deliveryId: string;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    sink = await startSink();
    const keys = herald.resolve(ApiKeyStore);
    api = apiClient(herald.url, (await keys.create('garbage')).key);
    const created = await api.post('/v1/integrations', {
      name: 'Target',
      type: 'webhook',
      config: { url: sink.url },
      events: ['*'],
      projects: null,
    });
    expect(created.status).toBe(201);
    integrationId = created.body.id;
    const tested = await api.post(`/v1/integrations/${integrationId}/test`);
    expect(tested.status).toBe(200);
    const page = await api.get(`/v1/integrations/${integrationId}/deliveries`);
    deliveryId = page.body.items[0].id;
  });
  afterAll(async () => {
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  /** What a successful write would change: the team's integrations, one integration, the log, alert settings. */
  async function state(): Promise<string> {
    const [list, one, deliveries, settings] = await Promise.all([
      api.get('/v1/integrations'),
      api.get(`/v1/integrations/${integrationId}`),
      api.get(`/v1/integrations/${integrationId}/deliveries?limit=100`),
      api.get('/v1/alert-settings'),
    ]);
    const stable = (i: Record<string, unknown>) => ({ ...i, health: undefined });
    return JSON.stringify([
      list.body.items.map(stable),
      stable(one.body),
      deliveries.body.items.length,
      settings.body,
    ]);
  }

  const garbage = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.string({ maxLength: 200 }).map((s) => ({ raw: s })),
    fc.record(
      {
        name: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        type: fc.string(),
        config: fc.jsonValue(),
        events: fc.jsonValue(),
      },
      { requiredKeys: [] },
    ),
    fc.record({ minIntervalSeconds: fc.oneof(fc.double(), fc.string(), fc.constant(-1)) }),
    fc.record({ since: fc.string(), status: fc.string() }, { requiredKeys: [] }),
    fc.record(
      { event: fc.string(), data: fc.jsonValue(), id: fc.string(), teamId: fc.string() },
      { requiredKeys: [] },
    ),
  );

  const routes = (): Array<[string, string]> => [
    ['POST', '/v1/integrations'],
    ['PATCH', `/v1/integrations/${integrationId}`],
    ['POST', `/v1/integrations/${integrationId}/replay`],
    ['POST', '/v1/events'],
    ['PUT', '/v1/alert-settings'],
  ];

  it('answers every route with a 4xx naming the problem for random JSON, and writes nothing', async () => {
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 4 }), garbage, async (r, body) => {
        const [method, path] = routes()[r]!;
        const before = await state();
        const answer = await api.raw(method, path, {
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
        });
        // The rare random value that is valid for its route (e.g. an empty PATCH) is allowed to write.
        if (answer.status < 300) return;
        refused++;
        expect(answer.status, `${method} ${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        expect(answer.body.error.code).toEqual(expect.any(String));
        expect(answer.body.error.message).toEqual(expect.any(String));
        expect(await state(), `${method} ${path} wrote something`).toBe(before);
      }),
      { numRuns: 150 },
    );
    expect(refused).toBeGreaterThan(100);
  });

  it.each([
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]).toString('latin1')],
    ['deeply nested JSON', `${'['.repeat(50_000)}${']'.repeat(50_000)}`],
    ['a huge string', JSON.stringify({ name: 'x'.repeat(400_000) })],
    ['truncated JSON', '{"name": "a", "type": '],
  ])('refuses %s at every route with a 4xx', async (_what, body) => {
    const before = await state();
    for (const [method, path] of routes()) {
      const answer = await api.raw(method, path, { body, headers: { 'content-type': 'application/json' } });
      expect(answer.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, `${method} ${path}`).toBeLessThan(500);
      expect(answer.body.error.code).toEqual(expect.any(String));
    }
    expect(await state()).toBe(before);
  });

  it('refuses garbage in path parameters and queries with 4xx', async () => {
    for (const path of [
      '/v1/integrations/..%2F..%2Fetc',
      `/v1/integrations/${'x'.repeat(500)}`,
      `/v1/integrations/${integrationId}/deliveries?limit=-1`,
      `/v1/integrations/${integrationId}/deliveries?limit=abc`,
      `/v1/integrations/${integrationId}/deliveries?status=exploded`,
      `/v1/integrations/${integrationId}/deliveries?cursor=%00%01`,
      `/v1/integrations/${integrationId}/deliveries/not-a-delivery`,
      `/v1/integrations/${integrationId}/deliveries/${deliveryId}x`,
    ]) {
      const answer = await api.get(path);
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expect(answer.status, path).toBeLessThan(500);
    }
  });
});
