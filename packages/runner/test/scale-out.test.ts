import { exampleEvent, publishEvent } from '@herald/core';
import { startNatsCluster, type TestNatsCluster } from '@herald/core/testing';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignPartitions } from '../src/cluster/leases.js';
import { BUCKETS } from '../src/nats/provision.js';
import { eventually, integration } from './support/herald.js';
import { type RunnerProcess, startRunnerProcess } from './support/runner-process.js';
import { type Sink, startSink } from './support/sink.js';

const PARTITIONS = 12;
const ENV = {
  HERALD_REPLICAS: '3',
  HERALD_PARTITIONS: String(PARTITIONS),
  HERALD_LEASE_TTL: '3s',
  HERALD_ACK_WAIT: '5s',
  HERALD_HTTP_TIMEOUT: '2s',
  LOG_LEVEL: process.env.HERALD_TEST_LOG_LEVEL ?? 'warn',
};

async function ownership(runner: RunnerProcess): Promise<{ runnerId: string; partitions: number[] }> {
  const res = await fetch(`${runner.url}/readyz`);
  return (await res.json()) as { runnerId: string; partitions: number[] };
}

describe('scale-out on a 3-node NATS cluster', () => {
  let cluster: TestNatsCluster;
  let nc: NatsConnection;
  let sink: Sink;
  const runners: RunnerProcess[] = [];

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    nc = await connect({ servers: cluster.url.split(',') });
    sink = await startSink('/');
  });
  afterAll(async () => {
    for (const r of runners) await r.kill();
    await nc?.close();
    await sink?.close();
    await cluster?.cleanup();
  });

  it('assigns partitions fairly, and a leaving runner moves few besides its own', () => {
    const members = ['rnr_a', 'rnr_b', 'rnr_c'];
    const before = assignPartitions(64, members);
    const counts = members.map((m) => before.filter((o) => o === m).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(assignPartitions(64, [...members].reverse())).toEqual(before);
    const after = assignPartitions(64, ['rnr_a', 'rnr_c']);
    const theirs = before.filter((o) => o === 'rnr_b').length;
    const moved = after.filter((o, p) => o !== before[p]).length;
    // b's partitions move, and at most a few others to even the shares out.
    expect(moved).toBeGreaterThanOrEqual(theirs);
    expect(moved).toBeLessThanOrEqual(theirs + 8);
    expect(
      Math.abs(after.filter((o) => o === 'rnr_a').length - after.filter((o) => o === 'rnr_c').length),
    ).toBeLessThanOrEqual(1);
  });

  it('3 runners share the partitions; a killed runner’s move; a killed NATS node is survived; a new runner takes a share; nothing is lost', {
    timeout: 180_000,
  }, async () => {
    for (let i = 0; i < 3; i++) runners.push(await startRunnerProcess(cluster.url, ENV));
    // Each runner owns a disjoint share, together all partitions.
    let seen = '';
    const shares = await eventually(
      async () => {
        const all = await Promise.all(runners.map(ownership));
        seen = JSON.stringify(all.map((o) => o.partitions));
        const owned = all.flatMap((o) => o.partitions);
        return owned.length === PARTITIONS &&
          new Set(owned).size === PARTITIONS &&
          all.every((o) => o.partitions.length > 0)
          ? all
          : undefined;
      },
      20_000,
      250,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; shares ${seen}`);
    });
    expect(shares.map((s) => s.partitions.length).reduce((a, b) => a + b)).toBe(PARTITIONS);

    const kv = await new Kvm(nc).open(BUCKETS.integrations);
    const hooks = Array.from({ length: 24 }, (_, i) =>
      integration({
        teamId: 'scale',
        type: 'webhook',
        config: { url: `${sink.url}s${i}` },
        events: ['build:*'],
      }),
    );
    for (const h of hooks) await kv.create(`scale.${h.id}`, JSON.stringify(h));
    await new Promise((r) => setTimeout(r, 500));

    const js = jetstream(nc);
    let published = 0;
    let stop = false;
    const publisher = (async () => {
      while (!stop) {
        const id = `evt_scale_${published}`;
        for (;;) {
          try {
            await publishEvent(js, exampleEvent('build:success', { id, teamId: 'scale' }));
            break;
          } catch {
            await new Promise((r) => setTimeout(r, 200)); // NATS node down: retry the same id
          }
        }
        published++;
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    await new Promise((r) => setTimeout(r, 1_500));
    const victim = runners.shift()!;
    const victimShare = (await ownership(victim)).partitions;
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    // Its partitions move to the survivors once its leases expire.
    await eventually(
      async () => {
        const owned = (await Promise.all(runners.map(ownership))).flatMap((o) => o.partitions);
        return victimShare.every((p) => owned.includes(p)) && new Set(owned).size === PARTITIONS;
      },
      20_000,
      250,
    );
    const failoverMs = Date.now() - killedAt;

    await cluster.nodes[2]!.kill();
    await new Promise((r) => setTimeout(r, 2_000));
    await cluster.nodes[2]!.restart();

    // A runner added later takes a fair share.
    runners.push(await startRunnerProcess(cluster.url, ENV));
    const late = await eventually(
      async () => {
        const o = await ownership(runners.at(-1)!);
        return o.partitions.length === PARTITIONS / 3 ? o : undefined;
      },
      // Right after a NATS node restart, lease rounds can take several KV timeouts.
      45_000,
      250,
    ).catch(async (err: Error) => {
      const shares = await Promise.all(runners.map((r) => ownership(r).catch((e: Error) => e.message)));
      const logs = runners.map((r) => r.output().split('\n').slice(-25).join('\n')).join('\n---\n');
      throw new Error(
        `${err.message}: late runner's share never fair; shares ${JSON.stringify(shares)}\n${logs}`,
      );
    });
    expect(late.partitions).toHaveLength(PARTITIONS / 3);

    await new Promise((r) => setTimeout(r, 1_000));
    stop = true;
    await publisher;
    const key = (r: { headers: Record<string, string> }) =>
      `${r.headers['x-herald-notification-integration-id']}|${r.headers['x-herald-notification-integration-event-id']}`;
    const expected = published * hooks.length;
    await eventually(() => new Set(sink.requests.map(key)).size === expected, 60_000, 250).catch(
      (err: Error) => {
        const missing = new Set<string>();
        for (let e = 0; e < published; e++) for (const h of hooks) missing.add(`${h.id}|evt_scale_${e}`);
        for (const r of sink.requests) missing.delete(key(r));
        const sample = [...missing].slice(0, 5).join(' ');
        const logs = [victim, ...runners]
          .map((r) =>
            r
              .output()
              .split('\n')
              .filter((l) => /warn|error|lost|took|released/.test(l))
              .slice(-15)
              .join('\n'),
          )
          .join('\n---\n');
        throw new Error(`${err.message}: ${missing.size} of ${expected} missing, e.g. ${sample}\n${logs}`);
      },
    );
    const duplicates = sink.requests.length - new Set(sink.requests.map(key)).size;
    console.log(
      `scale-out: failover of ${victimShare.length} partitions took ${failoverMs} ms (lease TTL 3 s); ${published} events × ${hooks.length} integrations = ${expected} deliveries, ${sink.requests.length} requests, ${duplicates} duplicates, lost 0`,
    );
    expect(new Set(sink.requests.map(key)).size).toBe(expected);
  });
});
