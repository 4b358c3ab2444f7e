import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DELIVERIES_STREAM, exampleEvent, partitionOf, publishEvent } from '@herald/core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { partitionConsumerName } from '../../src/delivery/worker.js';
import { BUCKETS } from '../../src/nats/provision.js';
import { integration } from '../support/herald.js';
import { type Sink, startSink } from '../support/sink.js';
import { ROOT_ADDRESS, SUBNETS, TestNetwork } from './netns.js';

const CLI = resolve(import.meta.dirname, '../../dist/cli.js');
export const PARTITIONS = 12;
export const LEASE_TTL_MS = 5_000;
const NATS_PORT = 4222;
const RUNNER_PORT = 8080;

const RUNNER_ENV = {
  HERALD_REPLICAS: '3',
  HERALD_PARTITIONS: String(PARTITIONS),
  HERALD_LEASE_TTL: `${LEASE_TTL_MS}ms`,
  HERALD_ACK_WAIT: '10s',
  HERALD_HTTP_TIMEOUT: '3s',
  HERALD_EGRESS_ALLOW_CIDRS: '198.18.0.0/15',
  HERALD_HOST: '0.0.0.0',
  HERALD_PORT: String(RUNNER_PORT),
  LOG_LEVEL: 'info',
};

interface Proc {
  child: ChildProcess;
  output: string;
}

