import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: end-to-end tests start brokers, bridges and kiosks as child processes.
    maxWorkers: 2,
    pool: 'forks',
  },
});
