// Three projects: pure unit tests once, and every database test twice — on PGlite and on a
// throw-away PostgreSQL 15 cluster (test/setup/postgres.global.ts). Browser tests run once.
import { defineConfig } from 'vitest/config';

const dbTests = ['src/**/*.db.test.ts', 'test/**/*.db.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: [...dbTests, '**/*.e2e.test.ts', 'node_modules/**'],
        },
      },
      {
        test: {
          name: 'pglite',
          include: dbTests,
          env: { JIHUO_TEST_DB: 'pglite' },
          globalSetup: ['test/setup/pglite.global.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'postgres',
          include: dbTests,
          env: { JIHUO_TEST_DB: 'postgres' },
          globalSetup: ['test/setup/postgres.global.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/**/*.e2e.test.ts'],
          env: { JIHUO_TEST_DB: 'pglite' },
          globalSetup: ['test/setup/pglite.global.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
