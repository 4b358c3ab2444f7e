import { exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { TOKENS } from '../src/tokens.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { eventually, type LogCapture, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

type Entry = {
  id: string;
  eventId: string | null;
  type: string | null;
  projectId: string | null;
  outcome: string;
  deliveries: Array<{ integrationId: string; integrationName: string; deliveryId: string; status?: string }>;
  skipped: Array<{ integrationId: string; integrationName: string; reason: string; message: string }>;
  throttle: { minIntervalSeconds: number } | null;
  rejection: { reason: string; error: string; subject: string } | null;
};

/** An event for POST /v1/events (the key says the team). */
function event(type: Parameters<typeof exampleEvent>[0], id: string, projectId?: string) {
  const { teamId: _team, ...rest } = exampleEvent(type, { id });
  return projectId ? { ...rest, projectId } : rest;
}

describe('HTTP API — the events log (GET /v1/events)', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let sink: Sink;
  let acme: ApiClient;
  let globex: ApiClient;
  const ids: Record<string, string> = {};
  let token = '';
  let buildRow = '';

  const list = async (query = ''): Promise<{ items: Entry[]; nextCursor: string | null }> => {
    const res = await acme.get(`/v1/events${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const listed = (id: string, query = '') =>
    eventually(async () => (await list(query)).items.find((e) => e.eventId === id));

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    sink = await startSink();
    const keys = herald.resolve(ApiKeyStore);
    acme = apiClient(herald.url, (await keys.create('acme')).key);
    globex = apiClient(herald.url, (await keys.create('globex')).key);
    const create = async (name: string, patch: Record<string, unknown>) => {
      const res = await acme.post('/v1/integrations', {
        name,
        type: 'webhook',
        config: { url: `${sink.url}/${name}`, secret: 'generate' },
        confirm: false,
        ...patch,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ids[name] = res.body.id;
      token ||= res.body.generatedSecret;
    };
    await create('builds', { events: ['build:*'] });
    await create('blog-only', { events: ['build:*'], projects: ['blog'] });
    await create('deploys-off', { events: ['deployment:*'], enabled: false });
    await create('alerts', { events: ['alert:*'] });
    expect((await acme.put('/v1/alert-settings', { minIntervalSeconds: 600 })).status).toBe(200);
  });
  afterAll(async () => {
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('records a delivered event with a link to its delivery, and every other integration skipped with its reason', async () => {
    expect((await acme.post('/v1/events', event('build:success', 'evt_b1', 'shop'))).status).toBe(202);
    const entry = await listed('evt_b1');
    buildRow = entry.id;
    expect(entry.outcome).toBe('delivered');
    expect(entry.type).toBe('build:success');
    expect(entry.projectId).toBe('shop');
    expect(entry.deliveries.map((d) => d.integrationName)).toEqual(['builds']);
    const reasons = Object.fromEntries(entry.skipped.map((s) => [s.integrationName, s.reason]));
    expect(reasons).toEqual({ 'blog-only': 'project', 'deploys-off': 'event-type', alerts: 'event-type' });
    expect(entry.skipped.find((s) => s.reason === 'project')?.message).toBe(
      'only for projects blog, not shop',
    );
    // The link leads to the delivery, which the detail read shows succeeded.
    const [delivery] = entry.deliveries;
    const detail = await eventually(async () => {
      const res = await acme.get(`/v1/events/${buildRow}`);
      return res.body.deliveries[0].status === 'succeeded' && res.body;
    });
    expect(detail.deliveries[0].deliveryId).toBe(delivery!.deliveryId);
    const linked = await acme.get(
      `/v1/integrations/${delivery!.integrationId}/deliveries/${delivery!.deliveryId}`,
    );
    expect(linked.status).toBe(200);
    expect(linked.body.eventId).toBe('evt_b1');
  });

  it('says an alert was held back by the alert frequency, naming the setting', async () => {
    expect((await acme.post('/v1/events', event('alert:cpu-high', 'evt_a1'))).status).toBe(202);
    expect((await listed('evt_a1')).outcome).toBe('delivered');
    expect((await acme.post('/v1/events', event('alert:cpu-high', 'evt_a2'))).status).toBe(202);
    const held = await listed('evt_a2');
    expect(held.outcome).toBe('skipped');
    expect(held.deliveries).toEqual([]);
    expect(held.throttle).toEqual({ minIntervalSeconds: 600 });
    const alerts = held.skipped.find((s) => s.integrationName === 'alerts');
    expect(alerts?.reason).toBe('throttled');
    expect(alerts?.message).toContain('once every 600 s');
  });

  it('tells a switched-off integration from an event nobody listens to', async () => {
    await acme.post('/v1/events', event('deployment:success', 'evt_d1'));
    await acme.post('/v1/events', event('backup:success', 'evt_k1'));
    const off = await listed('evt_d1');
    expect(off.outcome).toBe('skipped');
    expect(off.skipped.find((s) => s.integrationName === 'deploys-off')).toMatchObject({
      reason: 'disabled',
      message: 'switched off',
    });
    const nobody = await listed('evt_k1');
    expect(nobody.outcome).toBe('unmatched');
    expect(nobody.skipped.every((s) => s.reason === 'event-type')).toBe(true);
    expect(nobody.skipped).toHaveLength(4);
  });

  it('records an event rejected to the dead-letter stream, for the team its subject names, with the validation error', async () => {
    const js = herald.resolve(TOKENS.js);
    const bad = exampleEvent('build:failure', { id: 'evt_bad1', projectId: 'shop' });
    (bad.data as Record<string, unknown>).build = { id: 42 };
    await js.publish('herald.events.acme.shop.build.failure', JSON.stringify(bad));
    await js.publish('herald.events.acme.shop.build.failure', 'not json');
    const rejected = await eventually(async () => {
      const page = await list('?outcome=rejected');
      return page.items.length === 2 && page.items;
    });
    const [notJson, schema] = rejected;
    expect(schema!.rejection?.reason).toBe('schema');
    expect(schema!.rejection?.error).toMatch(/data\.build/);
    expect(schema!.rejection?.subject).toBe('herald.events.acme.shop.build.failure');
    expect(schema!.type).toBe('build:failure');
    expect(notJson!.type).toBeNull();
    expect(notJson!.rejection?.error).toMatch(/invalid event/);
    // Another team never sees them.
    expect((await globex.get('/v1/events?outcome=rejected')).body.items).toEqual([]);
  });

  it('lists newest first, filters by type, project and outcome, and pages with the cursor', async () => {
    for (let i = 0; i < 5; i++) await acme.post('/v1/events', event('build:start', `evt_s${i}`, 'blog'));
    await listed('evt_s4');
    const all = await list('?limit=100');
    const order = all.items.map((e) => e.eventId).filter((id) => id?.startsWith('evt_s'));
    expect(order).toEqual(['evt_s4', 'evt_s3', 'evt_s2', 'evt_s1', 'evt_s0']);

    expect((await list('?type=build:start')).items.map((e) => e.eventId)).toEqual(order);
    const blog = await list('?projectId=blog&limit=100');
    expect(blog.items.every((e) => e.projectId === 'blog')).toBe(true);
    expect(blog.items).toHaveLength(5);
    // A blog build goes to both build integrations.
    expect(blog.items[0]!.deliveries.map((d) => d.integrationName).sort()).toEqual(['blog-only', 'builds']);
    const skipped = await list('?outcome=skipped');
    expect(skipped.items.map((e) => e.eventId).sort()).toEqual(['evt_a2', 'evt_d1']);
    expect((await list('?outcome=unmatched')).items.map((e) => e.eventId)).toEqual(['evt_k1']);

    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      walked.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(walked).toEqual(all.items.map((e) => e.id));
    expect(new Set(walked).size).toBe(walked.length);
  });

  it('answers 404 for another team’s event and 400 naming the field for bad input', async () => {
    expect((await acme.get(`/v1/events/${buildRow}`)).status).toBe(200);
    const other = await globex.get(`/v1/events/${buildRow}`);
    expect(other.status).toBe(404);
    expect((await acme.get('/v1/events/evt_b1')).status).toBe(404);
    expect((await globex.get('/v1/events')).body).toEqual({ items: [], nextCursor: null });
    const badType = await acme.get('/v1/events?type=build:nope');
    expect(badType.status).toBe(400);
    expect(JSON.stringify(badType.body.error.details)).toContain('type');
    const badOutcome = await acme.get('/v1/events?outcome=lost');
    expect(badOutcome.status).toBe(400);
    expect(JSON.stringify(badOutcome.body.error.details)).toContain('outcome');
    const badCursor = await acme.get('/v1/events?cursor=nonsense');
    expect(badCursor.status).toBe(400);
    expect(JSON.stringify(badCursor.body.error.details)).toContain('cursor');
    // A cursor of one listing is refused by another (it names its chain).
    const page = await list('?limit=1');
    expect((await acme.get(`/v1/events?outcome=rejected&cursor=${page.nextCursor}`)).status).toBe(400);
  });

  it('keeps no secret and no event data in the stored log', async () => {
    const bucket = herald.resolve(TOKENS.buckets).eventLog;
    const keys = await bucket.keys();
    const values: string[] = [];
    for await (const key of keys) values.push((await bucket.get(key))?.string() ?? '');
    expect(values.length).toBeGreaterThan(10);
    const stored = values.join('\n');
    expect(token.length).toBeGreaterThan(10);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(sink.url);
    // The payload's data stays in the events stream and the deliveries.
    expect(stored).not.toContain('"data"');
  });
});
