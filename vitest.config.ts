import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Differential cases on literal ports (port_token: false): 99999 wraps to
 * 34463, inside the kernel's ephemeral range, where any other test's client
 * or port-0 listener may sit. Their file runs first, in a project of its own
 * (one worker, groupOrder 1), before any other test file starts (groupOrder 2).
 * Not groupOrder 0: vitest puts a one-worker project of the default order 0
 * in a group of its own that runs after all the others.
 */
const LITERAL_PORTS = 'test/php/differential-literal-ports.test.ts';

const common = {
  // Separate processes: fd counts and process-wide state stay per file.
  pool: 'forks',
  testTimeout: 30_000,
  hookTimeout: 30_000,
} as const;

export default defineConfig({
  test: {
    // dist/ is compiled once per run, before any test (test/helpers/build-dist.ts).
    // Here only: a project that extended this config would run it again.
    globalSetup: ['test/helpers/build-dist.ts'],
    projects: [
      { test: { ...common, name: 'literal-ports', include: [LITERAL_PORTS], maxWorkers: 1, sequence: { groupOrder: 1 } } },
      {
        test: {
          ...common,
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, LITERAL_PORTS],
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
