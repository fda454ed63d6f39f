import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // dist/ is compiled once per run, before any test (test/helpers/build-dist.ts).
    globalSetup: ['test/helpers/build-dist.ts'],
    // Separate processes: fd counts and process-wide state stay per file.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
