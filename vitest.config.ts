import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 600_000,
    // Interop tests start JVMs and bind ports; files run in forks, a few at a time.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
