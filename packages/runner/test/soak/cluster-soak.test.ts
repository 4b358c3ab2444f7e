import { describe, expect, it } from 'vitest';
import { describeFigures, runScaleOutScenario, type ScaleOutFigures } from '../support/scale-out-scenario.js';

const RUNS = Number(process.env.HERALD_SOAK_RUNS ?? 10);

/**
 * `pnpm soak:cluster`: the cluster fault scenario of `scale-out.test.ts` (a runner
 * SIGKILLed, a NATS node SIGKILLed and restarted, a runner joining) HERALD_SOAK_RUNS
 * times in a row (default 10), one line per run. Not part of `pnpm test`.
 */
describe('cluster soak', () => {
  it(`runs the cluster fault scenario ${RUNS} times: nothing lost in any run`, {
    timeout: RUNS * 240_000,
  }, async () => {
    const runs: ScaleOutFigures[] = [];
    for (let i = 1; i <= RUNS; i++) {
      const figures = await runScaleOutScenario();
      runs.push(figures);
      console.log(`run ${i}/${RUNS}: ${describeFigures(figures)}`);
      if (figures.lost > 0) console.log(figures.missing);
    }
    const within = runs.filter((f) => f.duplicatesAfterKill <= f.inFlightAtKill + f.unackedAtKill).length;
    console.log(
      `soak: ${runs.length} runs, lost ${runs.map((f) => f.lost).join('/')}, the killed runner's duplicates within the bound in ${within} of ${runs.length}, failover ${Math.min(...runs.map((f) => f.failoverMs))}–${Math.max(...runs.map((f) => f.failoverMs))} ms`,
    );
    expect(runs.map((f) => f.lost)).toEqual(runs.map(() => 0));
  });
});
