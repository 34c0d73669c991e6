import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests drive several child processes; on 2 loaded cores a journey can take a while.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Two cores: end-to-end tests start brokers, bridges and kiosks as child processes.
    maxWorkers: 2,
    pool: 'forks',
  },
});
