import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 600_000,
    // Interop tests start JVMs and bind ports; files run in forks, a few at a time.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'tests', include: ['test/**/*.test.ts'], exclude: ['test/docs/readme.test.ts'], sequence: { groupOrder: 0 } } },
      // The README's examples use the README's fixed ports (15000, 12220...), which SOFARPC's
      // mesh test needs too (12220 is a constant in SOFARPC's client): run them after the rest.
      { extends: true, test: { name: 'readme', include: ['test/docs/readme.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
