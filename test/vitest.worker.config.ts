// The suite inside a Worker: a representative part of the tests (accept,
// lifecycle, datagrams, unix sockets, TLS, options, errors, the facade's
// accept and data paths) run once with vitest's thread pool, so each test
// file executes in a worker_thread and loads the addon there, as
// node-unix-dgram's test-worker.js does for its suite. One thread at a time:
// the tests count this process's fds, which threads share.
//
//   npx vitest run --config test/vitest.worker.config.ts
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    globalSetup: ['test/helpers/build-dist.ts'],
    setupFiles: ['test/helpers/in-worker.ts'],
    include: [
      'test/accept.test.ts',
      'test/lifecycle.test.ts',
      'test/datagram.test.ts',
      'test/unix.test.ts',
      'test/tls.test.ts',
      'test/sockopts.test.ts',
      'test/errors.test.ts',
      'test/half-open.test.ts',
      'test/stats.test.ts',
      'test/php/facade.test.ts',
      'test/php/facade-data.test.ts',
      'test/proxy/server.test.ts',
    ],
    // process.umask(mask) throws in workers (Node's rule, not ours): that one test stays on the main thread.
    testNamePattern: /^(?!.*without a mode the umask decides)/,
    pool: 'threads',
    maxWorkers: 1,
    isolate: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
