import { exampleEvent, publishEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckedPublisher } from '../src/nats/acked-publisher.js';
import { BUCKETS } from '../src/nats/provision.js';
import { KvDeliveryLog } from '../src/store/delivery-log.js';
import type { DeliveryRecord } from '../src/store/delivery-records.js';
import { eventually, integration } from './support/herald.js';
import { type RunnerProcess, startRunnerProcess } from './support/runner-process.js';
import { type Sink, startSink } from './support/sink.js';

const INTEGRATIONS = 10;
const EVENTS = 100;
// A short ack wait: after the crash, JetStream redelivers what was in flight this soon.
const CRASH_ENV = { HERALD_ACK_WAIT: '4s', HERALD_HTTP_TIMEOUT: '2s', HERALD_LEASE_TTL: '2s' };

describe('crash and restart', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let sink: Sink;
  let runner: RunnerProcess | null = null;

  beforeAll(async () => {
    nats = await startNats({ faults: true });
    nc = await connect({ servers: nats.url });
    sink = await startSink('/');
    // Slow enough that many deliveries are in flight when the runner dies.
    sink.respond((_req, res) => {
      setTimeout(() => res.writeHead(200).end('ok'), 15);
    });
  });
  afterAll(async () => {
    await runner?.kill();
    await nc?.close();
    await sink?.close();
    await nats?.cleanup();
  });

  it('kill -9 with 1 000 deliveries in flight: each ends succeeded exactly once, duplicates share a webhook-id', {
    timeout: 120_000,
  }, async () => {
    runner = await startRunnerProcess(nats.url, CRASH_ENV);
    const kv = await new Kvm(nc).open(BUCKETS.integrations);
    const ids: string[] = [];
    for (let i = 0; i < INTEGRATIONS; i++) {
      const hook = integration({
        teamId: 'crash',
        type: 'webhook',
        config: {
          url: `${sink.url}i${i}`,
          signingSecrets: [`whsec_${Buffer.from(`crash-test-secret-${i}-padding-xx`).toString('base64')}`],
        },
        events: ['build:*'],
      });
      ids.push(hook.id);
      await kv.create(`crash.${hook.id}`, JSON.stringify(hook));
    }
    await new Promise((r) => setTimeout(r, 300)); // the runner's watch picks them up
    const js = jetstream(nc);
    await Promise.all(
      Array.from({ length: EVENTS }, (_, i) =>
        publishEvent(js, exampleEvent('build:success', { id: `evt_crash_${i}`, teamId: 'crash' })),
      ),
    );

    await sink.waitFor(150, 20_000);
    await runner.kill('SIGKILL');
    const seenAtKill = sink.requests.length;
    runner = await startRunnerProcess(nats.url, CRASH_ENV);

    const key = (r: { headers: Record<string, string> }) =>
      `${r.headers['x-herald-notification-integration-id']}|${r.headers['x-herald-notification-integration-event-id']}`;
    await eventually(() => new Set(sink.requests.map(key)).size === INTEGRATIONS * EVENTS, 60_000, 200);

    const log = new KvDeliveryLog(
      await new Kvm(nc).open(BUCKETS.log),
      new AckedPublisher(nc, 5_000),
      await jetstreamManager(nc),
    );
    const records: DeliveryRecord[] = [];
    let lastCounts = '';
    await eventually(
      async () => {
        records.length = 0;
        for (const id of ids) {
          let cursor: string | null = null;
          do {
            const page = await log.list(id, { cursor, limit: 100 });
            records.push(...page.items);
            cursor = page.nextCursor;
          } while (cursor);
        }
        const counts: Record<string, number> = {};
        for (const r of records) counts[r.status] = (counts[r.status] ?? 0) + 1;
        lastCounts = `${records.length} records ${JSON.stringify(counts)}`;
        return records.length === INTEGRATIONS * EVENTS && records.every((r) => r.status === 'succeeded');
      },
      30_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the log has ${lastCounts}`);
    });
    expect(new Set(records.map((r) => r.id)).size).toBe(INTEGRATIONS * EVENTS);

    const byDelivery = new Map<string, Set<string>>();
    for (const r of sink.requests) {
      const set = byDelivery.get(key(r)) ?? new Set();
      set.add(r.headers['webhook-id']!);
      byDelivery.set(key(r), set);
    }
    for (const webhookIds of byDelivery.values()) expect(webhookIds.size).toBe(1);
    const duplicates = sink.requests.length - byDelivery.size;
    console.log(
      `crash-restart: published ${EVENTS * INTEGRATIONS} deliveries, ${seenAtKill} seen before the kill, ${sink.requests.length} requests, ${duplicates} duplicates, lost 0`,
    );
    expect(duplicates).toBeLessThanOrEqual(seenAtKill);
  });

  it('SIGTERM: stops pulling, finishes attempts in flight, exits 0', { timeout: 60_000 }, async () => {
    await runner?.kill();
    runner = await startRunnerProcess(nats.url, CRASH_ENV);
    const slow = await startSink('/');
    slow.respond((_req, res) => {
      setTimeout(() => res.writeHead(200).end('ok'), 700);
    });
    const kv = await new Kvm(nc).open(BUCKETS.integrations);
    const hook = integration({
      teamId: 'graceful',
      type: 'webhook',
      config: { url: `${slow.url}g` },
      events: ['*'],
    });
    await kv.create(`graceful.${hook.id}`, JSON.stringify(hook));
    await new Promise((r) => setTimeout(r, 300));
    await publishEvent(
      jetstream(nc),
      exampleEvent('backup:start', { id: 'evt_graceful', teamId: 'graceful' }),
    );
    await slow.waitFor(1, 10_000);
    const started = Date.now();
    const code = await runner.kill('SIGTERM');
    runner = null;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    const log = new KvDeliveryLog(
      await new Kvm(nc).open(BUCKETS.log),
      new AckedPublisher(nc, 5_000),
      await jetstreamManager(nc),
    );
    const page = await log.list(hook.id, { limit: 5 });
    // The attempt in flight was finished and recorded before the exit.
    expect(page.items.map((d) => d.status)).toEqual(['succeeded']);
    await slow.close();
  });
});
