// Hardening scenarios (issue 12), each in a child process with its own fd
// table and a hard deadline: an EMFILE flood under a `for await` server.
// (Workers that exit with servers and socket files open, and servers
// forgotten after one wait, are lifecycle.test.ts's.)
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkSocketLeaks } from './helpers/leaks.js';
import { fetchLine } from './helpers/peers.js';

/** A fixture driven line by line: `ask` sends a command and resolves with its next JSON line. */
function drive(name: string, args: string[]) {
  const child = spawn(process.execPath, [fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout }).on('line', (line) => (waiting.shift() ?? ((l: string) => lines.push(l)))(line));
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from ${name}; stderr: ${stderr}`)), 15_000);
      const take = (line: string) => (clearTimeout(timer), resolve(JSON.parse(line) as Record<string, unknown>));
      const ready = lines.shift();
      if (ready !== undefined) take(ready);
      else waiting.push(take);
    });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    next,
    ask: (command: string) => (child.stdin.write(`${command}\n`), next()),
    exited,
    stderr: () => stderr,
  };
}

function connected(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', () => {});
  });
}

describe('EMFILE flood under a for await server', () => {
  const track = checkSocketLeaks();
  const FLOOD = 200;
  const FRESH = 50;

  async function flood(policy: string) {
    const fixture = drive('emfile-flood.mjs', [policy, '1000']);
    track(fixture.child);
    const { port } = (await fixture.next()) as { port: number };
    await fixture.ask('emfile');
    // More clients than the server has fds: they wait in the kernel's queue (backlog 1024).
    const clients = await Promise.all(Array.from({ length: FLOOD }, () => connected(port).then(track)));
    const phase = await fixture.ask('flooded');
    await fixture.ask('release');
    const fresh = await Promise.all(Array.from({ length: FRESH }, () => fetchLine(port, '127.0.0.1', 3000).catch((e: Error) => e.message)));
    for (const c of clients) c.destroy();
    const done = await fixture.ask('close');
    const exit = await fixture.exited;
    return { phase, fresh, done, exit, stderr: fixture.stderr() };
  }

  /** What every policy must give: low CPU at EMFILE, every fresh client served, the loop alive, a clean exit. */
  function expectRecovered(r: Awaited<ReturnType<typeof flood>>) {
    // The episode is surfaced once (process warning AcceptWarning, code EMFILE), and nothing else is printed.
    const lines = r.stderr.split('\n').filter((line) => line !== '' && !line.includes('--trace-warnings'));
    expect(lines).toEqual([expect.stringMatching(/\[EMFILE\] AcceptWarning: accept4 EMFILE .*Too many open files/)]);
    expect(r.phase.cpuPct).toBeLessThan(50);
    expect(r.fresh.filter((line) => line === 'hello\n')).toHaveLength(FRESH);
    expect(r.done.loopError).toBeNull();
    expect(r.exit).toEqual({ code: 0, signal: null });
  }

  it('default policy (pause): the loop survives, serves 50 fresh clients, no busy loop', async () => {
    expectRecovered(await flood('default'));
  }, 40_000);

  it("acceptErrors 'pause': serves 50 fresh clients afterwards, no busy loop", async () => {
    expectRecovered(await flood('pause'));
  }, 40_000);

  it("acceptErrors 'shed': serves 50 fresh clients afterwards, no busy loop", async () => {
    expectRecovered(await flood('shed'));
  }, 40_000);
});
