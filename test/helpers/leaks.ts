// Installs a per-test assertion that no socket outlives the test.
import { afterEach, beforeEach, expect } from 'vitest';
import { leakedSockets, socketInodes } from './fds.js';

export function checkSocketLeaks(): void {
  let before = new Set<string>();
  beforeEach(() => {
    before = socketInodes();
  });
  afterEach(async () => {
    expect(await leakedSockets(before)).toEqual([]);
  });
}
