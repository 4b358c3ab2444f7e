// Healthy integrations beside broken ones (scenarios broken-many and hostile). Two phases,
// each on a fresh stack (nats-server + runner): the healthy integrations alone (the same
// run's baseline), then the same healthy integrations with the broken ones, at the same rate
// with the same events. Every event matches every integration of the phase. Measured: the
// healthy deliveries' publish→arrival latency, the share of them delivered, and the runner's
// RSS every second.

import { timelineOf } from '../scenarios/steady.mjs';
import { sampleBacklog } from './backlog.mjs';
import { core, loadConfig, now } from './deps.mjs';
import { eventFactory, paced, sinkPath, webhookIntegration } from './fixtures.mjs';
import { runnerMetrics } from './metrics.mjs';
import { cpuWindow, rssGrowth, rssTimeline } from './proc.mjs';
import { collect, withStack } from './stack.mjs';
import { cdf, round, summarize, summarizeExpected } from './stats.mjs';

/** One team holds every integration of the scenario. */
export const TEAM = 'iso';
/** Warm-up events go to this project: only the healthy integrations (projects: null) take them. */
const WARM_PROJECT = 'warm';
/** Measured events go to this one: every integration takes them. */
const MAIN_PROJECT = 'main';
/** How long a warm-up's deliveries may take to arrive before the measured phase starts anyway. */
const WARMUP_WAIT_MS = 10_000;

/** The healthy integrations: on the sink's main origin, every project of the team. */
export function healthyIntegrations(ctx, count) {
  return Array.from({ length: count }, (_, k) =>
    webhookIntegration({
      id: `ok${k}`,
      teamId: TEAM,
      url: `${ctx.sink.origin}${sinkPath(`ok${k}`)}`,
    }),
  );
}

/** A broken integration: its own origin (`origin`), measured events only. */
export function brokenIntegration(id, origin) {
  return webhookIntegration({ id, teamId: TEAM, url: `${origin}${sinkPath(id)}`, projects: [MAIN_PROJECT] });
}

/**
 * Runs one phase: `integrations` in KV, `setup()` (the sink's hanging paths and behaviours)
 * before the runner starts, a warm-up of `warmupMs` to the healthy ones only (not measured),
 * then `rate` events/s for `durationMs` to all, then up to `drainMs` for the healthy
 * deliveries still on their way; then `afterDrain()`, while the stack still runs.
 */
export async function phase(
  ctx,
  name,
  { healthy, broken = [], setup, afterDrain, rate, warmupMs, durationMs, drainMs, env },
) {
  const integrations = [...healthy, ...broken];
  const partitions = loadConfig({ ...env, ...ctx.runnerEnv }).partitions;
  const events = eventFactory();
  // The sink's hanging paths and behaviours are in place before the runner can send anything.
  const beforeRunner = async () => setup?.();
  return withStack(ctx, name, { integrations, env, beforeRunner }, async ({ nats, runner }) => {
    const tag = `${name.replace(/[^A-Za-z0-9]/g, '').slice(0, 6)}${Date.now().toString(36)}`;
    const publishedAt = new Map();
    const warmup = new Set();
    const sender = (prefix, project, isWarmup) => (i) => {
      const id = `${prefix}-${i}`;
      const at = now();
      for (const h of healthy) {
        const key = `${id}|${h.id}`;
        publishedAt.set(key, at);
        if (isWarmup) warmup.add(key);
      }
      return core.publishEvent(nats.js, events.object(id, at, TEAM, project));
    };
    if (warmupMs > 0) {
      await paced({ rate, durationMs: warmupMs, send: sender(`${tag}w`, WARM_PROJECT, true) });
      await ctx.sink.waitFor(warmup.size, WARMUP_WAIT_MS);
    }
    const rss = rssTimeline(runner.pid);
    const window = cpuWindow({
      runner: runner.pid,
      nats: nats.pid,
      sink: ctx.sink.pid,
      harness: process.pid,
    });
    const backlog = sampleBacklog(nats.jsm, { partitions });
    rss.start();
    window.start();
    const publishing = await paced({ rate, durationMs, send: sender(tag, MAIN_PROJECT, false) });
    const lastPublish = now();
    const count = await ctx.sink.waitFor(publishedAt.size, drainMs);
    const drainedMs = now() - lastPublish;
    const usage = window.stop();
    const rssSamples = rss.stop();
    const backlogSamples = await backlog.stop();
    const metrics = await runnerMetrics(runner);
    await afterDrain?.();
    const result = await collect(ctx.sink, publishedAt, { skip: (key) => warmup.has(key) });
    const expected = publishedAt.size - warmup.size;
    const healthyResult = summarizeExpected(result.latencies, expected);
    ctx.log(
      `  ${name}: healthy ${healthyResult.delivered}/${expected} delivered, p50 ${healthyResult.p50 ?? 'undelivered'} / p99 ${healthyResult.p99 ?? 'undelivered'} ms, runner RSS peak ${rssGrowth(rssSamples).peakMb} MB`,
    );
    return {
      healthyIntegrations: healthy.length,
      brokenIntegrations: broken.length,
      runnerHttpTimeout: env.HERALD_HTTP_TIMEOUT ?? ctx.runnerEnv.HERALD_HTTP_TIMEOUT ?? 'default',
      rate,
      warmupSeconds: warmupMs / 1000,
      seconds: durationMs / 1000,
      published: publishing.sent,
      publishErrors: publishing.errors,
      achievedRate: round(publishing.rate, 1),
      drainWaitedSeconds: round(drainedMs / 1000, 1),
      // Percentiles over every expected healthy delivery (null: it fell among the undelivered).
      healthy: healthyResult,
      // The same over the delivered ones only.
      latencyMs: summarize(result.latencies),
      cdf: cdf(result.latencies),
      timeline: await timelineOf(ctx.sink, publishedAt, warmup),
      duplicates: count.duplicates,
      // Arrivals nobody expected (none, unless the sink or the harness is wrong).
      unexpectedArrivals: result.unexpected,
      hungRequests: count.hungTotal,
      hungRequestsEnded: count.hungAborted,
      rss: {
        ...rssGrowth(rssSamples),
        hwmMb: round(runner.memory()?.peakRssMb ?? 0, 1),
        samples: rssSamples,
      },
      runner: { ...usage.runner, readyMs: round(runner.readyMs) },
      cpu: usage,
      runnerMetrics: metrics,
      backlog: backlogSamples,
    };
  });
}

/** `phase`'s result with a healthy p99 to compare: the ratio of two phases' p99s (null when undelivered). */
export function p99Ratio(withBroken, alone) {
  const a = alone.healthy.p99;
  const b = withBroken.healthy.p99;
  return a && b !== null ? round(b / a, 2) : null;
}