function track(child: ChildProcess): Proc {
  const proc: Proc = { child, output: '' };
  child.stdout!.on('data', (c: Buffer) => (proc.output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (proc.output += c.toString()));
  return proc;
}

export interface Span {
  runner: string;
  partition: number;
  from: number;
  to: number;
}

export interface Ledger {
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  /** When some are lost: where they were (partitions, consumers, replicas), for the report. */
  lostWhere: string;
  /** Pairs of runners that held one partition at the same time, by their own logs. */
  overlaps: string[];
  /** Requests that reached the sink more than `slackMs` outside their sender's ownership of the partition. */
  outside: number;
  outsideSamples: string[];
  /** Lanes found holding deliveries of a partition their runner no longer worked (the lanes' last guard caught them). */
  strayLanes: number;
}

/**
 * Three NATS nodes and three runners, each in its own namespace (`TestNetwork`); the sink
 * and the publisher in the root namespace. Runners log when they take, release or fence a
 * partition; the sink records who sent what when (`<prefix>-Runner-Id`).
 */
export class FaultCluster {
  readonly net: TestNetwork;
  readonly nodes = ['n1', 'n2', 'n3'];
  readonly runners = ['r1', 'r2', 'r3'];
  readonly #nats = new Map<string, Proc>();
  readonly #runnerProcs = new Map<string, Proc>();
  readonly #stores: string[] = [];
  nc!: NatsConnection;
  sink!: Sink;
  hooks: string[] = [];
  #published = 0;
  #publishing: Promise<void> | null = null;
  #stopPublishing = false;

  constructor() {
    TestNetwork.sweep();
    this.net = new TestNetwork();
  }

  natsAddress(node: string): string {
    return `${SUBNETS.n}.${10 + Number(node.slice(1))}`;
  }

  runnerUrl(runner: string): string {
    return `http://${SUBNETS.s}.${20 + Number(runner.slice(1))}:${RUNNER_PORT}`;
  }

  get natsUrls(): string[] {
    return this.nodes.map((n) => `nats://${this.natsAddress(n)}:${NATS_PORT}`);
  }

  async start(hooks = 24): Promise<void> {
    for (const node of this.nodes) this.net.addHost(node, 10 + Number(node.slice(1)), ['n']);
    for (const runner of this.runners) this.net.addHost(runner, 20 + Number(runner.slice(1)), ['n', 's']);
    for (const node of this.nodes) {
      const store = mkdtempSync(join(tmpdir(), `herald-fault-${node}-`));
      this.#stores.push(store);
      const routes = this.nodes
        .filter((n) => n !== node)
        .map((n) => `nats://${this.natsAddress(n)}:6222`)
        .join(',');
      const args = ['-js', '-sd', store, '-a', '0.0.0.0', '-p', String(NATS_PORT), '-n', node];
      args.push('--cluster_name', 'herald', '--cluster', 'nats://0.0.0.0:6222', '--routes', routes);
      this.#nats.set(node, track(this.net.spawn(node, 'nats-server', args, process.env)));
    }
    this.nc = await connect({
      servers: this.natsUrls,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: true,
      // A publisher on the node that is cut off moves to another within ~3 s.
      pingInterval: 1_000,
      maxPingOut: 2,
    });
    await this.#waitForJetStream();
    this.sink = await startSink('/', ROOT_ADDRESS.s);
    for (const runner of this.runners) await this.startRunner(runner);
    await this.waitForShares();
    const kv = await new Kvm(this.nc).open(BUCKETS.integrations);
    for (let i = 0; i < hooks; i++) {
      const hook = integration({
        teamId: 'faults',
        type: 'webhook',
        config: { url: `${this.sink.url}s${i}` },
        events: ['build:*'],
      });
      await kv.create(`faults.${hook.id}`, JSON.stringify(hook));
      this.hooks.push(hook.id);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }

  async #waitForJetStream(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const jsm = await jetstreamManager(this.nc, { timeout: 1_000 });
        await jsm.getAccountInfo();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`JetStream cluster not ready: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  async startRunner(runner: string): Promise<void> {
    const env = {
      ...process.env,
      ...RUNNER_ENV,
      NATS_URL: this.natsUrls.join(','),
      HERALD_RUNNER_ID: runner,
    };
    const proc = track(this.net.spawn(runner, process.execPath, [CLI, 'start'], env));
    this.#runnerProcs.set(runner, proc);
    const deadline = Date.now() + 30_000;
    while (
      !(await this.readyz(runner).then(
        (r) => r.ready,
        () => false,
      ))
    ) {
      if (proc.child.exitCode !== null) throw new Error(`${runner} exited: ${proc.output}`);
      if (Date.now() > deadline) throw new Error(`${runner} not ready in 30 s: ${proc.output.slice(-2_000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async readyz(runner: string): Promise<{ ready: boolean; partitions: number[]; attemptsInFlight: number }> {
    const res = await fetch(`${this.runnerUrl(runner)}/readyz`, { signal: AbortSignal.timeout(2_000) });
    return (await res.json()) as { ready: boolean; partitions: number[]; attemptsInFlight: number };
  }

  /** Partitions each runner says it owns (a runner that does not answer owns none). */
  async shares(): Promise<Map<string, number[]>> {
    const all = await Promise.all(
      this.runners.map((r) =>
        this.readyz(r).then(
          (z) => z.partitions,
          () => [],
        ),
      ),
    );
    return new Map(this.runners.map((r, i) => [r, all[i]!]));
  }

  async waitForShares(timeoutMs = 30_000, among = this.runners): Promise<Map<string, number[]>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const shares = await this.shares();
      const owned = among.flatMap((r) => shares.get(r)!);
      const fair = among.every((r) => shares.get(r)!.length >= Math.floor(PARTITIONS / among.length));
      if (owned.length === PARTITIONS && new Set(owned).size === PARTITIONS && fair) return shares;
      if (Date.now() > deadline) {
        const tails = this.runners.map(
          (r) => `${r}:\n${this.runnerLog(r).split('\n').slice(-12).join('\n')}`,
        );
        throw new Error(
          `partitions not shared among ${among.join(',')}: ${JSON.stringify([...shares])}\n${tails.join('\n')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * Waits until every stream has a leader and, within `timeoutMs`, every replica is current.
   * Returns when the replicas were current (null if not in time) and what was behind last;
   * throws only when a stream has no leader by then (the cluster does not serve it).
   */
  async waitForReplicasCurrent(timeoutMs: number): Promise<{ at: number | null; behind: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let leaderless: string[] = ['(no answer)'];
      let behind = '';
      try {
        const jsm = await jetstreamManager(this.nc, { timeout: 2_000 });
        const lagging: string[] = [];
        leaderless = [];
        for await (const info of jsm.streams.list()) {
          const { leader, replicas = [] } = info.cluster ?? {};
          if (!leader) leaderless.push(info.config.name);
          for (const r of replicas)
            if (!r.current || r.offline) lagging.push(`${info.config.name}: ${r.name} lag ${r.lag ?? '?'}`);
        }
        behind = lagging.join('; ');
        if (leaderless.length === 0 && lagging.length === 0) return { at: Date.now(), behind: '' };
      } catch (err) {
        behind = (err as Error).message;
      }
      if (Date.now() > deadline) {
        if (leaderless.length > 0)
          throw new Error(`streams without a leader after ${timeoutMs} ms: ${leaderless.join(', ')}`);
        return { at: null, behind };
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** What JetStream has handed the runner's partitions and not had acknowledged. */
  async unacknowledged(partitions: number[]): Promise<number> {
    const jsm = await jetstreamManager(this.nc, { timeout: 2_000 });
    let total = 0;
    for (const p of partitions)
      total += await jsm.consumers.info(DELIVERIES_STREAM, partitionConsumerName(p)).then(
        (i) => i.num_ack_pending,
        () => 0,
      );
    return total;
  }

  /** Publishes `build:success` events `evt_<label>_<n>` every `everyMs` until `stopPublishing`. */
  publish(label: string, everyMs: number): void {
    this.#published = 0;
    this.#stopPublishing = false;
    const js = jetstream(this.nc, { timeout: 5_000 });
    this.#publishing = (async () => {
      while (!this.#stopPublishing) {
        const id = `evt_${label}_${this.#published}`;
        for (;;) {
          try {
            await publishEvent(js, exampleEvent('build:success', { id, teamId: 'faults' }));
            break;
          } catch {
            await new Promise((r) => setTimeout(r, 200)); // the same id again: deduplicated
          }
        }
        this.#published++;
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  get published(): number {
    return this.#published;
  }

  async stopPublishing(): Promise<number> {
    this.#stopPublishing = true;
    await this.#publishing;
    return this.#published;
  }

  /** When each runner held each partition, from its log ("took", then "released" / "fenced" / "lost"). */
  spans(): Span[] {
    const spans: Span[] = [];
    for (const [runner, proc] of this.#runnerProcs) {
      const open = new Map<number, number>();
      for (const line of proc.output.split('\n')) {
        if (!line.includes('partition')) continue;
        let entry: { time: number; msg: string; partition?: number };
        try {
          entry = JSON.parse(line);
        } catch {
          continue;
        }
        if (entry.partition === undefined) continue;
        // A second "took" while held (two lease rounds claimed it) does not move the start.
        if (entry.msg === 'took a partition') {
          if (!open.has(entry.partition)) open.set(entry.partition, entry.time);
        } else if (/^(released a partition|fenced a partition|lost a partition lease)/.test(entry.msg)) {
          const from = open.get(entry.partition);
          if (from !== undefined) spans.push({ runner, partition: entry.partition, from, to: entry.time });
          open.delete(entry.partition);
        }
      }
      for (const [partition, from] of open)
        spans.push({ runner, partition, from, to: Number.POSITIVE_INFINITY });
    }
    return spans;
  }

  natsLog(node: string): string {
    return this.#nats.get(node)?.output ?? '';
  }

  runnerLog(runner: string): string {
    return this.#runnerProcs.get(runner)?.output ?? '';
  }

  /** Sink requests of the events `evt_<label>_*`, each with its runner and partition. */
  requests(label: string): Array<{ key: string; runner: string; partition: number; at: number }> {
    const prefix = `evt_${label}_`;
    return this.sink.requests
      .filter((r) => r.headers['x-herald-notification-integration-event-id']?.startsWith(prefix))
      .map((r) => {
        const id = r.headers['x-herald-notification-integration-id']!;
        return {
          key: `${id}|${r.headers['x-herald-notification-integration-event-id']}`,
          runner: r.headers['x-herald-runner-id'] ?? '?',
          partition: partitionOf(id, PARTITIONS),
          at: r.at,
        };
      });
  }

  /** Waits until every delivery of `published` events reached the sink, then accounts for them. */
  async ledger(label: string, published: number, timeoutMs = 120_000, slackMs = 2_000): Promise<Ledger> {
    const expected = published * this.hooks.length;
    const deadline = Date.now() + timeoutMs;
    let unique = 0;
    for (;;) {
      unique = new Set(this.requests(label).map((r) => r.key)).size;
      if (unique >= expected || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const requests = this.requests(label);
    const spans = this.spans();
    const overlaps: string[] = [];
    for (const a of spans)
      for (const b of spans)
        if (a.runner < b.runner && a.partition === b.partition && a.from < b.to && b.from < a.to)
          overlaps.push(`p${a.partition}: ${a.runner} ${a.from}-${a.to} and ${b.runner} ${b.from}-${b.to}`);
    const outsideRequests = requests.filter(
      (r) =>
        !spans.some(
          (s) =>
            s.runner === r.runner && s.partition === r.partition && r.at >= s.from && r.at <= s.to + slackMs,
        ),
    );
    const outsideSamples = outsideRequests.slice(0, 5).map((r) => {
      const own = spans.filter((s) => s.runner === r.runner && s.partition === r.partition);
      return `${r.runner} p${r.partition} at ${r.at}; its spans ${own.map((s) => `${s.from}-${s.to}`).join(',')}`;
    });
    return {
      expected,
      delivered: unique,
      lost: expected - unique,
      lostWhere: unique < expected ? await this.#whereLost(label, published) : '',
      duplicates: requests.length - unique,
      overlaps,
      outside: outsideRequests.length,
      outsideSamples,
      strayLanes: this.runners.reduce(
        (n, r) => n + (this.runnerLog(r).match(/a lane of a partition not worked here/g) ?? []).length,
        0,
      ),
    };
  }

  /**
   * What a failing run needs to tell whose fault a loss is: the missing deliveries per
   * partition and event range, each partition consumer's state as its leader sees it,
   * and every replica's lag.
   */
  async #whereLost(label: string, published: number): Promise<string> {
    const seen = new Set(this.requests(label).map((r) => r.key));
    const perPartition = new Map<number, { count: number; first: number; last: number }>();
    for (let n = 0; n < published; n++)
      for (const hook of this.hooks) {
        if (seen.has(`${hook}|evt_${label}_${n}`)) continue;
        const p = partitionOf(hook, PARTITIONS);
        const at = perPartition.get(p) ?? { count: 0, first: n, last: n };
        at.count++;
        at.last = n;
        perPartition.set(p, at);
      }
    const lines = [...perPartition].map(
      ([p, m]) => `p${p}: ${m.count} missing, events ${m.first}..${m.last}`,
    );
    try {
      const jsm = await jetstreamManager(this.nc, { timeout: 3_000 });
      for (const p of perPartition.keys()) {
        const c = await jsm.consumers
          .info(DELIVERIES_STREAM, partitionConsumerName(p))
          .catch((e: Error) => e);
        lines.push(
          c instanceof Error
            ? `p${p} consumer: ${c.message}`
            : `p${p} consumer on ${c.cluster?.leader}: pending ${c.num_pending}, ack pending ${c.num_ack_pending}, redelivered ${c.num_redelivered}, delivered seq ${c.delivered.stream_seq}, ack floor ${c.ack_floor.stream_seq}`,
        );
      }
      for await (const info of jsm.streams.list()) {
        const r = (info.cluster?.replicas ?? []).map(
          (x) => `${x.name} ${x.current ? 'current' : 'behind'} lag ${x.lag ?? 0}`,
        );
        lines.push(
          `${info.config.name}: leader ${info.cluster?.leader}, last seq ${info.state.last_seq}; ${r.join(', ')}`,
        );
      }
    } catch (err) {
      lines.push(`cannot read the cluster: ${(err as Error).message}`);
    }
    return lines.join('\n');
  }

  async cleanup(): Promise<void> {
    await this.nc?.close().catch(() => undefined);
    for (const proc of [...this.#runnerProcs.values(), ...this.#nats.values()]) proc.child.kill('SIGKILL');
    await this.sink?.close();
    await this.net.unimpair();
    this.net.cleanup();
    for (const store of this.#stores) rmSync(store, { recursive: true, force: true });
  }
}
