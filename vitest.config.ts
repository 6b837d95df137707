import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // bcrypt at cost 12 and real databases: two workers keep a 2-core machine responsive.
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ['default'],
  },
});
