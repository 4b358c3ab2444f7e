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

async function heraldRound(ctx, s) {
  const h = await heraldThroughput({ ...ctx, deliveries: s.deliveries, heapSnapshot: false });
  const us = h.cpuMicrosecondsPerDelivery;
  const herald = {
    deliveries: h.deliveries,
    complete: h.complete,
    seconds: h.seconds,
    deliveriesPerSecond: h.deliveriesPerSecond,
    cpuMicrosecondsPerDelivery: us,
    cpuMicrosecondsPerDeliveryTotal: us.runner + us.nats,
    peakRssMb: { runner: h.runner.peakRssMb, nats: h.cpu.nats.sampledPeakRssMb },
    cpu: h.cpu,
  };
  ctx.log(`  Herald: ${herald.deliveriesPerSecond} deliveries/s; then ${s.rate} events/s`);
  herald.latency = await heraldSteady(ctx, s);
  herald.complete &&= herald.latency.complete;
  return herald;
}

async function bullmqRound(ctx, s) {
  const b = await bullmq(ctx, s);
  const us = b.throughput.cpuMicrosecondsPerDelivery;
  return {
    ...b.throughput,
    complete: b.throughput.complete && b.latency.complete,
    cpuMicrosecondsPerDeliveryTotal: us.worker + us.producer + us.redis,
    latency: b.latency,
  };
}

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  return v.length ? v[Math.floor((v.length - 1) / 2)] : null;
};

/** Field-wise median of the rounds' figures (numbers only; the rest from the first round). */
function medianOf(rounds) {
  const walk = (xs) => {
    if (typeof xs[0] === 'number' || xs[0] === null) return median(xs);
    if (Array.isArray(xs[0]) || typeof xs[0] !== 'object') return xs[0];
    return Object.fromEntries(Object.keys(xs[0]).map((k) => [k, walk(xs.map((x) => x?.[k]))]));
  };
  const out = walk(rounds);
  out.complete = rounds.every((r) => r.complete);
  return out;
}

export async function run(ctx) {
  const s = sizes(ctx);
  const rounds = ctx.peerRounds ?? (ctx.quick ? 1 : 3);
  const heralds = [];
  const bulls = [];
  for (let k = 0; k < rounds; k++) {
    // Alternating order, so a neighbour's burst of load does not always hit the same system.
    const order = k % 2 === 0 ? ['herald', 'bullmq'] : ['bullmq', 'herald'];
    for (const which of order) {
      ctx.log(`  round ${k + 1}/${rounds}: ${which}, ${s.deliveries} deliveries to ${s.endpoints} endpoints`);
      if (which === 'herald') heralds.push(await heraldRound(ctx, s));
      else bulls.push(await bullmqRound(ctx, s));
    }
  }
  const herald = medianOf(heralds);
  const bull = medianOf(bulls);
  const ratio = (a, b) => (a && b ? round(a / b, 2) : null);
  return {
    endpoints: s.endpoints,
    deliveries: s.deliveries,
    rate: s.rate,
    rounds,
    complete: herald.complete && bull.complete,
    herald,
    bullmq: bull,
    ratios: {
      throughput: ratio(herald.deliveriesPerSecond, bull.deliveriesPerSecond),
      cpuPerDelivery: ratio(herald.cpuMicrosecondsPerDeliveryTotal, bull.cpuMicrosecondsPerDeliveryTotal),
      p99: ratio(herald.latency.latencyMs.p99, bull.latency.latencyMs.p99),
    },
    perRound: heralds.map((h, k) => ({
      herald: {
        deliveriesPerSecond: h.deliveriesPerSecond,
        cpuUs: h.cpuMicrosecondsPerDeliveryTotal,
        p99: h.latency.latencyMs.p99,
        otherCores: h.cpu.otherProcessesCores,
      },
      bullmq: {
        deliveriesPerSecond: bulls[k].deliveriesPerSecond,
        cpuUs: bulls[k].cpuMicrosecondsPerDeliveryTotal,
        p99: bulls[k].latency.latencyMs.p99,
        otherCores: bulls[k].cpu.otherProcessesCores,
      },
    })),
  };
}
