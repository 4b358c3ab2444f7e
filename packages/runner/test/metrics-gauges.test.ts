import { createRequire } from 'node:module';
import { DELIVERIES_STREAM, EVENTS_STREAM, exampleEvent, partitionOf } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionConsumerName } from '../src/delivery/worker.js';
import { ROUTER_CONSUMER, Router } from '../src/router/router.js';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { eventually, type LogCapture, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

// The gauges /metrics reads at scrape time (gauges.ts), against a real nats-server and
// runners in this process; each assertion is a value a wrong source would get wrong.

const PARTITIONS = 4;
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Every sample of `name` in a Prometheus text exposition, by its label string. */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}

/** The value of the one sample of `name` whose labels include `labels` (undefined when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const [labelText, value] of samples(text, name))
    if (wanted.every((w) => labelText.includes(w))) return value;
  return undefined;
}

function event(type: 'build:failure' | 'build:success', id: string) {
  const { teamId: _team, ...rest } = exampleEvent(type, { id });
  return rest;
}

describe('runner /metrics — read gauges', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let herald: RunningHerald & { logs: LogCapture };
  let up: Sink;
  let flaky: Sink;
  let hanging: Sink;
  let acme: ApiClient;
  let globex: ApiClient;
  let flakyDown = true;
  const scrape = async (runner: RunningHerald = herald) =>
    (await apiClient(runner.url, null).get('/metrics')).text as string;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    herald = await startHerald(nats.url, {
      HERALD_PARTITIONS: String(PARTITIONS),
      HERALD_RETRY_SCHEDULE: '1s,1s,1s',
      HERALD_HTTP_TIMEOUT: '20s',
      HERALD_LEASE_TTL: '2s',
    });
    up = await startSink();
    flaky = await startSink();
    flaky.respond((_req, res) => {
      if (flakyDown) res.writeHead(503).end('down');
      else res.writeHead(200).end('ok');
    });
    hanging = await startSink();
    hanging.respond(() => undefined); // never answers: the attempt waits out HERALD_HTTP_TIMEOUT
    const keys = herald.resolve(ApiKeyStore);
    acme = apiClient(herald.url, (await keys.create('acme')).key);
    globex = apiClient(herald.url, (await keys.create('globex')).key);
  });
  afterAll(async () => {
    await herald?.stop();
    await nc?.close();
    await Promise.all([up?.close(), flaky?.close(), hanging?.close()]);
    await nats?.cleanup();
  });

  const create = async (client: ApiClient, name: string, url: string, events = ['build:*']) => {
    const res = await client.post('/v1/integrations', {
      name,
      type: 'webhook',
      config: { url },
      events,
      confirm: false,
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it('herald_build_info: the package version and Node.js version, value 1', async () => {
    const info = samples(await scrape(), 'herald_build_info');
    expect([...info]).toEqual([[`{version="${version}",node="${process.version}"}`, 1]]);
  });

  it('herald_integrations: every integration of every team by the state the API shows, from the stores', async () => {
    await create(acme, 'up', up.url);
    const flakyId = await create(acme, 'flaky', flaky.url);
    const offId = await create(acme, 'off', up.url);
    expect((await acme.post(`/v1/integrations/${offId}/disable`, {})).status).toBe(200);
    await create(globex, 'untouched', up.url); // never sent anything: no actor anywhere
    await acme.post('/v1/events', event('build:failure', 'evt_gauges_1'));
    await eventually(async () => (await acme.get(`/v1/integrations/${flakyId}`)).body.state === 'failing');
    const text = await eventually(async () => {
      const t = await scrape();
      return sample(t, 'herald_integrations', { state: 'failing' }) === 1 ? t : undefined;
    });
    expect(sample(text, 'herald_integrations', { state: 'healthy' })).toBe(2);
    expect(sample(text, 'herald_integrations', { state: 'disabled' })).toBe(1);

    // It recovers on its next retry: the stored state follows.
    flakyDown = false;
    await eventually(async () => (await acme.get(`/v1/integrations/${flakyId}`)).body.state === 'healthy');
    const after = await eventually(async () => {
      const t = await scrape();
      return sample(t, 'herald_integrations', { state: 'failing' }) === 0 ? t : undefined;
    });
    expect(sample(after, 'herald_integrations', { state: 'healthy' })).toBe(3);
    expect(sample(after, 'herald_integrations', { state: 'disabled' })).toBe(1);
  });

  it('herald_dlq_messages_by_reason: the dead-letter stream counted by its herald.dlq.<reason> subjects', async () => {
    const js = jetstream(nc);
    await js.publish('herald.events.acme.p.build.start', '{not json');
    await js.publish('herald.events.acme.p.build.start', '[1,');
    await js.publish(
      'herald.events.acme.p.no.such',
      JSON.stringify({ ...exampleEvent('build:start', { id: 'evt_dlq_unknown' }), event: 'no:such' }),
    );
    const text = await eventually(async () => {
      const t = await scrape();
      return sample(t, 'herald_dlq_messages') === 3 ? t : undefined;
    });
    expect(Object.fromEntries(samples(text, 'herald_dlq_messages_by_reason'))).toEqual({
      '{reason="bad_json"}': 2,
      '{reason="unknown_type"}': 1,
    });
  });

  it('herald_partitions_owned and the partition consumers reported follow the leases as runners come and go', async () => {
    await eventually(async () => sample(await scrape(), 'herald_partitions_owned') === PARTITIONS);
    const second = await startHerald(nats.url, {
      HERALD_PARTITIONS: String(PARTITIONS),
      HERALD_LEASE_TTL: '2s',
    });
    try {
      // A partition's consumer starts a moment after its lease is taken: wait until both agree.
      const consumersOf = (text: string) =>
        [...samples(text, 'herald_consumer_pending').keys()]
          .filter((labels) => labels.includes(`stream="${DELIVERIES_STREAM}"`))
          .map((labels) => /consumer="([^"]+)"/.exec(labels)?.[1])
          .sort();
      const heldConsumers = (runner: RunningHerald) =>
        runner.service.readiness().partitions.map(partitionConsumerName).sort();
      const [a, b] = await eventually(async () => {
        const [ta, tb] = [await scrape(), await scrape(second)];
        const owned = [
          sample(ta, 'herald_partitions_owned') ?? 0,
          sample(tb, 'herald_partitions_owned') ?? 0,
        ];
        const settled =
          owned[0] + owned[1] === PARTITIONS &&
          owned[0] > 0 &&
          owned[1] > 0 &&
          JSON.stringify(consumersOf(ta)) === JSON.stringify(heldConsumers(herald)) &&
          JSON.stringify(consumersOf(tb)) === JSON.stringify(heldConsumers(second));
        return settled ? [ta, tb] : undefined;
      }, 20_000);
      for (const [text, runner] of [
        [a, herald],
        [b, second],
      ] as const) {
        expect(sample(text, 'herald_partitions_owned')).toBe(runner.service.readiness().partitions.length);
        expect(consumersOf(text)).toEqual(heldConsumers(runner));
      }
    } finally {
      await second.stop();
    }
    await eventually(async () => sample(await scrape(), 'herald_partitions_owned') === PARTITIONS, 20_000);
  });

  it("a partition consumer's ack-pending: deliveries pulled and not yet acked while their endpoint hangs", async () => {
    const hangId = await create(acme, 'hanging', hanging.url, ['build:success']);
    const partition = partitionOf(hangId, PARTITIONS);
    const consumer = partitionConsumerName(partition);
    await acme.post('/v1/events', event('build:success', 'evt_hang_1'));
    // The first attempt hangs past HERALD_SLOW_ATTEMPT (1 s): then the integration is slow,
    // the router no longer hands its deliveries over, and they come through the partition.
    await hanging.waitFor(1);
    await new Promise((r) => setTimeout(r, 1_500));
    await acme.post('/v1/events', event('build:success', 'evt_hang_2'));
    await acme.post('/v1/events', event('build:success', 'evt_hang_3'));
    const jsm = await jetstreamManager(nc);
    const labels = { stream: DELIVERIES_STREAM, consumer };
    // The lane may still park or take one meanwhile: compare a scrape with the consumer
    // info read on either side of it once the two reads agree.
    const { info, text } = await eventually(async () => {
      const before = await jsm.consumers.info(DELIVERIES_STREAM, consumer);
      const scraped = await scrape();
      const after = await jsm.consumers.info(DELIVERIES_STREAM, consumer);
      const steady =
        after.num_ack_pending > 0 &&
        after.num_pending === 0 &&
        before.num_ack_pending === after.num_ack_pending &&
        before.num_pending === after.num_pending;
      return steady ? { info: after, text: scraped } : undefined;
    });
    expect(sample(text, 'herald_consumer_ack_pending', labels)).toBe(info.num_ack_pending);
    expect(sample(text, 'herald_consumer_pending', labels)).toBe(0);
    expect(sample(text, 'herald_consumer_redelivered', labels)).toBe(0);
  });

  it("the router's consumer: pending, ack-pending and redelivered, each its own number", async () => {
    await herald.resolve(Router).stop();
    const js = jetstream(nc);
    // The hanging test's first event is still unacked (acked once its delivery is recorded).
    const before = await (await jetstreamManager(nc)).consumers.info(EVENTS_STREAM, ROUTER_CONSUMER);
    expect(before.num_pending).toBe(0);
    // Valid events of a team without integrations: nothing is delivered or dead-lettered.
    for (let i = 0; i < 7; i++) {
      const e = exampleEvent('build:start', { id: `evt_backlog_${i}`, teamId: 'nobody' });
      await js.publish(`herald.events.nobody.${e.projectId}.build.start`, JSON.stringify(e));
    }
    // Stand in for a router that took 3 and is retrying 2 of them: 4 pending, 3 unacked, 2 redelivered.
    const router = await js.consumers.get(EVENTS_STREAM, ROUTER_CONSUMER);
    const first = [];
    for await (const m of await router.fetch({ max_messages: 3, expires: 2_000 })) first.push(m);
    expect(first).toHaveLength(3);
    first[0]?.nak();
    first[1]?.nak();
    await nc.flush(); // the naks reach the server before the next pull
    const again = [];
    for await (const m of await router.fetch({ max_messages: 2, expires: 2_000 })) again.push(m);
    expect(again.map((m) => m.info.deliveryCount)).toEqual([2, 2]);

    const text = await scrape();
    const labels = { stream: EVENTS_STREAM, consumer: ROUTER_CONSUMER };
    expect(sample(text, 'herald_consumer_pending', labels)).toBe(4);
    expect(sample(text, 'herald_consumer_ack_pending', labels)).toBe(before.num_ack_pending + 3);
    expect(sample(text, 'herald_consumer_redelivered', labels)).toBe(before.num_redelivered + 2);
  });
});
