import { exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Commands } from '../src/commands.js';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { HealthStore } from '../src/store/health.js';
import { TOKENS } from '../src/tokens.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { eventually, type LogCapture, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

/** The value of one sample of a Prometheus text exposition (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (wanted.every((w) => (m[2] ?? '').includes(w))) return Number(m[3]);
  }
  return 0;
}

function event(type: 'build:failure' | 'build:success', id: string) {
  const { teamId: _team, ...rest } = exampleEvent(type, { id });
  return rest;
}

describe('HTTP API — deliveries, resend, replay, events, settings, metrics', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let sink: Sink;
  let acme: ApiClient;
  let globex: ApiClient;
  let integrationId: string;
  let token: string;
  let failing = true;

  const deliveries = async (query = '') =>
    (await acme.get(`/v1/integrations/${integrationId}/deliveries${query}`)).body;
  const detail = async (deliveryId: string) =>
    (await acme.get(`/v1/integrations/${integrationId}/deliveries/${deliveryId}`)).body;
  const deliveryOf = (eventId: string) =>
    eventually(async () =>
      (await deliveries('?limit=100')).items.find((d: { eventId: string }) => d.eventId === eventId),
    );

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url, { HERALD_RETRY_SCHEDULE: '1s' });
    sink = await startSink();
    sink.respond((_req, res) => {
      if (failing) res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    const keys = herald.resolve(ApiKeyStore);
    acme = apiClient(herald.url, (await keys.create('acme')).key);
    globex = apiClient(herald.url, (await keys.create('globex')).key);
    const created = await acme.post('/v1/integrations', {
      name: 'Builds',
      type: 'webhook',
      config: { url: sink.url, secret: 'generate' },
      events: ['build:*'],
      confirm: false,
    });
    integrationId = created.body.id;
    token = created.body.generatedSecret;
  });
  afterAll(async () => {
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('publishes an event over HTTP (202 with its id), delivers it, and lists the delivery newest first', async () => {
    failing = false;
    const res = await acme.post('/v1/events', event('build:success', 'evt_http_1'));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: 'evt_http_1', duplicate: false });
    const again = await acme.post('/v1/events', event('build:success', 'evt_http_1'));
    expect(again.body).toEqual({ id: 'evt_http_1', duplicate: true });
    const generated = await acme.post('/v1/events', { ...event('build:success', 'x'), id: undefined });
    expect(generated.body.id).toMatch(/^evt_/);
    await eventually(
      async () =>
        (await deliveries()).items.filter((d: { status: string }) => d.status === 'succeeded').length === 2,
    );
    const page = await deliveries();
    expect(page.items[0].eventId).toBe(generated.body.id);
    expect(page.items[1]).toMatchObject({
      eventId: 'evt_http_1',
      eventType: 'build:success',
      status: 'succeeded',
      attemptCount: 1,
    });
    const one = await deliveries('?limit=1');
    expect(one.items).toHaveLength(1);
    expect(one.nextCursor).toEqual(expect.any(String));
    const next = await deliveries(`?limit=1&cursor=${one.nextCursor}`);
    expect(next.items[0].id).toBe(page.items[1].id);
  });

  it('answers 400 naming the field for bad events and publishes nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [
        {
          ...event('build:success', 'evt_bad_1'),
          data: {
            ...exampleEvent('build:success').data,
            build: { ...exampleEvent('build:success').data.build, sha: 'nope' },
          },
        },
        'data.build.sha',
      ],
      [{ ...event('build:success', 'evt_bad_2'), teamId: 'globex' }, 'teamId'],
      [{ ...event('build:success', 'evt_bad_3'), event: 'build:exploded' }, 'event'],
      [{ ...event('build:success', 'evt_bad_4'), event: 'integration:failing' }, 'event'],
      [{ ...event('build:success', 'evt_bad_5'), projectId: undefined }, 'projectId'],
    ];
    for (const [body, path] of cases) {
      const res = await acme.post('/v1/events', body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    await new Promise((r) => setTimeout(r, 300));
    const ids = (await deliveries('?limit=100')).items.map((d: { eventId: string }) => d.eventId);
    expect(ids.filter((id: string) => id.startsWith('evt_bad_'))).toEqual([]);
  });

  it('shows a delivery with every attempt, then resends it: a new attempt with trigger manual', async () => {
    failing = true;
    expect((await acme.post('/v1/events', event('build:failure', 'evt_resend_1'))).status).toBe(202);
    const failed = await eventually(async () => {
      const d = await deliveryOf('evt_resend_1');
      return d.status === 'failed' ? d : undefined;
    });
    const before = await detail(failed.id);
    expect(before).toMatchObject({
      id: failed.id,
      integrationId,
      eventId: 'evt_resend_1',
      eventType: 'build:failure',
      status: 'failed',
      nextAttemptAt: null,
    });
    expect(
      before.attempts.map(
        (a: { number: number; trigger: string; outcome: string; response: { status: number } }) => [
          a.number,
          a.trigger,
          a.outcome,
          a.response.status,
        ],
      ),
    ).toEqual([
      [1, 'scheduled', 'retry', 503],
      [2, 'scheduled', 'retry', 503],
    ]);
    const first = before.attempts[0];
    expect(first.request).toMatchObject({ method: 'POST', url: sink.url });
    expect(JSON.parse(first.request.body).event).toBe('build:failure');
    expect(first.response).toMatchObject({ status: 503, body: 'down' });
    expect(first.durationMs).toEqual(expect.any(Number));
    expect(first.error).toBeNull();
    expect(JSON.stringify(before)).not.toContain(token);
    expect((await deliveries('?status=failed')).items.map((d: { id: string }) => d.id)).toContain(failed.id);

    expect(
      (await globex.post(`/v1/integrations/${integrationId}/deliveries/${failed.id}/resend`)).status,
    ).toBe(404);
    expect((await globex.get(`/v1/integrations/${integrationId}/deliveries/${failed.id}`)).status).toBe(404);
    failing = false;
    const resend = await acme.post(`/v1/integrations/${integrationId}/deliveries/${failed.id}/resend`);
    expect(resend.status).toBe(202);
    const after = await eventually(async () => {
      const d = await detail(failed.id);
      return d.status === 'succeeded' ? d : undefined;
    });
    expect(after.attempts.map((a: { trigger: string; outcome: string }) => [a.trigger, a.outcome])).toEqual([
      ['scheduled', 'retry'],
      ['scheduled', 'retry'],
      ['manual', 'success'],
    ]);
    expect((await acme.get(`/v1/integrations/${integrationId}/deliveries/dlv_unknown`)).status).toBe(404);
  });

  it('a failed resend of a succeeded delivery is an attempt of its own: the delivery stays succeeded', async () => {
    failing = false;
    await acme.post('/v1/events', event('build:success', 'evt_resend_ok'));
    const delivered = await eventually(async () => {
      const d = await deliveryOf('evt_resend_ok');
      return d.status === 'succeeded' ? d : undefined;
    });
    failing = true;
    try {
      await acme.post(`/v1/integrations/${integrationId}/deliveries/${delivered.id}/resend`);
      const after = await eventually(async () => {
        const d = await detail(delivered.id);
        return d.attempts.length === 2 ? d : undefined;
      });
      expect(after.attempts.map((a: { trigger: string; outcome: string }) => [a.trigger, a.outcome])).toEqual(
        [
          ['scheduled', 'success'],
          ['manual', 'retry'],
        ],
      );
      expect(after).toMatchObject({
        status: 'succeeded',
        attemptCount: 2,
        lastStatusCode: 200,
        nextAttemptAt: null,
      });
      // Not listed among the failed ones either.
      const failedIds = (await deliveries('?status=failed&limit=100')).items.map((d: { id: string }) => d.id);
      expect(failedIds).not.toContain(delivered.id);
    } finally {
      failing = false;
    }
  });

  it('replays failed deliveries since a time: each gets a new attempt with trigger replay', async () => {
    const since = new Date().toISOString();
    failing = true;
    await acme.post('/v1/events', event('build:failure', 'evt_replay_1'));
    await acme.post('/v1/events', event('build:failure', 'evt_replay_2'));
    const ids = await eventually(async () => {
      const items = (await deliveries('?status=failed')).items.filter((d: { eventId: string }) =>
        d.eventId.startsWith('evt_replay_'),
      );
      return items.length === 2 ? items.map((d: { id: string }) => d.id) : undefined;
    });
    failing = false;
    const bad = await acme.post(`/v1/integrations/${integrationId}/replay`, { since: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('since');
    const res = await acme.post(`/v1/integrations/${integrationId}/replay`, { since, status: 'failed' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ count: 2 });
    for (const id of ids) {
      const d = await eventually(async () => {
        const x = await detail(id);
        return x.status === 'succeeded' ? x : undefined;
      });
      expect(d.attempts.at(-1)).toMatchObject({ trigger: 'replay', outcome: 'success', number: 3 });
    }
  });

  it('skips deliveries while its health has it disabled, and replays skipped ones after enabling', async () => {
    const since = new Date().toISOString();
    failing = false;
    const before = sink.requests.length;
    // As when it kept failing too long: the machine is disabled, the integration still enabled.
    await herald.resolve(Commands).control(integrationId, 'disable', 'failing for too long');
    await eventually(
      async () => (await herald.resolve(HealthStore).view(integrationId)).state === 'disabled',
    );
    const view = (await acme.get(`/v1/integrations/${integrationId}`)).body;
    // One answer: it receives nothing, so `enabled` is false; `disabled` says its health did it.
    expect(view).toMatchObject({
      enabled: false,
      state: 'disabled',
      disabled: { by: 'health' },
      health: { state: 'disabled' },
    });
    expect(view.health.transitions[0]).toMatchObject({
      from: 'healthy',
      to: 'disabled',
      reason: 'failing for too long',
    });
    await acme.post('/v1/events', event('build:success', 'evt_skipped_1'));
    const skipped = await eventually(async () => {
      const d = await deliveryOf('evt_skipped_1');
      return d.status === 'skipped' ? d : undefined;
    });
    expect(sink.requests.length).toBe(before);
    // The listing by status follows the record (it is written within a quarter of a second).
    const listed = await eventually(async () => {
      const ids = (await deliveries('?status=skipped')).items.map((d: { id: string }) => d.id);
      return ids.length > 0 ? ids : undefined;
    });
    expect(listed).toEqual([skipped.id]);
    const on = await acme.post(`/v1/integrations/${integrationId}/enable`);
    expect(on.body).toMatchObject({ enabled: true, state: 'healthy' });
    const res = await acme.post(`/v1/integrations/${integrationId}/replay`, { since, status: 'skipped' });
    expect(res.body).toEqual({ count: 1 });
    const done = await eventually(async () => {
      const d = await detail(skipped.id);
      return d.status === 'succeeded' ? d : undefined;
    });
    expect(done.attempts.map((a: { trigger: string }) => a.trigger)).toEqual(['replay']);
    expect(sink.requests.length).toBe(before + 1);
  });

  it('answers 400 naming bad listing parameters', async () => {
    for (const [query, path] of [
      ['?limit=101', 'limit'],
      ['?limit=0', 'limit'],
      ['?status=lost', 'status'],
      ['?cursor=garbage', 'cursor'],
      ['?colour=red', ''],
    ]) {
      const res = await acme.get(`/v1/integrations/${integrationId}/deliveries${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.details[0]).toMatchObject({ path, in: 'query' });
    }
  });

  it('reads and writes the alert settings, refusing bad values', async () => {
    expect((await acme.get('/v1/alert-settings')).body).toEqual({ minIntervalSeconds: 0 });
    const put = await acme.put('/v1/alert-settings', { minIntervalSeconds: 600 });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ minIntervalSeconds: 600 });
    expect((await acme.get('/v1/alert-settings')).body).toEqual({ minIntervalSeconds: 600 });
    expect((await globex.get('/v1/alert-settings')).body).toEqual({ minIntervalSeconds: 0 });
    const bad = await acme.put('/v1/alert-settings', { minIntervalSeconds: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('minIntervalSeconds');
    expect((await acme.get('/v1/alert-settings')).body).toEqual({ minIntervalSeconds: 600 });
  });

  it('moves the Prometheus counters when deliveries happen and counts the DLQ', async () => {
    const anon = apiClient(herald.url, null);
    const scrape = async () => (await anon.get('/metrics')).text;
    const before = await scrape();
    failing = false;
    await acme.post('/v1/events', event('build:success', 'evt_metrics_1'));
    await jetstream(herald.resolve(TOKENS.nats)).publish('herald.events.acme.p.build.start', '{not json');
    const after = await eventually(async () => {
      const text = await scrape();
      return sample(text, 'herald_dlq_messages') >= 1 &&
        sample(text, 'herald_attempts_total', { provider: 'webhook', outcome: 'success' }) >
          sample(before, 'herald_attempts_total', { provider: 'webhook', outcome: 'success' })
        ? text
        : undefined;
    });
    expect(
      sample(after, 'herald_deliveries_total', { provider: 'webhook', status: 'succeeded' }),
    ).toBeGreaterThan(
      sample(before, 'herald_deliveries_total', { provider: 'webhook', status: 'succeeded' }),
    );
    expect(sample(after, 'herald_events_routed_total')).toBeGreaterThan(
      sample(before, 'herald_events_routed_total'),
    );
    expect(sample(after, 'herald_attempt_duration_seconds_count', { provider: 'webhook' })).toBeGreaterThan(
      0,
    );
    expect(sample(after, 'herald_events_dead_lettered_total', { reason: 'bad_json' })).toBe(1);
    expect(sample(after, 'herald_dlq_messages')).toBe(1);
    expect(
      sample(after, 'herald_http_requests_total', { method: 'POST', route: '/v1/events', status: '202' }),
    ).toBeGreaterThan(0);

    // A test notification is an attempt too (counted by the time the API answers).
    const success = { provider: 'webhook', outcome: 'success' };
    const beforeTest = sample(await scrape(), 'herald_attempts_total', success);
    expect((await acme.post(`/v1/integrations/${integrationId}/test`)).body.ok).toBe(true);
    expect(sample(await scrape(), 'herald_attempts_total', success)).toBeGreaterThanOrEqual(beforeTest + 1);
  });
});
