import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One registry process per file; files run in parallel on 2 cores.
          fileParallelism: true,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // A synth with esbuild bundling and cdk-nag takes seconds, more
          // on a loaded machine; each file synthesizes once in beforeAll.
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
    coverage: {
      provider: 'v8',
      // The gate covers the pure engine; adapters are proven by integration tests.
      include: ['lib/engine/**/*.ts'],
      exclude: ['lib/engine/**/types.ts', 'lib/engine/layer/facts.ts'],
      reporter: ['text-summary'],
      // Below the measured figures by a margin: fast-check inputs vary per run.
      thresholds: { lines: 96, statements: 94, functions: 97, branches: 87 },
    },
  },
});
