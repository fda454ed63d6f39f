// Socket fds of this process, from /proc/self/fd: the leak check of every test.
import { readdirSync, readlinkSync } from 'node:fs';

/** Inodes of the sockets this process holds ("socket:[12345]" links). */
export function socketInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const link = readlinkSync(`/proc/self/fd/${fd}`);
      if (link.startsWith('socket:')) inodes.add(link);
    } catch {
      // the fd closed between readdir and readlink
    }
  }
  return inodes;
}

export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits (bounded) until every socket opened since `before` is closed again;
 * sockets close asynchronously in Node, so a single look would be flaky.
 * Returns the sockets still open after the deadline.
 */
export async function leakedSockets(before: Set<string>, deadlineMs = 5000): Promise<string[]> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const leaked = [...socketInodes()].filter((inode) => !before.has(inode));
    if (leaked.length === 0 || Date.now() > end) return leaked;
    await sleep(20);
  }
}
