// Scenarios 3 and 5: a steady stream of events (1 000/s for 30 s after a 5 s warm-up),
// each to one of 100 integrations; publish→delivered latency per delivery, from the
// harness's clock just before `publishEvent` to the sink's clock at arrival (same host).
// Isolation: 10 % of the integrations' sink paths hang until the runner's HTTP timeout;
// only the others' deliveries are measured.
import { core, now } from '../lib/deps.mjs';
import { eventFactory, integrationSet, paced, sinkPath } from '../lib/fixtures.mjs';
import { cpuWindow } from '../lib/proc.mjs';
import { collect, withStack } from '../lib/stack.mjs';
import { cdf, percentile, round, summarize } from '../lib/stats.mjs';
import { perDelivery } from './throughput.mjs';

const PER_TEAM = 10;
/** The runner's HTTP timeout in both scenarios, so they differ only in the hanging paths. */
export const HTTP_TIMEOUT = '5s';
/** A second, informational phase well below the runner's capacity. */
const LOW_RATE = 200;
const LOW_RATE_MS = 10_000;

export async function steady(ctx, name, { hangEvery = 0 }) {
  const q = ctx.quick;
  const count = q ? 20 : 100;
  const rate = q ? 200 : 1_000;
  const warmupMs = q ? 500 : 5_000;
  const durationMs = q ? 3_000 : 30_000;
  const integrations = integrationSet({ count, perTeam: PER_TEAM, sinkOrigin: ctx.sink.origin });
  const hangs = (k) => hangEvery > 0 && k % hangEvery === 0;
  const hanging = integrations.filter((_, k) => hangs(k));
  const events = eventFactory();
  const env = { HERALD_HTTP_TIMEOUT: q ? '1s' : HTTP_TIMEOUT };

  return withStack(ctx, name, { integrations, env }, async ({ nats, runner }) => {
    await ctx.sink.hang(hanging.map((x) => sinkPath(x.id)));
    const tag = `${name.slice(0, 3)}${Date.now().toString(36)}`;
    const publishedAt = new Map();
    const warmup = new Set();
    const warmupCount = Math.round((rate * warmupMs) / 1000);
    const sender = (prefix, expected, isWarmup) => (i) => {
      const k = i % count;
      const target = integrations[k];
      const id = `${prefix}-${i}`;
      const at = now();
      const event = events.object(id, at, target.teamId, target.projects[0]);
      if (!hangs(k)) {
        expected.set(`${id}|${target.id}`, at);
        if (isWarmup(i)) warmup.add(`${id}|${target.id}`);
      }
      return core.publishEvent(nats.js, event);
    };
    const send = sender(tag, publishedAt, (i) => i < warmupCount);
    await paced({ rate, durationMs: warmupMs, send });
    const window = cpuWindow({
      runner: runner.pid,
      nats: nats.pid,
      sink: ctx.sink.pid,
      harness: process.pid,
    });
    window.start();
    const publishing = await paced({ rate, durationMs, send, startIndex: warmupCount });
    const usage = window.stop();
    const count2 = await ctx.sink.waitFor(publishedAt.size, 30_000);
    const result = await collect(ctx.sink, publishedAt, { skip: (key) => warmup.has(key) });
    const timeline = await timelineOf(ctx.sink, publishedAt, warmup);

    // Then the same runner at a rate far below its capacity: latency without queueing.
    let lowRate = null;
    if (!q) {
      const expected = new Map();
      const w = cpuWindow({ runner: runner.pid, nats: nats.pid, sink: ctx.sink.pid, harness: process.pid });
      w.start();
      const low = await paced({
        rate: LOW_RATE,
        durationMs: LOW_RATE_MS,
        send: sender(`${tag}L`, expected, () => false),
      });
      const u = w.stop();
      const c = await ctx.sink.waitFor(publishedAt.size + expected.size, 30_000);
      const r = await collect(ctx.sink, expected);
      lowRate = {
        rate: LOW_RATE,
        seconds: LOW_RATE_MS / 1000,
        published: low.sent,
        complete: r.latencies.length === expected.size,
        latencyMs: summarize(r.latencies),
        runnerCores: u.runner.cores,
        otherProcessesCores: u.otherProcessesCores,
        duplicates: c.duplicates - count2.duplicates,
      };
      ctx.log(`  at ${LOW_RATE}/s: p50 ${lowRate.latencyMs.p50} / p99 ${lowRate.latencyMs.p99} ms`);
    }
    return {
      integrations: count,
      hangingIntegrations: hanging.length,
      runnerHttpTimeout: env.HERALD_HTTP_TIMEOUT,
      rate,
      warmupSeconds: warmupMs / 1000,
      seconds: durationMs / 1000,
      published: publishing.sent + warmupCount,
      publishErrors: publishing.errors,
      achievedRate: round(publishing.rate),
      expected: publishedAt.size,
      delivered: count2.unique,
      complete: count2.unique >= publishedAt.size,
      duplicates: count2.duplicates,
      hungRequests: count2.hungTotal,
      hungRequestsTimedOut: count2.hungAborted,
      latencyMs: summarize(result.latencies),
      cdf: cdf(result.latencies),
      timeline,
      lowRate,
      runner: { ...usage.runner, readyMs: round(runner.readyMs) },
      cpu: usage,
      // Every published event is a delivery attempt in the window (hanging ones included).
      cpuMicrosecondsPerDelivery: perDelivery(usage, publishing.sent),
    };
  });
}

/** p50/p99 per second of publish time (warm-up seconds negative), so spikes are visible. */
export async function timelineOf(sink, publishedAt, warmup) {
  const dump = await sink.dump();
  const buckets = new Map();
  let start = Number.POSITIVE_INFINITY;
  const rows = [];
  for (let i = 0; i < dump.times.length; i++) {
    const key = `${dump.eventIds[i]}|${dump.integrationIds[i]}`;
    const sentAt = publishedAt.get(key);
    if (sentAt === undefined) continue;
    if (!warmup.has(key)) start = Math.min(start, sentAt);
    rows.push([sentAt, dump.times[i] - sentAt]);
  }
  for (const [sentAt, latency] of rows) {
    const second = Math.floor((sentAt - start) / 1000);
    if (!buckets.has(second)) buckets.set(second, []);
    buckets.get(second).push(latency);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([second, values]) => {
      const sorted = Float64Array.from(values).sort();
      return {
        second,
        n: values.length,
        p50: round(percentile(sorted, 50), 1),
        p99: round(percentile(sorted, 99), 1),
      };
    });
}
