// Scenario 8: 20 healthy webhook integrations beside 300 whose endpoint accepts the request
// and never answers (each on an origin of its own, as dead customer servers are), 10 events/s
// matching all of them, 120 s, the runner at default settings (HTTP timeout 15 s). Compared
// with the same 20 healthy ones alone at the same rate, on a runner of their own, in the
// same run. "Isolation" issue: healthy p99 ≤ 1.5 × alone, 100 % delivered, RSS ≤ 300 MB and
// not growing after the first minute.
import { brokenIntegration, healthyIntegrations, p99Ratio, phase } from '../lib/beside.mjs';
import { sinkPath } from '../lib/fixtures.mjs';

const RATE = 10;
const HEALTHY = 20;
const HANGING = 300;
const SECONDS = 120;
/** The baseline (healthy alone) is shorter: its p99 settles within 30 s at 200 deliveries/s. */
const BASELINE_SECONDS = 30;
const WARMUP_MS = 2_000;
/** After the last event, how long the healthy deliveries may still take to count as delivered. */
const DRAIN_MS = 30_000;

export async function run(ctx) {
  const q = ctx.quick;
  const hangingCount = ctx.hanging ?? (q ? 20 : HANGING);
  const seconds = ctx.brokenSeconds ?? (q ? 3 : SECONDS);
  const baselineSeconds = Math.min(seconds, q ? 2 : BASELINE_SECONDS);
  const healthy = healthyIntegrations(ctx, q ? 5 : HEALTHY);
  // Full size: the runner's defaults, as an operator runs it. Quick: a 1 s timeout.
  const env = q ? { HERALD_HTTP_TIMEOUT: '1s' } : {};
  const common = {
    healthy,
    rate: RATE,
    warmupMs: q ? 500 : WARMUP_MS,
    drainMs: q ? 5_000 : DRAIN_MS,
    env,
  };

  ctx.log(`  baseline: ${healthy.length} healthy alone, ${RATE} events/s for ${baselineSeconds} s`);
  const alone = await phase(ctx, 'broken-many-alone', { ...common, durationMs: baselineSeconds * 1000 });

  ctx.log(`  ${healthy.length} healthy + ${hangingCount} hanging, ${RATE} events/s for ${seconds} s`);
  const origins = await ctx.sink.origins(hangingCount);
  const broken = origins.map((origin, k) => brokenIntegration(`hang${k}`, origin));
  const withBroken = await phase(ctx, 'broken-many', {
    ...common,
    broken,
    durationMs: seconds * 1000,
    setup: () => ctx.sink.hang(broken.map((b) => sinkPath(b.id))),
  });

  return {
    healthyIntegrations: healthy.length,
    hangingIntegrations: hangingCount,
    rate: RATE,
    seconds,
    baselineSeconds,
    runnerHttpTimeout: withBroken.runnerHttpTimeout,
    p99Ratio: p99Ratio(withBroken, alone),
    alone,
    withBroken,
  };
}
