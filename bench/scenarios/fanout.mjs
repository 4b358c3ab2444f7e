// Scenario 4: one event to 1 000 integrations (one team, all matching); time from the
// publish to the last of the 1 000 deliveries at the sink. Repeated: the first event
// meets cold lanes and actors (health read from KV), the next ones warm ones.
import { core, now, sleep } from '../lib/deps.mjs';
import { eventFactory, sinkPath, webhookIntegration } from '../lib/fixtures.mjs';
import { cpuWindow } from '../lib/proc.mjs';
import { withStack } from '../lib/stack.mjs';
import { median, round, summarize } from '../lib/stats.mjs';

export async function run(ctx) {
  const count = ctx.quick ? 100 : 1_000;
  const repeats = ctx.quick ? 3 : 5;
  const integrations = Array.from({ length: count }, (_, k) =>
    webhookIntegration({
      id: `fan${k}`,
      teamId: 'fan-team',
      url: `${ctx.sink.origin}${sinkPath(`fan${k}`)}`,
    }),
  );
  const events = eventFactory();
  return withStack(ctx, 'fanout', { integrations }, async ({ nats, runner }) => {
    const runs = [];
    const window = cpuWindow({ runner: runner.pid, nats: nats.pid, sink: ctx.sink.pid });
    window.start();
    for (let r = 0; r < repeats; r++) {
      const id = `fan${Date.now().toString(36)}-${r}`;
      const at = now();
      await core.publishEvent(nats.js, events.object(id, at, 'fan-team', 'web'));
      const c = await ctx.sink.waitFor(count * (r + 1), 30_000);
      const dump = await ctx.sink.dump(count * r);
      const mine = dump.times.filter((_, i) => dump.eventIds[i] === id);
      const arrivals = mine.map((t) => t - at);
      const s = summarize(arrivals);
      runs.push({
        delivered: mine.length,
        complete: mine.length === count,
        lastMs: s.max,
        firstMs: round(Math.min(...arrivals), 1),
        p50Ms: s.p50,
        duplicates: c.duplicates,
      });
      ctx.log(`  event ${r + 1}: ${mine.length} deliveries, last after ${s.max} ms`);
      await sleep(500);
    }
    const usage = window.stop();
    const warm = runs.slice(1).map((x) => x.lastMs);
    return {
      integrations: count,
      repeats,
      coldLastMs: runs[0].lastMs,
      warmMedianLastMs: warm.length ? median(warm) : null,
      worstLastMs: Math.max(...runs.map((x) => x.lastMs)),
      complete: runs.every((x) => x.complete),
      runs,
      runner: { ...usage.runner, readyMs: round(runner.readyMs) },
      cpu: usage,
    };
  });
}
