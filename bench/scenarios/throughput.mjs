// Scenario 2: 100 webhook integrations, 100 000 deliveries (one event → one integration),
// events published as fast as JetStream takes them (500 outstanding) while the runner
// works. Deliveries/s = deliveries / (first publish → last first-arrival at the sink).

import { sampleBacklog } from '../lib/backlog.mjs';
import { now } from '../lib/deps.mjs';
import { eventFactory, integrationSet, pipelined } from '../lib/fixtures.mjs';
import { runnerMetrics } from '../lib/metrics.mjs';
import { cpuWindow } from '../lib/proc.mjs';
import { collect, withStack } from '../lib/stack.mjs';
import { round, summarize } from '../lib/stats.mjs';

const PUBLISH_WINDOW = 500;
const PER_TEAM = 10;

/** CPU µs per delivery of each process: what a delivery costs, whatever the machine's load. */
export function perDelivery(usage, deliveries) {
  const out = {};
  for (const name of ['runner', 'nats', 'sink', 'harness'])
    if (usage[name]) out[name] = Math.round((usage[name].cpuSeconds / deliveries) * 1e6);
  return out;
}

export async function run(ctx) {
  const integrationCount = ctx.quick ? 20 : 100;
  const deliveries = ctx.deliveries ?? (ctx.quick ? 2_000 : 100_000);
  const timeoutMs = ctx.quick ? 30_000 : 300_000;
  const integrations = integrationSet({
    count: integrationCount,
    perTeam: PER_TEAM,
    sinkOrigin: ctx.sink.origin,
  });
  const events = eventFactory();
  return withStack(ctx, 'throughput', { integrations }, async ({ nats, runner }) => {
    const publishedAt = new Map();
    const window = cpuWindow({
      runner: runner.pid,
      nats: nats.pid,
      sink: ctx.sink.pid,
      harness: process.pid,
    });
    const tag = `t${Date.now().toString(36)}`;
    window.start();
    const backlog = sampleBacklog(nats.jsm);
    const firstPublish = now();
    await pipelined(deliveries, PUBLISH_WINDOW, (i) => {
      const target = integrations[i % integrationCount];
      const team = target.teamId;
      const project = target.projects[0];
      const id = `${tag}-${i}`;
      const at = now();
      publishedAt.set(`${id}|${target.id}`, at);
      return nats.js.publish(events.subject(team, project), events.json(id, at, team, project), {
        msgID: id,
      });
    });
    const publishedIn = now() - firstPublish;
    let last = 0;
    const count = await ctx.sink.waitFor(deliveries, timeoutMs, (c) => {
      if (c.unique - last >= deliveries / 10) {
        last = c.unique;
        ctx.log(`  … ${c.unique} delivered`);
      }
    });
    const usage = window.stop();
    const backlogSamples = await backlog.stop();
    const result = await collect(ctx.sink, publishedAt);
    const complete = count.unique >= deliveries && result.unexpected === 0;
    const seconds = (result.lastArrival - firstPublish) / 1000;
    const mem = runner.memory();
    const metrics = await runnerMetrics(runner);
    if (ctx.heapSnapshot) {
      ctx.log(`  heap snapshot → ${ctx.profileDir('throughput')}`);
      await runner.heapSnapshot();
    }
    return {
      integrations: integrationCount,
      deliveries,
      delivered: result.latencies.length,
      duplicates: count.duplicates,
      complete,
      publishSeconds: round(publishedIn / 1000, 2),
      publishPerSecond: round(deliveries / (publishedIn / 1000)),
      seconds: round(seconds, 2),
      deliveriesPerSecond: complete ? round(deliveries / seconds) : null,
      latencyUnderLoad: summarize(result.latencies),
      runner: { ...usage.runner, peakRssMb: round(mem?.peakRssMb ?? 0, 1), readyMs: round(runner.readyMs) },
      cpu: usage,
      cpuMicrosecondsPerDelivery: perDelivery(usage, deliveries),
      runnerMetrics: metrics,
      backlog: backlogSamples,
    };
  });
}
