import { DELIVERIES_STREAM, EVENTS_STREAM, exampleEvent, publishEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../src/metrics.js';
import { ROUTER_CONSUMER } from '../src/router/router.js';
import type { RunningHerald } from '../src/run.js';
import { IntegrationStore } from '../src/store/integrations.js';
import { TOKENS } from '../src/tokens.js';
import { eventually, integration, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

/**
 * The router hands a delivery straight to this runner's worker when it owns the
 * partition and the integration's lane can take it; the event is acked once the
 * delivery is settled, and a retry goes through the partition's stream.
 */
describe('pipeline — deliveries handed over without the partition stream', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: { text: string } };
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let sink: Sink;

  const handedOver = () =>
    herald
      .resolve(Metrics)
      .deliveriesHandedOver.get()
      .then((m) => m.values[0]?.value ?? 0);
  const storedDeliveries = async () => (await jsm.streams.info(DELIVERIES_STREAM)).state.messages;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url, { HERALD_RETRY_SCHEDULE: '1s,1s' });
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    sink = await startSink('/');
  });
  afterAll(async () => {
    await nc?.close();
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('delivers a warm integration’s events without storing them in the deliveries stream; acks each event after', async () => {
    const hook = integration({
      type: 'webhook',
      config: { url: `${sink.url}warm` },
      events: ['build:start'],
    });
    await herald.resolve(IntegrationStore).create(hook);
    // The first delivery loads the integration's machine (through the partition).
    await publishEvent(jetstream(nc), exampleEvent('build:start', { id: 'evt_warm_0' }));
    await sink.waitFor(1);
    await eventually(
      async () => (await herald.resolve(TOKENS.deliveryLog).list(hook.id, { limit: 1 })).items[0],
    );
    const storedBefore = await storedDeliveries();
    const handedBefore = await handedOver();

    for (let i = 1; i <= 20; i++)
      await publishEvent(jetstream(nc), exampleEvent('build:start', { id: `evt_warm_${i}` }));
    await sink.waitFor(21);
    expect((await handedOver()) - handedBefore).toBe(20);
    expect(await storedDeliveries()).toBe(storedBefore);
    // Each event is acked once its delivery is recorded and listed.
    await eventually(
      async () => (await jsm.consumers.info(EVENTS_STREAM, ROUTER_CONSUMER)).num_ack_pending === 0,
    );
    const page = await herald.resolve(TOKENS.deliveryLog).list(hook.id, { limit: 50 });
    expect(page.items).toHaveLength(21);
    expect(new Set(page.items.map((d) => d.eventId)).size).toBe(21);
    expect(page.items.every((d) => d.status === 'succeeded')).toBe(true);
    const detail = await herald.resolve(TOKENS.deliveryLog).getDetail(hook.id, page.items[0]!.id);
    expect(detail?.attempts.map((a) => [a.number, a.outcome])).toEqual([[1, 'success']]);
  });

  it('retries a handed-over delivery through the partition after the retry delay, same delivery id', async () => {
    const hook = integration({ type: 'webhook', config: { url: `${sink.url}flaky` }, events: ['build:*'] });
    await herald.resolve(IntegrationStore).create(hook);
    await publishEvent(jetstream(nc), exampleEvent('build:start', { id: 'evt_flaky_0' }));
    await eventually(() => sink.requests.some((r) => r.path === '/flaky'));
    await eventually(
      async () => (await herald.resolve(TOKENS.deliveryLog).list(hook.id, { limit: 1 })).items[0],
    );

    let answered = 0;
    sink.respond((req, res) => {
      if (req.path === '/flaky' && answered++ === 0) res.writeHead(503).end('busy');
      else res.writeHead(200).end('ok');
    });
    const handedBefore = await handedOver();
    await publishEvent(jetstream(nc), exampleEvent('build:failure', { id: 'evt_flaky_1' }));
    const tries = await eventually(() => {
      const r = sink.requests.filter((x) => x.path === '/flaky' && x.body.includes('build:failure'));
      return r.length === 2 ? r : undefined;
    });
    expect((await handedOver()) - handedBefore).toBe(1);
    expect(tries[0]!.headers['webhook-id']).toBe(tries[1]!.headers['webhook-id']);
    // The retry schedule's first delay is 1 s (±20 % jitter).
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(750);
    const delivery = await eventually(async () => {
      const items = (await herald.resolve(TOKENS.deliveryLog).list(hook.id, { limit: 5 })).items;
      const d = items.find((x) => x.eventId === 'evt_flaky_1');
      return d?.status === 'succeeded' ? d : undefined;
    });
    const detail = await herald.resolve(TOKENS.deliveryLog).getDetail(hook.id, delivery.id);
    expect(detail?.attempts.map((a) => [a.number, a.response?.status])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    await eventually(
      async () => (await jsm.consumers.info(EVENTS_STREAM, ROUTER_CONSUMER)).num_ack_pending === 0,
    );
  });
});
