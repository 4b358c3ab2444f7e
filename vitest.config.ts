import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@herald/source'] },
  ssr: { resolve: { conditions: ['@herald/source'] } },
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    // Needs root and its own machine-wide setup: `pnpm test:faults` (part of `pnpm test`).
    exclude: ['packages/runner/test/faults/**', 'packages/runner/test/soak/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
