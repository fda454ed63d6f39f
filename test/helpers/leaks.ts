// Installs a per-test assertion that no socket outlives the test.
import { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, expect } from 'vitest';
import { leakedSockets, socketInodes } from './fds.js';

/** What a test may open: sockets (destroy), servers (close), child processes (kill). */
export type Closable = { destroy(): unknown } | { close(): unknown } | ChildProcess;

/** Closes one thing a test opened, whatever state the test left it in. */
async function closeQuietly(thing: Closable): Promise<void> {
  if (thing instanceof ChildProcess) {
    if (thing.exitCode !== null || thing.signalCode !== null) return;
    const exited = new Promise((resolve) => thing.once('exit', resolve));
    thing.kill('SIGKILL');
    await exited;
  } else if ('destroy' in thing) thing.destroy();
  else {
    try {
      thing.close();
    } catch {
      // closed already, by the test
    }
  }
}

/**
 * Checks after each test that every socket it opened is closed again, and
 * returns `track`: whatever a test passes to it is closed after the test,
 * passed or failed, before the check looks (a test still closes its own
 * things; a second close is a no-op). So a failed assertion that skipped the
 * test's own closing reports that failure, not a leak on top of it.
 * `cleanup` runs at the same point, after the tracked things are closed.
 */
export function checkSocketLeaks(cleanup?: () => void | Promise<void>): <T extends Closable>(thing: T) => T {
  const opened = new Set<Closable>();
  let before = new Set<string>();
  beforeEach(() => {
    before = socketInodes();
  });
  afterEach(async () => {
    try {
      const things = [...opened].reverse();
      opened.clear();
      await Promise.all(things.map(closeQuietly));
      await cleanup?.();
    } finally {
      expect(await leakedSockets(before)).toEqual([]);
    }
  });
  return (thing) => {
    opened.add(thing);
    return thing;
  };
}
