// One scenario's world: a fresh nats-server, the runner's streams and buckets, the
// scenario's integrations, and the runner as a separate process.
import { mkdirSync } from 'node:fs';
import { sleep } from './deps.mjs';
import { provisionLike, writeIntegrations } from './fixtures.mjs';
import { startNats } from './nats-server.mjs';
import { startRunner } from './runner-proc.mjs';

/**
 * Runs `body({ nats, buckets, runner, before })` and always tears everything down. The CPU
 * profile (with `ctx.profile`) lands in bench/results/profiles/<name>/. `beforeRunner({ nats,
 * buckets })` runs once the integrations are written, before the runner starts (to queue a
 * backlog, say); what it returns is `before`.
 */
export async function withStack(
  ctx,
  name,
  { integrations = [], env = {}, readyTimeoutMs, beforeRunner },
  body,
) {
  const nats = await startNats();
  let runner = null;
  try {
    const buckets = await provisionLike(nats, env);
    const t0 = performance.now();
    await writeIntegrations(buckets.integrations, integrations);
    if (integrations.length > 0)
      ctx.log(`  ${integrations.length} integrations written in ${Math.round(performance.now() - t0)} ms`);
    // What must be in the streams before the runner starts (e.g. a backlog).
    const before = beforeRunner ? await beforeRunner({ nats, buckets }) : undefined;
    if (ctx.heapSnapshot) mkdirSync(ctx.profileDir(name), { recursive: true });
    runner = await startRunner({
      natsUrl: nats.url,
      env: { ...env, ...ctx.runnerEnv },
      nodeArgs: [
        ...ctx.runnerNodeArgs,
        ...(ctx.heapSnapshot
          ? ['--heapsnapshot-signal=SIGUSR1', `--diagnostic-dir=${ctx.profileDir(name)}`]
          : []),
      ],
      profileDir: ctx.profile ? ctx.profileDir(name) : null,
      readyTimeoutMs: readyTimeoutMs ?? (ctx.quick ? 10_000 : 30_000),
    });
    ctx.log(
      `  runner ready in ${Math.round(runner.readyMs)} ms (rss ${Math.round(runner.memory()?.rssMb)} MB)`,
    );
    return await body({ nats, buckets, runner, before });
  } finally {
    await ctx.sink.hang([]);
    await ctx.sink.behave({});
    if (runner) {
      const exit = await runner.stop();
      if (exit.code !== 0)
        ctx.log(`  runner exit ${JSON.stringify(exit)}; log tail:\n${runner.log().slice(-2000)}`);
    }
    await nats.stop();
    await ctx.sink.reset();
    await sleep(100);
  }
}

/**
 * Joins the sink's first arrivals with what was published: for each expected
 * `eventId|integrationId`, the publish→arrival latency. Arrivals of other deliveries are
 * counted as unexpected.
 */
export async function collect(sink, publishedAt, { skip = () => false } = {}) {
  const dump = await sink.dump();
  const latencies = [];
  let lastArrival = 0;
  let unexpected = 0;
  for (let i = 0; i < dump.times.length; i++) {
    const key = `${dump.eventIds[i]}|${dump.integrationIds[i]}`;
    const sentAt = publishedAt.get(key);
    if (sentAt === undefined) {
      unexpected++;
      continue;
    }
    lastArrival = Math.max(lastArrival, dump.times[i]);
    if (!skip(key)) latencies.push(dump.times[i] - sentAt);
  }
  return { latencies, lastArrival, unexpected, arrivals: dump.times.length };
}
