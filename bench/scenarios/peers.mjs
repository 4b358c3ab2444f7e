// Scenario 11 (`--peers` or `--only peers`): Herald beside what a team would build instead,
// in the same run, on the same sink, at the same size (the "Performance" issue): 100 webhook
// endpoints, 30 000 deliveries enqueued while delivering, then p99 at 500 events/s.
// Herald: the throughput scenario at that size, then a fresh stack at the steady rate.
// BullMQ: bench/lib/bullmq-peer.mjs (private redis-server with AOF everysec, producer, worker
// with concurrency 256, one XADD per attempt). CPU from /proc of all of each one's processes.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startBullmqPeer } from '../lib/bullmq-peer.mjs';
import { core, now } from '../lib/deps.mjs';
import { integrationSet, paced } from '../lib/fixtures.mjs';
import { cpuWindow, memory } from '../lib/proc.mjs';
import { collect, withStack } from '../lib/stack.mjs';
import { round, summarize } from '../lib/stats.mjs';
import { run as heraldThroughput } from './throughput.mjs';

const PER_TEAM = 10;
const WINDOW = 500;
const LOG_STREAM = 'herald:attempts';

const sizes = (ctx) => ({
  endpoints: ctx.quick ? 20 : 100,
  deliveries: ctx.peerDeliveries ?? (ctx.quick ? 2_000 : 30_000),
  rate: ctx.peerRate ?? (ctx.quick ? 200 : 500),
  warmupMs: ctx.quick ? 500 : 3_000,
  durationMs: ctx.quick ? 3_000 : 15_000,
  timeoutMs: ctx.quick ? 30_000 : 180_000,
});

const perDelivery = (usage, names, n) =>
  Object.fromEntries(names.map((k) => [k, Math.round((usage[k].cpuSeconds / n) * 1e6)]));

/** Latency of the measured keys (warm-up arrivals are expected, not counted). */
async function latencyOf(ctx, publishedAt, warm, expected, timeoutMs) {
  const count = await ctx.sink.waitFor(expected, timeoutMs);
  const result = await collect(ctx.sink, publishedAt, { skip: (k) => warm.has(k) });
  return {
    complete: count.unique >= expected && result.unexpected === 0,
    delivered: count.unique,
    expected,
    duplicates: count.duplicates,
    latencyMs: summarize(result.latencies),
  };
}

/** Herald at a steady rate: a fresh stack, `warmupMs` not counted, then `durationMs` measured. */
function heraldSteady(ctx, s) {
  const integrations = integrationSet({ count: s.endpoints, perTeam: PER_TEAM, sinkOrigin: ctx.sink.origin });
  return withStack(ctx, 'peers-latency', { integrations }, async ({ nats }) => {
    const tag = `pl${Date.now().toString(36)}`;
    const publishedAt = new Map();
    const warm = new Set();
    const warmCount = Math.round((s.rate * s.warmupMs) / 1000);
    const send = (i) => {
      const target = integrations[i % s.endpoints];
      const id = `${tag}-${i}`;
      const at = now();
      const key = `${id}|${target.id}`;
      publishedAt.set(key, at);
      if (i < warmCount) warm.add(key);
      const event = core.exampleEvent('build:success', {
        id,
        occurredAt: new Date(at).toISOString(),
        teamId: target.teamId,
        projectId: target.projects[0],
      });
      return core.publishEvent(nats.js, event);
    };
    await paced({ rate: s.rate, durationMs: s.warmupMs, send });
    const sent = await paced({ rate: s.rate, durationMs: s.durationMs, send, startIndex: warmCount });
    const out = await latencyOf(ctx, publishedAt, warm, warmCount + sent.sent, s.timeoutMs);
    return { ...out, rate: round(sent.rate) };
  });
}

