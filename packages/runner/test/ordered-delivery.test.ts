import { EVENTS_STREAM, exampleEvent, publishEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { type JetStreamClient, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderedConsumerName } from '../src/delivery/ordered-queue.js';
import { DeliveryWorker } from '../src/delivery/worker.js';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { TOKENS } from '../src/tokens.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { eventually, startHerald } from './support/herald.js';
import { type SinkRequest, startSink } from './support/sink.js';

const EVENT_ID = 'x-herald-notification-integration-event-id';
const TEAM = 'fifo';

/** The event ids a path received, in the order the requests arrived. */
function arrivals(requests: SinkRequest[], path: string): string[] {
  return requests.filter((r) => r.path === path).map((r) => r.headers[EVENT_ID]!);
}

/**
 * A sink that answers each path after `delayMs` and counts how many of a path's requests
 * overlap; `fail(path, eventId, n)` answers 500 to that event's first n requests;
 * `/hang*` never answers.
 */
async function fifoSink(delayMs: number) {
  const sink = await startSink('/');
  const open = new Map<string, number>();
  const maxOpen = new Map<string, number>();
  const failures = new Map<string, number>();
  const hanging = new Set<string>();
  sink.respond((req, res) => {
    const key = `${req.path} ${req.headers[EVENT_ID]}`;
    if (req.path.startsWith('/hang') || hanging.has(key)) return;
    open.set(req.path, (open.get(req.path) ?? 0) + 1);
    maxOpen.set(req.path, Math.max(maxOpen.get(req.path) ?? 0, open.get(req.path)!));
    setTimeout(() => {
      open.set(req.path, open.get(req.path)! - 1);
      const left = failures.get(key) ?? 0;
      if (left > 0) {
        failures.set(key, left - 1);
        res.writeHead(500).end('not now');
      } else res.writeHead(200).end('ok');
    }, delayMs);
  });
  return Object.assign(sink, {
    fail: (path: string, eventId: string, n: number) => failures.set(`${path} ${eventId}`, n),
    hang: (path: string, eventId: string) => hanging.add(`${path} ${eventId}`),
    maxOpen: (path: string) => maxOpen.get(path) ?? 0,
  });
}

describe('ordered delivery (FIFO) per integration', () => {
  let nats: TestNats;
  let herald: RunningHerald;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let sink: Awaited<ReturnType<typeof fifoSink>>;
  let api: ApiClient;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url, {
      // Two retries, quick: a head that fails twice then succeeds is delivered; thrice is given up.
      HERALD_RETRY_SCHEDULE: '300ms,300ms',
      HERALD_MAX_IN_FLIGHT: '8',
      HERALD_HTTP_TIMEOUT: '20s',
      HERALD_ACK_WAIT: '30s',
    });
    nc = await connect({ servers: nats.url });
    js = jetstream(nc);
    sink = await fifoSink(10);
    const key = (await new ApiKeyStore(herald.resolve(TOKENS.buckets).teams).create(TEAM)).key;
    api = apiClient(herald.url, key);
  });
  afterAll(async () => {
    await nc?.close();
    await sink?.close();
    await herald?.stop();
    await nats?.cleanup();
  });

  async function create(path: string, ordered: boolean): Promise<string> {
    const created = await api.post('/v1/integrations', {
      name: `fifo ${path}`,
      type: 'webhook',
      config: { url: `${sink.url}${path.slice(1)}` },
      events: ['build:*'],
      ordered,
      confirm: false,
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.ordered).toBe(ordered);
    return created.body.id as string;
  }

  /** Publishes `n` events without waiting between them (the routers see them concurrently). */
  async function publish(prefix: string, n: number): Promise<string[]> {
    const ids = Array.from({ length: n }, (_, i) => `evt_${prefix}_${String(i).padStart(3, '0')}`);
    // Stream order is the publish acks' order: awaited one by one, it is `ids`.
    for (const id of ids) await publishEvent(js, exampleEvent('build:success', { id, teamId: TEAM }));
    return ids;
  }

  it('an ordered integration gets its events one at a time in the stream order; the API reads it as ordered', async () => {
    const id = await create('/order', true);
    const read = await api.get(`/v1/integrations/${id}`);
    expect(read.body).toMatchObject({ ordered: true, orderedUntil: null });
    expect(Date.parse(read.body.orderedFrom)).toBeLessThanOrEqual(Date.now());
    // Saying it again changes nothing of the ordering, and the other fields still apply.
    const same = await api.patch(`/v1/integrations/${id}`, { ordered: true, name: 'fifo renamed' });
    expect(same.body).toMatchObject({
      name: 'fifo renamed',
      ordered: true,
      orderedFrom: read.body.orderedFrom,
    });
    const consumer = await (await jetstreamManager(nc)).consumers.info(
      EVENTS_STREAM,
      orderedConsumerName(id),
    );
    expect(consumer.config.max_ack_pending).toBe(1);

    const ids = await publish('order', 40);
    await eventually(() => arrivals(sink.requests, '/order').length >= ids.length, 20_000);
    expect(arrivals(sink.requests, '/order')).toEqual(ids);
    expect(sink.maxOpen('/order')).toBe(1);
  });

  it('a head that fails twice holds the rest, then they follow in order', async () => {
    await create('/holds', true);
    sink.fail('/holds', 'evt_holds_000', 2);
    const ids = await publish('holds', 6);
    await eventually(() => arrivals(sink.requests, '/holds').length >= ids.length + 2, 20_000);
    expect(arrivals(sink.requests, '/holds')).toEqual([ids[0], ids[0], ...ids]);
    // The retries waited their schedule (300 ms each) and nothing went past the head meanwhile.
    const at = sink.requests.filter((r) => r.path === '/holds').map((r) => r.at);
    expect(at[2]! - at[0]!).toBeGreaterThanOrEqual(500);
  });

  it('a head given up (failed after its last retry) lets the next go; its record says failed', async () => {
    const id = await create('/gives-up', true);
    sink.fail('/gives-up', 'evt_gives-up_000', 3);
    const ids = await publish('gives-up', 4);
    await eventually(() => arrivals(sink.requests, '/gives-up').length >= ids.length + 2, 20_000);
    expect(arrivals(sink.requests, '/gives-up')).toEqual([ids[0], ids[0], ...ids]);
    const failed = await api.get(`/v1/integrations/${id}/deliveries?status=failed`);
    expect(failed.body.items.map((d: { eventId: string }) => d.eventId)).toEqual([ids[0]]);
    // A replay is out of band: the failed one goes again at once, through the partitions.
    const since = new Date(Date.now() - 60_000).toISOString();
    const replay = await api.post(`/v1/integrations/${id}/replay`, { since, status: 'failed' });
    expect(replay.body).toEqual({ count: 1 });
    await eventually(() => arrivals(sink.requests, '/gives-up').length >= ids.length + 3, 10_000);
    expect(arrivals(sink.requests, '/gives-up').at(-1)).toBe(ids[0]);
  });

  it('an unordered integration of the same team is not held by an ordered one that retries', async () => {
    await create('/plain', false);
    await create('/retrying', true);
    sink.fail('/retrying', 'evt_beside_000', 2);
    const ids = await publish('beside', 10);
    await eventually(() => arrivals(sink.requests, '/plain').length >= ids.length, 10_000);
    // While the ordered head waits for its retries, the plain integration already has everything.
    expect(arrivals(sink.requests, '/retrying').length).toBeLessThan(ids.length + 2);
    expect(new Set(arrivals(sink.requests, '/plain'))).toEqual(new Set(ids));
    await eventually(() => arrivals(sink.requests, '/retrying').length >= ids.length + 2, 20_000);
    expect(arrivals(sink.requests, '/retrying')).toEqual([ids[0], ids[0], ...ids]);
  });

  it('a hanging ordered integration costs only itself: its backlog stays in the stream, others flow', async () => {
    const hanging = await create('/hang-fifo', true);
    await create('/flowing', false);
    const ids = await publish('hang', 200);
    await eventually(() => arrivals(sink.requests, '/flowing').length >= ids.length, 20_000);
    // One request, the head, is hanging; the other 199 wait in JetStream, not in memory.
    expect(arrivals(sink.requests, '/hang-fifo')).toEqual([ids[0]]);
    // Once the flowing integration's last attempts are settled, the head is all the lanes hold.
    await eventually(() => herald.resolve(DeliveryWorker).pending === 1, 5_000);
    const consumer = await (await jetstreamManager(nc)).consumers.info(
      EVENTS_STREAM,
      orderedConsumerName(hanging),
    );
    expect(consumer.num_ack_pending).toBe(1);
    // The server counts pending for a filtered consumer; a few short of 199 has been seen on 2.9.
    expect(consumer.num_pending).toBeGreaterThanOrEqual(ids.length - 10);
  });

  it('disabled, the retrying head is recorded skipped and nothing is delivered; enabled again, the order resumes', async () => {
    const id = await create('/paused', true);
    sink.fail('/paused', 'evt_paused_000', 100);
    const before = await publish('paused', 3);
    await sink.waitFor(1);
    await eventually(() => arrivals(sink.requests, '/paused').length >= 1);
    expect((await api.post(`/v1/integrations/${id}/disable`)).status).toBe(200);
    const during = await publish('paused-off', 3);
    // The head's next retry finds the integration disabled: skipped, not attempted.
    await eventually(async () => {
      const skipped = await api.get(`/v1/integrations/${id}/deliveries?status=skipped`);
      return skipped.body.items.some((d: { eventId: string }) => d.eventId === before[0]);
    }, 10_000);
    const seenWhileDisabled = arrivals(sink.requests, '/paused');
    // Events the queue reads while the integration is disabled are dropped; wait until it
    // has read all of them (its consumer has nothing pending), then enable it again.
    const jsm = await jetstreamManager(nc);
    await eventually(async () => {
      const info = await jsm.consumers.info(EVENTS_STREAM, orderedConsumerName(id));
      return info.num_pending === 0 && info.num_ack_pending === 0;
    }, 10_000);
    expect((await api.post(`/v1/integrations/${id}/enable`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const after = await publish('paused-on', 4);
    await eventually(() => arrivals(sink.requests, '/paused').slice(-4).join() === after.join(), 10_000);
    const got = arrivals(sink.requests, '/paused');
    expect(seenWhileDisabled.every((e) => e === before[0])).toBe(true);
    // Nothing published while it was disabled, nor the backlog behind the head, was delivered.
    for (const e of [...before.slice(1), ...during]) expect(got).not.toContain(e);
    expect(got.slice(seenWhileDisabled.length)).toEqual(after);
  });

  it('a resend is out of band: it goes at once while the head holds the rest', async () => {
    const id = await create('/resend', true);
    const first = await publish('resend', 2);
    await eventually(() => arrivals(sink.requests, '/resend').length >= 2);
    sink.hang('/resend', 'evt_resend-head_000');
    const later = await publish('resend-head', 3);
    await eventually(() => arrivals(sink.requests, '/resend').includes(later[0]!));
    const page = await api.get(`/v1/integrations/${id}/deliveries?status=succeeded`);
    const done = page.body.items.find((d: { eventId: string }) => d.eventId === first[0]);
    expect((await api.post(`/v1/integrations/${id}/deliveries/${done.id}/resend`)).status).toBe(202);
    await eventually(() => arrivals(sink.requests, '/resend').length >= 4);
    // The resend arrived while the head hangs; nothing behind the head went.
    expect(arrivals(sink.requests, '/resend')).toEqual([...first, later[0], first[0]]);
  });

  it('switched on, then off: each event is delivered exactly once, in order while ordered', {
    timeout: 60_000,
  }, async () => {
    const id = await create('/switch', false);
    const on = await api.patch(`/v1/integrations/${id}`, { ordered: true });
    expect(on.status, on.text).toBe(200);
    expect(on.body.ordered).toBe(true);
    const from = Date.parse(on.body.orderedFrom);
    // Applies after the grace: until then, the routers still deliver.
    expect(from).toBeGreaterThan(Date.now() + 5_000);
    const early = await publish('switch-early', 5);
    await eventually(() => arrivals(sink.requests, '/switch').length >= 5);
    await new Promise((r) => setTimeout(r, Math.max(0, from - Date.now()) + 100));
    const ordered = await publish('switch-ordered', 10);
    await eventually(() => arrivals(sink.requests, '/switch').length >= 15, 10_000);
    expect(arrivals(sink.requests, '/switch').slice(5)).toEqual(ordered);

    const off = await api.patch(`/v1/integrations/${id}`, { ordered: false });
    expect(off.body).toMatchObject({ ordered: false });
    const until = Date.parse(off.body.orderedUntil);
    const draining = await publish('switch-draining', 5);
    await eventually(() => arrivals(sink.requests, '/switch').length >= 20, 10_000);
    expect(arrivals(sink.requests, '/switch').slice(15)).toEqual(draining);
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()) + 100));
    const late = await publish('switch-late', 5);
    await eventually(() => arrivals(sink.requests, '/switch').length >= 25, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    const got = arrivals(sink.requests, '/switch');
    expect(got.slice(0, 5).sort()).toEqual(early);
    expect(got.slice(20).sort()).toEqual(late);
    expect(got).toHaveLength(25);
    // Drained: the queue is closed.
    const jsm = await jetstreamManager(nc);
    await eventually(
      () =>
        jsm.consumers.info(EVENTS_STREAM, orderedConsumerName(id)).then(
          () => false,
          () => true,
        ),
      15_000,
    );
  });

  it('alerts are throttled per ordered queue by the team’s interval: a repeat is dropped, another resource goes', async () => {
    expect((await api.put('/v1/alert-settings', { minIntervalSeconds: 60 })).status).toBe(200);
    const created = await api.post('/v1/integrations', {
      name: 'fifo alerts',
      type: 'webhook',
      config: { url: `${sink.url}alerts` },
      events: ['alert:*'],
      ordered: true,
      confirm: false,
    });
    expect(created.status).toBe(201);
    const alert = (id: string, resource: string) => {
      const base = exampleEvent('alert:cpu-high', { id, teamId: TEAM });
      const data = base.data as { resource: { id: string } };
      return { ...base, data: { ...data, resource: { ...data.resource, id: resource } } };
    };
    for (const [id, resource] of [
      ['evt_alert_1', 'srv-a'],
      ['evt_alert_2', 'srv-a'],
      ['evt_alert_3', 'srv-b'],
    ])
      await publishEvent(js, alert(id, resource) as never);
    await eventually(() => arrivals(sink.requests, '/alerts').length >= 2, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(arrivals(sink.requests, '/alerts')).toEqual(['evt_alert_1', 'evt_alert_3']);
    expect((await api.put('/v1/alert-settings', { minIntervalSeconds: 0 })).status).toBe(200);
  });
});
