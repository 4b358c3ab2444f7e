import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DELIVERIES_STREAM, exampleEvent, publishEvent } from '@herald/core';
import { startNatsCluster } from '@herald/core/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { partitionConsumerName } from '../../src/delivery/worker.js';
import { BUCKETS } from '../../src/nats/provision.js';
import { eventually, integration } from './herald.js';
import { type RunnerProcess, startRunnerProcess } from './runner-process.js';
import { startSink } from './sink.js';

export const SCALE_OUT_PARTITIONS = 12;
const ENV = {
  HERALD_REPLICAS: '3',
  HERALD_PARTITIONS: String(SCALE_OUT_PARTITIONS),
  HERALD_LEASE_TTL: '3s',
  HERALD_ACK_WAIT: '5s',
  HERALD_HTTP_TIMEOUT: '2s',
  LOG_LEVEL: process.env.HERALD_TEST_LOG_LEVEL ?? 'warn',
};

interface Readyz {
  runnerId: string;
  partitions: number[];
  attemptsInFlight: number;
}

async function readyz(runner: RunnerProcess): Promise<Readyz> {
  const res = await fetch(`${runner.url}/readyz`);
  return (await res.json()) as Readyz;
}

export interface ScaleOutFigures {
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  /** Duplicates of deliveries the killed runner had sent: what its crash repeated (bounded by the two figures below). */
  duplicatesAfterKill: number;
  /** From the SIGKILL of a runner until the survivors own all its partitions. */
  failoverMs: number;
  /** What the killed runner had: attempts started and not recorded, and deliveries JetStream handed it unacknowledged. */
  inFlightAtKill: number;
  unackedAtKill: number;
  /** Partitions fenced (a lease not renewed in time), all runners together. */
  fences: number;
  /** Partitions the runner started last owns, and what a fair share is. */
  lateShare: number;
  fairShare: number;
  /** Deliveries missing, with the runners' last warnings, when some are. */
  missing: string;
}

/**
 * The cluster fault scenario on loopback: a 3-node NATS cluster and 3 runner processes
 * share 12 partitions while events are published; one runner is SIGKILLed, then one NATS
 * node is SIGKILLed and restarted, then a new runner joins. Every delivery is accounted
 * for at the sink (`scale-out.test.ts`, `pnpm soak:cluster`).
 */