/** The BullMQ peer: throughput (burst while delivering), then latency at the steady rate. */
async function bullmq(ctx, s) {
  const integrations = integrationSet({ count: s.endpoints, perTeam: PER_TEAM, sinkOrigin: ctx.sink.origin });
  const signingSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const peer = await startBullmqPeer({ signingSecret });
  const redis = new Redis({ host: '127.0.0.1', port: peer.port, lazyConnect: true });
  try {
    await redis.connect();
    await peer.endpoints(
      integrations.map((x) => ({
        id: x.id,
        name: x.name,
        url: x.config.url,
        teamId: x.teamId,
        project: x.projects[0],
      })),
    );
    ctx.log(`  bullmq peer ready (redis :${peer.port})`);
    // Throughput.
    const window = cpuWindow({ ...peer.pids, sink: ctx.sink.pid, harness: process.pid });
    const tag = `bq${Date.now().toString(36)}`;
    window.start();
    const started = now();
    const { addedAt } = await peer.burst(tag, s.deliveries, WINDOW);
    const enqueuedIn = now() - started;
    const count = await ctx.sink.waitFor(s.deliveries, s.timeoutMs);
    const usage = window.stop();
    const result = await collect(ctx.sink, new Map(addedAt));
    const complete = count.unique >= s.deliveries && result.unexpected === 0;
    const seconds = (result.lastArrival - addedAt[0][1]) / 1000;
    const attemptsLogged = await redis.xlen(LOG_STREAM);
    const peakRssMb = Object.fromEntries(
      Object.entries(peer.pids).map(([k, pid]) => [k, round(memory(pid)?.peakRssMb ?? 0, 1)]),
    );
    const throughput = {
      deliveries: s.deliveries,
      delivered: result.latencies.length,
      duplicates: count.duplicates,
      complete,
      enqueueSeconds: round(enqueuedIn / 1000, 2),
      seconds: round(seconds, 2),
      deliveriesPerSecond: complete ? round(s.deliveries / seconds) : null,
      attemptsLogged,
      cpu: usage,
      cpuMicrosecondsPerDelivery: perDelivery(
        usage,
        ['worker', 'producer', 'redis', 'sink', 'harness'],
        s.deliveries,
      ),
      peakRssMb,
      redisUsedMemoryMb: round(
        Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0) / 2 ** 20,
        1,
      ),
    };
    ctx.log(`  bullmq: ${throughput.deliveriesPerSecond} deliveries/s, ${attemptsLogged} attempts logged`);
    await ctx.sink.reset();
    // Latency at the steady rate (the same processes, warmed up by the burst and `warmupMs`).
    const ltag = `bl${Date.now().toString(36)}`;
    const warmCount = Math.round((s.rate * s.warmupMs) / 1000);
    const warmup = await peer.paced(ltag, s.rate, s.warmupMs, 0);
    const measured = await peer.paced(ltag, s.rate, s.durationMs, warmCount);
    const warm = new Set(warmup.addedAt.map(([k]) => k));
    const latency = await latencyOf(
      ctx,
      new Map([...warmup.addedAt, ...measured.addedAt]),
      warm,
      warmup.addedAt.length + measured.addedAt.length,
      s.timeoutMs,
    );
    return { throughput, latency: { ...latency, rate: round(measured.rate) } };
  } finally {
    redis.disconnect();
    await peer.stop();
    await ctx.sink.reset();
  }
}

export async function run(ctx) {
  const s = sizes(ctx);
  ctx.log(`  Herald: ${s.deliveries} deliveries to ${s.endpoints} endpoints`);
  const h = await heraldThroughput({ ...ctx, deliveries: s.deliveries, heapSnapshot: false });
  const herald = {
    deliveries: h.deliveries,
    complete: h.complete,
    seconds: h.seconds,
    deliveriesPerSecond: h.deliveriesPerSecond,
    cpuMicrosecondsPerDelivery: h.cpuMicrosecondsPerDelivery,
    peakRssMb: { runner: h.runner.peakRssMb, nats: h.cpu.nats.sampledPeakRssMb },
    cpu: h.cpu,
  };
  ctx.log(`  Herald: ${herald.deliveriesPerSecond} deliveries/s; then ${s.rate} events/s`);
  herald.latency = await heraldSteady(ctx, s);
  ctx.log(`  BullMQ: the same`);
  const b = await bullmq(ctx, s);
  const hUs = herald.cpuMicrosecondsPerDelivery.runner + herald.cpuMicrosecondsPerDelivery.nats;
  const bu = b.throughput.cpuMicrosecondsPerDelivery;
  const bUs = bu.worker + bu.producer + bu.redis;
  const ratio = (a, b) => (a && b ? round(a / b, 2) : null);
  return {
    endpoints: s.endpoints,
    deliveries: s.deliveries,
    rate: s.rate,
    complete: herald.complete && b.throughput.complete && herald.latency.complete && b.latency.complete,
    herald: { ...herald, cpuMicrosecondsPerDeliveryTotal: hUs },
    bullmq: { ...b.throughput, latency: b.latency, cpuMicrosecondsPerDeliveryTotal: bUs },
    ratios: {
      throughput: ratio(herald.deliveriesPerSecond, b.throughput.deliveriesPerSecond),
      cpuPerDelivery: ratio(hUs, bUs),
      p99: ratio(herald.latency.latencyMs.p99, b.latency.latencyMs.p99),
    },
  };
}
