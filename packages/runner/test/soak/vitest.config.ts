import { defineConfig } from 'vitest/config';

/** `pnpm soak:cluster`: long runs, not part of `pnpm test`. */
export default defineConfig({
  resolve: { conditions: ['@herald/source'] },
  ssr: { resolve: { conditions: ['@herald/source'] } },
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['packages/runner/test/soak/**/*.test.ts'],
    fileParallelism: false,
  },
});
