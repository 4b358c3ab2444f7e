import { exampleEvent, partitionOf, publishEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assignPartitions } from '../src/cluster/assignment.js';
import { BUCKETS } from '../src/nats/provision.js';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { TOKENS } from '../src/tokens.js';
import { apiClient } from './support/api-client.js';
import { eventually, startHerald } from './support/herald.js';
import { type RunnerProcess, startRunnerProcess } from './support/runner-process.js';
import { type Sink, type SinkRequest, startSink } from './support/sink.js';

const PARTITIONS = 4;
const EVENT_ID = 'x-herald-notification-integration-event-id';
const RUNNER_ID = 'x-herald-runner-id';
// Short leases and ack wait: a partition moves, and a dead runner's head comes back, within seconds.
const ENV = {
  HERALD_PARTITIONS: String(PARTITIONS),
  HERALD_LEASE_TTL: '2s',
  HERALD_ACK_WAIT: '4s',
  HERALD_HTTP_TIMEOUT: '2s',
  HERALD_RETRY_SCHEDULE: '300ms,300ms',
};

/** The event ids the sink received, in arrival order. */
const arrivals = (requests: SinkRequest[]) => requests.map((r) => r.headers[EVENT_ID]!);

/** The sequence with runs of one id collapsed: a repeat of the head (at least once) is not a reordering. */
function collapsed(ids: string[]): string[] {
  return ids.filter((id, i) => i === 0 || ids[i - 1] !== id);
}

async function publishAll(nc: NatsConnection, team: string, prefix: string, n: number): Promise<string[]> {
  const js = jetstream(nc);
  const ids = Array.from({ length: n }, (_, i) => `evt_${prefix}_${String(i).padStart(3, '0')}`);
  for (const id of ids) await publishEvent(js, exampleEvent('build:success', { id, teamId: team }));
  return ids;
}

/** Creates an ordered webhook integration through a runner's API; its id. */
async function createOrdered(baseUrl: string, key: string, url: string, accept: (id: string) => boolean) {
  const api = apiClient(baseUrl, key);
  for (;;) {
    const created = await api.post('/v1/integrations', {
      name: 'ordered',
      type: 'webhook',
      config: { url },
      events: ['build:*'],
      ordered: true,
      confirm: false,
    });
    expect(created.status, created.text).toBe(201);
    if (accept(created.body.id)) return created.body.id as string;
    await api.delete(`/v1/integrations/${created.body.id}`);
  }
}

