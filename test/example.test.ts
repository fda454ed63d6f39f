// The ported PHP manual Example 1 answers real clients.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchLine, hasCommand, run, startChild } from './helpers/peers.js';
import type { ChildProcess } from 'node:child_process';

const LINE = /^The local time is (\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}) (am|pm)\n$/;

/** Checks the answer against the clock independently of the example's own formatter. */
function expectCurrentTime(answer: string): void {
  const m = LINE.exec(answer);
  expect(m, answer).not.toBeNull();
  const [, month, day, year, hour, minute, meridiem] = m!;
  const now = new Date();
  const candidates = [now, new Date(now.getTime() - 60_000)]; // the minute may just have turned
  const matches = candidates.some((t) => {
    const h24 = (Number(hour) % 12) + (meridiem === 'pm' ? 12 : 0);
    return (
      Number(month) === t.getMonth() + 1 &&
      Number(day) === t.getDate() &&
      Number(year) === t.getFullYear() &&
      h24 === t.getHours() &&
      Number(minute) === t.getMinutes() &&
      !hour!.startsWith('0') &&
      !month!.startsWith('0')
    );
  });
  expect(matches, answer).toBe(true);
}

describe('examples/time-server', () => {
  let child: ChildProcess;
  let port: number;

  beforeAll(async () => {
    const started = await startChild(
      process.execPath,
      ['dist/examples/time-server.js', '--url', 'tcp://127.0.0.1:0'],
      /listening on 127\.0\.0\.1:(\d+)/,
    );
    child = started.child;
    port = Number(started.match[1]);
  });

  afterAll(async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  });

  it('npm start runs this example', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('node dist/examples/time-server.js');
  });

  it('tells a node:net client the time in PHP n/j/Y g:i a format, then closes', async () => {
    expectCurrentTime(await fetchLine(port));
  });

  it('answers socat', async () => {
    if (!hasCommand('socat')) {
      if (process.env.CI) throw new Error('socat is required in CI (.ci/run installs it)');
      console.warn('SKIPPING: socat is not installed');
      return;
    }
    const { code, stdout } = await run('socat', ['-u', `TCP:127.0.0.1:${port}`, '-']);
    expect(code).toBe(0);
    expectCurrentTime(stdout);
  });

  it('answers 50 concurrent clients', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => fetchLine(port)));
    for (const a of answers) expect(a).toMatch(LINE);
  });

  it('reports where it listens and stops cleanly on SIGTERM', async () => {
    const { child: c } = await startChild(process.execPath, ['dist/examples/time-server.js'], /listening on/, 10_000).catch(async () => {
      // 8000 may be taken on a developer machine; the URL flag is tested above.
      return startChild(process.execPath, ['dist/examples/time-server.js', '--url', 'tcp://[::1]:0'], /listening on \[::1\]:\d+/);
    });
    let out = '';
    c.stdout!.on('data', (d: Buffer) => (out += d));
    c.kill('SIGTERM');
    const code = await new Promise((resolve) => c.once('exit', resolve));
    expect(code).toBe(0);
    expect(out).toContain('time server closed');
  });

  it('a bad URL exits with status 1 and a clear message', async () => {
    const { code, stderr } = await run(process.execPath, ['dist/examples/time-server.js', '--url', 'tcp://nope']);
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid server URL "tcp://nope"');
  });
});
