// A gated server that accepted once and was forgotten is collected: its fds
// close and the process exits by itself (test/fixtures/gc-gated.mjs, --expose-gc).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('GC of a forgotten gated server', () => {
  it.each(['accept-success', 'for-await-break'])('%s: collected, fds closed, the process exits by itself', (variant) => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--no-warnings', 'test/fixtures/gc-gated.mjs', variant, 'gated'], {
      timeout: 10_000,
      encoding: 'utf8',
    });
    console.log(variant, r.stdout.trim(), 'signal:', r.signal);
    expect(r.signal).toBeNull(); // SIGTERM: still alive after 10 s
    const counts = JSON.parse(r.stdout.trim().split('\n').pop()!) as { before: number; after: number };
    expect(counts.after).toBe(counts.before);
  });
});
