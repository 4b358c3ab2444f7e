import { startNats, type TestNats } from '@herald/core/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fenceMarginMs } from '../src/cluster/fencing.js';
import { LeaseManager, type PartitionOwner } from '../src/cluster/leases.js';
import { type CuttableProxy, startCuttableProxy } from './support/cuttable-proxy.js';
import { eventually } from './support/herald.js';

const PARTITIONS = 8;
const TTL_MS = 2_000;

/** An owner that keeps when each partition was started and stopped, on this process's clock. */
class RecordingOwner implements PartitionOwner {
  readonly spans: Array<{ partition: number; from: number; to: number | null }> = [];
  async startPartition(partition: number): Promise<void> {
    this.spans.push({ partition, from: performance.now(), to: null });
  }
  async stopPartition(partition: number): Promise<void> {
    const open = this.spans.find((s) => s.partition === partition && s.to === null);
    if (open) open.to = performance.now();
  }
  owns(partition: number): boolean {
    return this.spans.some((s) => s.partition === partition && s.to === null);
  }
}

/** Pairs of spans of the same partition, of different owners, that overlap in time. */
function overlaps(a: RecordingOwner, b: RecordingOwner): string[] {
  const found: string[] = [];
  for (const x of a.spans)
    for (const y of b.spans) {
      if (x.partition !== y.partition) continue;
      const xEnd = x.to ?? Number.POSITIVE_INFINITY;
      const yEnd = y.to ?? Number.POSITIVE_INFINITY;
      if (x.from < yEnd && y.from < xEnd) found.push(`partition ${x.partition}`);
    }
  return found;
}

describe('partition leases fence themselves', () => {
  let nats: TestNats;
  let proxy: CuttableProxy;
  const connections: NatsConnection[] = [];
  const managers: LeaseManager[] = [];

  beforeAll(async () => {
    nats = await startNats({ faults: true });
    proxy = await startCuttableProxy('127.0.0.1', nats.port);
  });
  afterAll(async () => {
    for (const m of managers) await m.stop();
    for (const nc of connections) await nc.close().catch(() => undefined);
    await proxy?.close();
    await nats?.cleanup();
  });

  async function manager(url: string, runnerId: string, owner: RecordingOwner): Promise<LeaseManager> {
    const nc = await connect({ servers: url, reconnect: true, maxReconnectAttempts: -1 });
    connections.push(nc);
    const kv = await new Kvm(nc).create('HERALD_LEASES_FENCING', { ttl: TTL_MS, history: 1 });
    const m = new LeaseManager({
      kv,
      bucket: 'HERALD_LEASES_FENCING',
      jsm: await jetstreamManager(nc),
      partitions: PARTITIONS,
      ttlMs: TTL_MS,
      owner,
      logger: pino({ level: 'silent' }),
      runnerId,
    });
    managers.push(m);
    await m.start();
    return m;
  }

  it('a runner cut off from NATS stops its partitions before their leases can pass to another, and takes its share back after healing', {
    timeout: 60_000,
  }, async () => {
    const a = new RecordingOwner();
    const b = new RecordingOwner();
    // a reaches NATS through the cuttable link, b directly.
    const ma = await manager(proxy.url, 'rnr_a', a);
    const mb = await manager(nats.url, 'rnr_b', b);
    await eventually(() => ma.held.length + mb.held.length === PARTITIONS && mb.held.length > 0, 15_000, 50);
    const aShare = ma.held;
    expect(aShare.length).toBeGreaterThan(0);

    proxy.cut();
    const cutAt = performance.now();
    // b takes every partition once a's leases expire on the server.
    await eventually(() => mb.held.length === PARTITIONS, 15_000, 50);
    const failoverMs = performance.now() - cutAt;
    for (const p of aShare) {
      const stopped = a.spans.find((s) => s.partition === p && s.to !== null && s.from < cutAt)!;
      const taken = b.spans.find((s) => s.partition === p && s.from > cutAt)!;
      expect(stopped, `a stopped partition ${p}`).toBeDefined();
      // Fenced on a's clock no later than TTL - margin (+ one check) after its last renewal.
      expect(stopped.to! - cutAt).toBeLessThan(TTL_MS - fenceMarginMs(TTL_MS) + 200);
      expect(taken.from, `partition ${p}: b started only after a stopped`).toBeGreaterThan(stopped.to!);
    }
    // A lease not renewed expires after the TTL; b's next round (every TTL / 3) takes it.
    expect(failoverMs).toBeLessThan(TTL_MS + TTL_MS / 3 + 1_000);
    expect(overlaps(a, b)).toEqual([]);

    proxy.heal();
    await eventually(() => ma.held.length > 0 && ma.held.length + mb.held.length === PARTITIONS, 20_000, 50);
    expect(Math.abs(ma.held.length - mb.held.length)).toBeLessThanOrEqual(1);
    expect(overlaps(a, b)).toEqual([]);
    console.log(
      `lease fencing: a's ${aShare.length} partitions fenced within ${Math.max(...aShare.map((p) => a.spans.find((s) => s.partition === p && s.to !== null)!.to! - cutAt)).toFixed(0)} ms of the cut, all taken by b after ${failoverMs.toFixed(0)} ms (TTL ${TTL_MS} ms)`,
    );
  });
});