describe('ordered delivery across runners', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let sink: Sink;
  const heralds: RunningHerald[] = [];
  const processes: RunnerProcess[] = [];

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    sink = await startSink('/');
    // Slow enough that the stream is mid-way when a runner joins or dies.
    sink.respond((_req, res) => {
      setTimeout(() => res.writeHead(200).end('ok'), 30);
    });
  });
  afterEach(async () => {
    for (const p of processes.splice(0)) await p.kill();
    for (const h of heralds.splice(0)) await h.stop();
    sink.requests.length = 0;
  });
  afterAll(async () => {
    await nc?.close();
    await sink?.close();
    await nats?.cleanup();
  });

  it('a partition move mid-stream (a runner joins): no reordering, nothing lost, the new owner goes on', {
    timeout: 60_000,
  }, async () => {
    const a = await startHerald(nats.url, { ...ENV, HERALD_RUNNER_ID: 'rnr_move_a' });
    heralds.push(a);
    const key = (await new ApiKeyStore(a.resolve(TOKENS.buckets).teams).create('move')).key;
    // One whose partition goes to the joining runner.
    const owners = assignPartitions(PARTITIONS, ['rnr_move_a', 'rnr_move_b']);
    await createOrdered(
      a.url,
      key,
      `${sink.url}move`,
      (id) => owners[partitionOf(id, PARTITIONS)] === 'rnr_move_b',
    );
    const ids = await publishAll(nc, 'move', 'move', 80);
    await sink.waitFor(15, 10_000);
    heralds.push(await startHerald(nats.url, { ...ENV, HERALD_RUNNER_ID: 'rnr_move_b' }));
    await eventually(() => new Set(arrivals(sink.requests)).size === ids.length, 40_000, 100);
    await new Promise((r) => setTimeout(r, 500));
    const got = arrivals(sink.requests);
    expect(collapsed(got)).toEqual(ids);
    const by = sink.requests.map((r) => r.headers[RUNNER_ID]);
    expect(by[0]).toBe('rnr_move_a');
    expect(by.at(-1)).toBe('rnr_move_b');
    // Once the new owner sent, the old one sent nothing more: one writer at a time.
    expect(by.slice(by.indexOf('rnr_move_b'))).not.toContain('rnr_move_a');
    console.log(`ordered move: ${got.length} requests for ${ids.length} events`);
  });

  it('kill -9 of the owner mid-stream: the other runner takes over in order, nothing lost; only the head may come twice', {
    timeout: 90_000,
  }, async () => {
    const first = await startRunnerProcess(nats.url, { ...ENV, HERALD_RUNNER_ID: 'rnr_crash_1' });
    processes.push(first);
    // The buckets exist once a runner has started.
    const key = (await new ApiKeyStore(await new Kvm(nc).open(BUCKETS.teams)).create('crash')).key;
    const second = await startRunnerProcess(nats.url, { ...ENV, HERALD_RUNNER_ID: 'rnr_crash_2' });
    processes.push(second);
    const id = await createOrdered(first.url, key, `${sink.url}crash`, () => true);
    const ids = await publishAll(nc, 'crash', 'crash', 80);
    await sink.waitFor(20, 15_000);
    // The runner that is delivering dies.
    const owner = sink.requests.at(-1)!.headers[RUNNER_ID];
    const [victim, survivor] = owner === 'rnr_crash_1' ? [first, second] : [second, first];
    await victim.kill('SIGKILL');
    processes.splice(processes.indexOf(victim), 1);
    const seenAtKill = sink.requests.length;
    await eventually(() => new Set(arrivals(sink.requests)).size === ids.length, 60_000, 200);
    await new Promise((r) => setTimeout(r, 500));
    const got = arrivals(sink.requests);
    expect(collapsed(got)).toEqual(ids);
    // At least once: the head the dead runner had in flight may be sent again, nothing else.
    expect(got.length - ids.length).toBeLessThanOrEqual(1);
    // The log agrees: each event one delivery, succeeded.
    const api = apiClient(survivor.url, key);
    const records = [...(await api.get(`/v1/integrations/${id}/deliveries?limit=100`)).body.items] as Array<{
      eventId: string;
      status: string;
    }>;
    expect(records.map((r) => r.eventId).sort()).toEqual(ids);
    expect(new Set(records.map((r) => r.status))).toEqual(new Set(['succeeded']));
    const after = sink.requests.slice(seenAtKill).map((r) => r.headers[RUNNER_ID]);
    expect(new Set(after)).toEqual(new Set([survivor === first ? 'rnr_crash_1' : 'rnr_crash_2']));
    console.log(
      `ordered crash: ${got.length} requests for ${ids.length} events, ${seenAtKill} before the kill`,
    );
  });

  it('a head waiting for its retry when its runner stops: the next owner waits out the same retry time, then goes on in order', {
    timeout: 60_000,
  }, async () => {
    const env = { ...ENV, HERALD_RETRY_SCHEDULE: '3s' };
    const a = await startHerald(nats.url, { ...env, HERALD_RUNNER_ID: 'rnr_wait_a' });
    heralds.push(a);
    const b = await startHerald(nats.url, { ...env, HERALD_RUNNER_ID: 'rnr_wait_b' });
    heralds.push(b);
    const key = (await new ApiKeyStore(a.resolve(TOKENS.buckets).teams).create('wait')).key;
    const owners = assignPartitions(PARTITIONS, ['rnr_wait_a', 'rnr_wait_b']);
    await createOrdered(
      a.url,
      key,
      `${sink.url}wait`,
      (id) => owners[partitionOf(id, PARTITIONS)] === 'rnr_wait_a',
    );
    let failed = false;
    sink.respond((_req, res) => {
      if (!failed) {
        failed = true;
        res.writeHead(503).end('down');
      } else setTimeout(() => res.writeHead(200).end('ok'), 30);
    });
    const ids = await publishAll(nc, 'wait', 'wait', 5);
    await sink.waitFor(1, 10_000);
    const firstAt = sink.requests[0]!.at;
    // Its runner stops while the head waits: the partition goes to the other.
    await a.stop();
    heralds.splice(heralds.indexOf(a), 1);
    await eventually(() => new Set(arrivals(sink.requests)).size === ids.length, 30_000, 100);
    expect(arrivals(sink.requests)).toEqual([ids[0], ...ids]);
    expect(sink.requests[1]!.headers[RUNNER_ID]).toBe('rnr_wait_b');
    // The retry schedule's 3 s (less its jitter), not sooner.
    expect(sink.requests[1]!.at - firstAt).toBeGreaterThanOrEqual(2_000);
  });
});
