import { defineConfig } from 'vitest/config';

// The harness's smoke run, on its own after the suite (`pnpm test`): it loads both cores
// for ~50 s, which would disturb the timing-sensitive fault tests if run beside them.
export default defineConfig({
  test: {
    include: ['bench/test/**/*.test.ts'],
    testTimeout: 180_000,
  },
});
