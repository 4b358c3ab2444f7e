// Scenario 10: one endpoint of each hostile kind beside 20 healthy integrations, 10 events/s
// matching all of them for 5 minutes, the runner at default settings (HTTP timeout 15 s), its
// RSS sampled every second. Compared with the healthy ones alone on a runner of their own in
// the same run. "Isolation" issue: healthy p99 ≤ 1.5 × alone, 100 % delivered, RSS ≤ 300 MB
// and not growing after the first minute, and the endpoint asking for a 99999999 s
// Retry-After gets no more requests than the one asking for 2 s.
import { brokenIntegration, healthyIntegrations, p99Ratio, phase } from '../lib/beside.mjs';
import { sinkPath } from '../lib/fixtures.mjs';
import { freePort } from '../lib/nats-server.mjs';

const RATE = 10;
const HEALTHY = 20;
const SECONDS = 300;
const BASELINE_SECONDS = 30;
const WARMUP_MS = 2_000;
const DRAIN_MS = 30_000;
const LARGE_BODY_BYTES = 100 * 1024 * 1024;

/**
 * The hostile kinds: integration id → the sink's behaviour (null: nothing listens on its
 * port). `lateMs` is the "200 after 20 s" delay (longer than the runner's timeout);
 * `trickleMs` the slow body's pause between bytes.
 */
function hostileKinds({ lateMs, trickleMs }) {
  return {
    'h-500': { kind: 'status', status: 500, body: '{"error":"internal"}' },
    'h-429': { kind: 'status', status: 429 },
    'h-429-retry-2s': { kind: 'status', status: 429, headers: { 'retry-after': '2' } },
    'h-429-retry-99999999s': { kind: 'status', status: 429, headers: { 'retry-after': '99999999' } },
    'h-no-headers': { kind: 'hang' },
    'h-slow-body': { kind: 'slowBody', everyMs: trickleMs },
    'h-100mb-body': { kind: 'largeBody', bytes: LARGE_BODY_BYTES },
    'h-refused': null,
    'h-reset': { kind: 'reset' },
    'h-302': { kind: 'status', status: 302, headers: { location: '/elsewhere' } },
    'h-410': { kind: 'status', status: 410, body: 'gone' },
    'h-garbage': { kind: 'garbage' },
    'h-200-late': { kind: 'delay', ms: lateMs, status: 200 },
  };
}

export async function run(ctx) {
  const q = ctx.quick;
  const seconds = ctx.hostileSeconds ?? (q ? 10 : SECONDS);
  const baselineSeconds = Math.min(seconds, q ? 2 : BASELINE_SECONDS);
  const healthy = healthyIntegrations(ctx, q ? 5 : HEALTHY);
  // Quick: a 1 s timeout, and the late answer and the trickle scaled down with it.
  const env = q ? { HERALD_HTTP_TIMEOUT: '1s' } : {};
  const kinds = hostileKinds(q ? { lateMs: 2_000, trickleMs: 200 } : { lateMs: 20_000, trickleMs: 1_000 });
  const common = {
    healthy,
    rate: RATE,
    warmupMs: q ? 500 : WARMUP_MS,
    drainMs: q ? 5_000 : DRAIN_MS,
    env,
  };

  ctx.log(`  baseline: ${healthy.length} healthy alone, ${RATE} events/s for ${baselineSeconds} s`);
  const alone = await phase(ctx, 'hostile-alone', { ...common, durationMs: baselineSeconds * 1000 });

  const ids = Object.keys(kinds);
  ctx.log(`  ${healthy.length} healthy + ${ids.length} hostile, ${RATE} events/s for ${seconds} s`);
  const origins = await ctx.sink.origins(ids.length);
  const refusedOrigin = `http://127.0.0.1:${await freePort()}`;
  const broken = ids.map((id, k) => brokenIntegration(id, kinds[id] ? origins[k] : refusedOrigin));
  let stats = null;
  const withBroken = await phase(ctx, 'hostile', {
    ...common,
    broken,
    durationMs: seconds * 1000,
    setup: () =>
      ctx.sink.behave(
        Object.fromEntries(ids.filter((id) => kinds[id]).map((id) => [sinkPath(id), kinds[id]])),
      ),
    // Read before the stack goes (its teardown clears the sink's counters).
    afterDrain: async () => {
      stats = await ctx.sink.pathStats();
    },
  });
  const requests = Object.fromEntries(
    ids.map((id) => [id, kinds[id] ? (stats?.paths[sinkPath(id)]?.requests ?? 0) : null]),
  );
  const longRetryAfter = requests['h-429-retry-99999999s'];
  const shortRetryAfter = requests['h-429-retry-2s'];
  return {
    healthyIntegrations: healthy.length,
    hostileIntegrations: ids.length,
    rate: RATE,
    seconds,
    baselineSeconds,
    runnerHttpTimeout: withBroken.runnerHttpTimeout,
    kinds,
    // Requests each hostile endpoint got (null: connection refused, the sink never sees them).
    requests,
    longRetryAfterRequests: longRetryAfter,
    shortRetryAfterRequests: shortRetryAfter,
    responsesHeldOpenAtEnd: stats?.heldNow ?? null,
    p99Ratio: p99Ratio(withBroken, alone),
    alone,
    withBroken,
  };
}
