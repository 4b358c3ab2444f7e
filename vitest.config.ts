import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@herald/source'] },
  ssr: { resolve: { conditions: ['@herald/source'] } },
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
