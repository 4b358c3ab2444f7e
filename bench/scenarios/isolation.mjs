// Scenario 5: as scenario 3, but every 10th integration's endpoint hangs until the runner
// times out; the others' latency is compared with scenario 3's.
import { steady } from './steady.mjs';

export const run = (ctx) => steady(ctx, 'isolation', { hangEvery: ctx.hangEvery ?? 10 });
