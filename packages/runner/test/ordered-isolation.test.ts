import { EVENTS_STREAM, exampleEvent, publishEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderedConsumerName } from '../src/delivery/ordered-queue.js';
import { DeliveryWorker } from '../src/delivery/worker.js';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { TOKENS } from '../src/tokens.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { eventually, startHerald } from './support/herald.js';
import { type Sink, type SinkRequest, startSink } from './support/sink.js';

const EVENT_ID = 'x-herald-notification-integration-event-id';
const TEAM = 'fifo-iso';
const HANGING = 20;
const FAILING = 10;
const EVENTS = 40;

const idsAt = (requests: SinkRequest[], path: string) =>
  requests.filter((r) => r.path === path).map((r) => r.headers[EVENT_ID]!);

describe('isolation — ordered integrations that hang or fail cost only themselves', () => {
  let nats: TestNats;
  let herald: RunningHerald;
  let nc: NatsConnection;
  let sink: Sink;
  let api: ApiClient;

  beforeAll(async () => {
    nats = await startNats();
    // 8 slots for 33 integrations, an HTTP timeout far beyond the bound checked below.
    herald = await startHerald(nats.url, {
      HERALD_MAX_IN_FLIGHT: '8',
      HERALD_HTTP_TIMEOUT: '20s',
      HERALD_ACK_WAIT: '30s',
      HERALD_RETRY_SCHEDULE: '1s,1s,1s,1s,1s,1s,1s,1s',
    });
    nc = await connect({ servers: nats.url });
    sink = await startSink('/');
    sink.respond((req, res) => {
      if (req.path.startsWith('/hang')) return;
      if (req.path.startsWith('/fail')) res.writeHead(500).end('broken');
      else res.writeHead(200).end('ok');
    });
    const key = (await new ApiKeyStore(herald.resolve(TOKENS.buckets).teams).create(TEAM)).key;
    api = apiClient(herald.url, key);
  });
  afterAll(async () => {
    await nc?.close();
    await sink?.close();
    await herald?.stop();
    await nats?.cleanup();
  });

  const create = async (path: string, ordered: boolean) => {
    const res = await api.post('/v1/integrations', {
      name: path,
      type: 'webhook',
      config: { url: `${sink.url}${path.slice(1)}` },
      events: ['job-run:*'],
      ordered,
      confirm: false,
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  };

  it(`${HANGING} hanging and ${FAILING} failing ordered endpoints beside healthy ones (8 slots): healthy deliveries stay prompt, backlogs stay in JetStream`, {
    timeout: 60_000,
  }, async () => {
    const hanging: string[] = [];
    for (let i = 0; i < HANGING; i++) hanging.push(await create(`/hang-${i}`, true));
    for (let i = 0; i < FAILING; i++) await create(`/fail-${i}`, true);
    await create('/fine-plain', false);
    await create('/fine-ordered', true);
    const js = jetstream(nc);
    const sentAt = new Map<string, number>();
    const ids: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const id = `evt_iso_${String(i).padStart(3, '0')}`;
      ids.push(id);
      sentAt.set(id, Date.now());
      await publishEvent(js, exampleEvent('job-run:failure', { id, teamId: TEAM }));
      await new Promise((r) => setTimeout(r, 100));
    }
    await eventually(
      () =>
        idsAt(sink.requests, '/fine-plain').length >= EVENTS &&
        idsAt(sink.requests, '/fine-ordered').length >= EVENTS,
      15_000,
    );
    expect(idsAt(sink.requests, '/fine-ordered')).toEqual(ids);
    for (const path of ['/fine-plain', '/fine-ordered']) {
      const latencies = sink.requests
        .filter((r) => r.path === path)
        .map((r) => r.at - sentAt.get(r.headers[EVENT_ID]!)!)
        .sort((a, b) => a - b);
      console.log(
        `ordered isolation: ${path} beside ${HANGING} hanging and ${FAILING} failing ordered endpoints: max ${latencies.at(-1)} ms`,
      );
      expect(latencies.at(-1)!, path).toBeLessThan(3_000);
    }
    // Each hanging queue sent its head only; each failing one retried its head only.
    for (let i = 0; i < HANGING; i++) expect(idsAt(sink.requests, `/hang-${i}`)).toEqual([ids[0]]);
    for (let i = 0; i < FAILING; i++)
      expect(new Set(idsAt(sink.requests, `/fail-${i}`))).toEqual(new Set([ids[0]]));
    // In memory: at most the heads; the rest of each backlog waits in its queue's consumer.
    expect(herald.resolve(DeliveryWorker).pending).toBeLessThanOrEqual(HANGING + FAILING + 2);
    const jsm = await jetstreamManager(nc);
    const info = await jsm.consumers.info(EVENTS_STREAM, orderedConsumerName(hanging[0]!));
    expect(info.num_ack_pending).toBe(1);
    expect(info.num_pending).toBeGreaterThanOrEqual(EVENTS - 10);
    // A scrape shows the queues worked here and each one's backlog.
    const scrape = await (await fetch(`${herald.url}/metrics`)).text();
    expect(scrape).toContain(`herald_ordered_queues ${HANGING + FAILING + 1}`);
    const backlog = new RegExp(
      `herald_consumer_pending\\{stream="HERALD_EVENTS",consumer="${orderedConsumerName(hanging[0]!)}"\\} (\\d+)`,
    ).exec(scrape);
    expect(Number(backlog?.[1])).toBeGreaterThanOrEqual(EVENTS - 10);
  });
});
