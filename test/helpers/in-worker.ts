// Setup file of test/vitest.worker.config.ts: the point of that run is that
// every test file executes inside a worker_thread (the addon loaded there,
// with its own per-environment state), so a run on the main thread is an error.
import { isMainThread } from 'node:worker_threads';

if (isMainThread) throw new Error('test/vitest.worker.config.ts must run its files in worker threads (pool: threads)');