export async function runScaleOutScenario(): Promise<ScaleOutFigures> {
  const cluster = await startNatsCluster(3);
  const nc = await connect({ servers: cluster.url.split(',') });
  const sink = await startSink('/');
  const runners: RunnerProcess[] = [];
  try {
    for (let i = 0; i < 3; i++) runners.push(await startRunnerProcess(cluster.url, ENV));
    await eventually(
      async () => {
        const owned = (await Promise.all(runners.map(readyz))).flatMap((o) => o.partitions);
        return owned.length === SCALE_OUT_PARTITIONS && new Set(owned).size === SCALE_OUT_PARTITIONS;
      },
      20_000,
      250,
    );
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
    // What a crash now would repeat at most, read just before it.
    const before = await readyz(victim);
    const jsm = await jetstreamManager(nc);
    let unackedAtKill = 0;
    for (const p of before.partitions)
      unackedAtKill += (await jsm.consumers.info(DELIVERIES_STREAM, partitionConsumerName(p)))
        .num_ack_pending;
    const inFlightAtKill = (await readyz(victim)).attemptsInFlight;
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    await eventually(
      async () => {
        const owned = (await Promise.all(runners.map(readyz))).flatMap((o) => o.partitions);
        return (
          before.partitions.every((p) => owned.includes(p)) && new Set(owned).size === SCALE_OUT_PARTITIONS
        );
      },
      20_000,
      250,
    );
    const failoverMs = Date.now() - killedAt;

    const nodeKilledAt = Date.now();
    await cluster.nodes[2]!.kill();
    await new Promise((r) => setTimeout(r, 2_000));
    await cluster.nodes[2]!.restart();

    runners.push(await startRunnerProcess(cluster.url, ENV));
    const fairShare = SCALE_OUT_PARTITIONS / 3;
    const lateShare = await eventually(
      async () => {
        const o = await readyz(runners.at(-1)!);
        return o.partitions.length === fairShare ? o.partitions.length : undefined;
      },
      45_000,
      250,
    ).catch(async () => (await readyz(runners.at(-1)!)).partitions.length);

    await new Promise((r) => setTimeout(r, 1_000));
    stop = true;
    await publisher;
    const key = (r: { headers: Record<string, string> }) =>
      `${r.headers['x-herald-notification-integration-id']}|${r.headers['x-herald-notification-integration-event-id']}`;
    const expected = published * hooks.length;
    await eventually(() => new Set(sink.requests.map(key)).size >= expected, 60_000, 250).catch(
      () => undefined,
    );
    const seen = new Set(sink.requests.map(key));
    // A repeat of a delivery the killed runner had sent is what its crash repeated.
    const senders = new Map<string, string[]>();
    for (const r of sink.requests) {
      const list = senders.get(key(r)) ?? [];
      list.push(r.headers['x-herald-runner-id'] ?? '?');
      senders.set(key(r), list);
    }
    let duplicatesAfterKill = 0;
    for (const list of senders.values())
      if (list.length > 1 && list.includes(before.runnerId)) duplicatesAfterKill += list.length - 1;
    let missing = '';
    if (seen.size < expected) {
      const sample: string[] = [];
      for (let e = 0; e < published && sample.length < 5; e++)
        for (const h of hooks)
          if (!seen.has(`${h.id}|evt_scale_${e}`) && sample.length < 5) sample.push(`${h.id}|evt_scale_${e}`);
      const logs = [victim, ...runners]
        .map((r) =>
          r
            .output()
            .split('\n')
            .filter((l) => /warn|error|lost|fenced/.test(l))
            .slice(-10)
            .join('\n'),
        )
        .join('\n---\n');
      missing = `e.g. ${sample.join(' ')}\n${logs}`;
    }
    // HERALD_SOAK_DUMP=<dir>: every sink request and every runner's log, to study a run.
    const dump = process.env.HERALD_SOAK_DUMP;
    if (dump) {
      mkdirSync(dump, { recursive: true });
      const lines = sink.requests.map((r) =>
        JSON.stringify({ key: key(r), runner: r.headers['x-herald-runner-id'], at: r.at }),
      );
      writeFileSync(join(dump, 'requests.jsonl'), `${lines.join('\n')}\n`);
      writeFileSync(
        join(dump, 'times.json'),
        JSON.stringify({ killedAt, nodeKilledAt, victim: before.runnerId }),
      );
      for (const [i, r] of [victim, ...runners].entries())
        writeFileSync(join(dump, `runner${i}.log`), r.output());
    }
    return {
      expected,
      delivered: seen.size,
      lost: expected - seen.size,
      duplicates: sink.requests.length - seen.size,
      duplicatesAfterKill,
      fences: [victim, ...runners].reduce(
        (n, r) => n + (r.output().match(/fenced a partition/g) ?? []).length,
        0,
      ),
      failoverMs,
      inFlightAtKill,
      unackedAtKill,
      lateShare,
      fairShare,
      missing,
    };
  } finally {
    for (const r of runners) await r.kill();
    await nc.close();
    await sink.close();
    await cluster.cleanup();
  }
}

export function describeFigures(f: ScaleOutFigures): string {
  return `expected ${f.expected}, delivered ${f.delivered}, lost ${f.lost}, duplicates ${f.duplicates} (of the killed runner's deliveries ${f.duplicatesAfterKill}; bound ${f.inFlightAtKill} in flight + ${f.unackedAtKill} unacknowledged at the kill = ${f.inFlightAtKill + f.unackedAtKill}), ${f.fences} partitions fenced, failover ${f.failoverMs} ms, late runner's share ${f.lateShare} of ${f.fairShare}`;
}
