// Scenario 6: 10 000 integrations in KV (1 000 teams of 10; one per team active), the
// runner started on them: time from spawn to the first 200 of /readyz, RSS when ready,
// then after each active integration got 3 deliveries. A runner on an empty bucket gives
// the baseline.
import { now, sleep } from '../lib/deps.mjs';
import { eventFactory, integrationSet, pipelined } from '../lib/fixtures.mjs';
import { withStack } from '../lib/stack.mjs';
import { round } from '../lib/stats.mjs';

const PER_TEAM = 10;
const ROUNDS = 3;

export async function run(ctx) {
  const count = ctx.quick ? 1_000 : 10_000;
  const active = count / PER_TEAM;
  const integrations = integrationSet({
    count,
    perTeam: PER_TEAM,
    sinkOrigin: ctx.sink.origin,
    projectsOf: (k) => [k % PER_TEAM === 0 ? 'live' : 'quiet'],
  });
  const baseline = await withStack(ctx, 'scale-baseline', {}, async ({ runner }) => {
    await sleep(1_000);
    return { readyMs: round(runner.readyMs), rssMb: round(runner.memory().rssMb, 1) };
  });
  const events = eventFactory();
  return withStack(
    ctx,
    'scale',
    { integrations, readyTimeoutMs: ctx.quick ? 15_000 : 60_000 },
    async ({ nats, runner }) => {
      const readyMs = runner.readyMs;
      const atReady = runner.memory();
      await sleep(1_000);
      const idle = runner.memory();
      const tag = `s${Date.now().toString(36)}`;
      const started = now();
      await pipelined(active * ROUNDS, 200, (i) => {
        const team = `team-${i % active}`;
        const id = `${tag}-${i}`;
        return nats.js.publish(events.subject(team, 'live'), events.json(id, now(), team, 'live'), {
          msgID: id,
        });
      });
      const c = await ctx.sink.waitFor(active * ROUNDS, 60_000);
      const deliveredSeconds = (now() - started) / 1000;
      await sleep(1_000);
      const afterTraffic = runner.memory();
      return {
        integrations: count,
        active,
        deliveries: active * ROUNDS,
        delivered: c.unique,
        complete: c.unique >= active * ROUNDS,
        readyMs: round(readyMs),
        rssAtReadyMb: round(atReady.rssMb, 1),
        rssIdleMb: round(idle.rssMb, 1),
        rssAfterTrafficMb: round(afterTraffic.rssMb, 1),
        peakRssMb: round(afterTraffic.peakRssMb, 1),
        trafficSeconds: round(deliveredSeconds, 2),
        baseline,
      };
    },
  );
}
