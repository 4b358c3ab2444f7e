// Scenario 3: steady 1 000 events/s, publish→delivered latency.
import { steady } from './steady.mjs';

export const run = (ctx) => steady(ctx, 'latency', { hangEvery: 0 });
