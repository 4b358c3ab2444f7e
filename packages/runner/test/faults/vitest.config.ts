import { defineConfig } from 'vitest/config';

/** The network fault suite: needs root (network namespaces); one file at a time. */
export default defineConfig({
  resolve: { conditions: ['@herald/source'] },
  ssr: { resolve: { conditions: ['@herald/source'] } },
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['packages/runner/test/faults/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
