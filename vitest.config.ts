import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (the pure domain, no services: `npm run test:unit`) and `integration` (real
 * PostgreSQL and Redis, set up once per run by the global setup; with it, test/akinon-next, the Akinon
 * dialect driven as @akinon/next's client calls it). `npm test` runs both.
 */
export default defineConfig({
  test: {
    // Integration tests share one PostgreSQL server and Redis; each file gets its own database (a clone of the
    // run's migrated one, test/support/file-database.setup.ts) and each harness its own Redis key prefix.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts', 'test/akinon-next/**/*.test.ts'], globalSetup: ['test/support/global-setup.ts'], setupFiles: ['test/support/file-database.setup.ts'] } },
    ],
  },
});
