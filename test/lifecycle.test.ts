// Process-level behaviour, each in a fresh child node with its own fd table:
// GC of unclosed servers, worker exit, keep-alive semantics, native argument checks,
// the addon's error class per thread.
import { describe, expect, it } from 'vitest';
import { runFixture } from './helpers/peers.js';

function json(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('lifecycle', () => {
  it('a server that was never closed is closed when garbage-collected', async () => {
    const { code, stdout, stderr } = await runFixture('gc-unclosed.mjs', [], ['--expose-gc'], 15_000);
    expect(stderr).toBe('');
    expect(code).toBe(0); // and it exited by itself
    const r = json(stdout);
    expect(r.during).toBe((r.before as number) + 20);
    expect(r.after).toBe(r.before);
  });

  it('every ArrayBufferView kind is bytes (sendto, setsockoptBuffer, endpoint.path); plain fds reach no syscall', async () => {
    const { code, signal, stdout, stderr } = await runFixture('native-views.mjs', [], [], 15_000);
    expect(signal).toBeNull(); // a DataView used to abort the process (napi_throw FATAL ERROR)
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const r = json(stdout) as { results: Record<string, Record<string, unknown>>; fds: Record<string, unknown> };
    expect(Object.keys(r.results)).toHaveLength(16);
    for (const [kind, outcome] of Object.entries(r.results)) {
      // The bytes sent are exactly the view's; the option and the abstract unix name take it too.
      expect([kind, outcome]).toEqual([
        kind,
        { sent: expect.stringMatching(/^returned \d+$/), arrived: true, option: 'returned', path: 'returned' },
      ]);
    }
    expect(r.fds).toEqual({
      numberToGetsockname: 'TypeError',
      numberToRecvfrom: 'TypeError',
      adoptNotSocket: 'SocketError ENOTSOCK',
      adoptEpoll: 'SocketError ENOTSOCK', // libuv's own fds are never ours to close
      adoptWatched: 'SocketError EBUSY', // nor is a socket libuv watches
      adoptOwnHandle: 'SocketError EBUSY',
      adoptClosed: 'SocketError EBADF',
      borrowNotSocket: 'SocketError ENOTSOCK',
      dataViewAndError: 'SocketError EPIPE', // aborted the process before (SIGABRT, FATAL ERROR napi_throw)
      acceptOnUdp: 'SocketError EOPNOTSUPP', // was [], as if the queue were empty
      borrowedName: true,
      borrowedPoll: 'SocketError EPERM',
      borrowedRelease: 'SocketError EPERM',
      stillNodes: true,
      recvNothing: 'returned', // a blocking recvfrom used to hang here
    });
  });

  it('receiving in batches of 1024 × 1 MiB costs bounded memory, not a zero-filled GiB per call', async () => {
    const { code, stdout, stderr } = await runFixture('recv-budget.mjs', [], [], 20_000);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const r = json(stdout) as { growthKiB: number; sizes: number[] };
    expect(r.sizes).toEqual([60_000, 60_000, 60_000, 60_000, 60_000]);
    expect(r.growthKiB).toBeLessThan(64 * 1024); // was > 1 GiB: batch × maxLength bytes zero-filled per call
  });

  it.each([
    'unix-files',
    'accept-timeout',
    'accept-abort',
    'accept-success',
    'for-await-break',
    'udp-recvfrom-timeout',
    'tls-accept-timeout',
    'facade-accept-timeout',
  ])('a server that waited once (%s) and was forgotten is collected: fds closed, the process exits', async (variant) => {
    const { code, stdout, stderr } = await runFixture('gc-waited.mjs', [variant], ['--expose-gc', '--no-warnings'], 15_000);
    expect(stderr).toBe('');
    expect(code).toBe(0); // it exited by itself: no keep-alive was left behind
    const r = json(stdout);
    expect(r.during).toBeGreaterThan(r.before as number);
    expect(r.after).toBe(r.before);
  });

  it("forgotten 'shed' servers are collected with their reserve fd: no fd of any kind is left", async () => {
    const { code, stdout, stderr } = await runFixture('gc-shed.mjs', [], ['--expose-gc'], 15_000);
    expect(stderr).toBe('');
    expect(code).toBe(0); // it exited by itself
    const r = json(stdout);
    expect(r.during).toBeGreaterThan(r.before as number);
    expect(r.after).toBe(r.before);
  });

  it.each(['terminate', 'exit'])('a worker with open servers (%s) cleans up without aborting', async (mode) => {
    const { code, signal, stdout, stderr } = await runFixture('worker-exit.mjs', [mode], ['--expose-gc'], 15_000);
    expect(signal).toBeNull();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const r = json(stdout);
    expect(r.during).toBe((r.before as number) + 4);
    expect(r.after).toBe(r.before);
    expect(r.filesDuring).toEqual([true, true]);
    expect(r.filesAfter).toEqual([false, false]); // the worker's teardown removed its socket files
  });

  it.each([
    ['ref', true],
    ['reref', true],
    ['unref', false],
    ['unref-accepting', false],
    ['closed', false],
  ])('keep-alive: a %s server keeps the process alive: %s', async (mode, alive) => {
    const { code, stdout } = await runFixture('keep-alive.mjs', [mode as string], [], 10_000);
    expect(code).toBe(0);
    expect(stdout.includes('still alive')).toBe(alive);
  });

  it('every native export rejects wrong arguments with TypeError/RangeError, never a crash', async () => {
    const { code, signal, stdout, stderr } = await runFixture('native-args.mjs');
    expect(signal).toBeNull();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const r = json(stdout) as {
      results: Record<string, string[]>;
      closedResult: unknown;
      custom: unknown;
      throwing: unknown;
      arrow: unknown;
      exported: string[];
      tested: string[];
    };
    expect(r.tested).toEqual(r.exported); // no export left untested
    for (const [name, outcomes] of Object.entries(r.results)) {
      for (const outcome of outcomes) expect([name, outcome]).toEqual([name, expect.stringMatching(/^(TypeError|RangeError)$/)]);
    }
    // The bare addon (no constructor handed over yet): a plain Error with the fields.
    expect(r.closedResult).toEqual({ code: 'EBADF', errno: 9, syscall: 'handle' });
    // setErrorConstructor(): failures are instances of that class, built from the fields.
    expect(r.custom).toEqual({
      name: 'Custom',
      message: 'custom handle EBADF',
      errno: 9,
      code: 'EBADF',
      syscall: 'handle',
      reason: 'Bad file descriptor',
    });
    // A constructor that throws, or a function that is none: its exception, not a crash.
    expect(r.throwing).toEqual({ name: 'RangeError', message: 'from the constructor' });
    expect(r.arrow).toMatchObject({ name: 'TypeError' });
  });

  it('the error class is per thread: a worker hands over its own, the main thread keeps its', async () => {
    const { code, signal, stdout, stderr } = await runFixture('error-class.mjs', [], ['--expose-gc']);
    expect(signal).toBeNull();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(json(stdout)).toEqual({
      before: 'MainError EBADF',
      inWorker: { unset: 'Error EBADF', set: 'WorkerError EBADF' },
      code: 0,
      after: 'MainError EBADF',
    });
  });
});
