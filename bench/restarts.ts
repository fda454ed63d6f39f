// Replaces a server N times in a row while the C load generator opens
// connections continuously, and counts what clients suffer: with handover
// (ours: the next process takes the listening socket, nothing is closed) and
// with node:net (close(), then a new process listen()s again).
//   node dist/bench/restarts.js [--restarts 20] [--mode handover|net|both]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Run as dist/bench/restarts.js, or imported from its source by the tests: the servers run compiled either way.
const ROOT = new URL(import.meta.url.includes('/dist/bench/') ? '../../' : '../', import.meta.url);
const SERVER = fileURLToPath(new URL('dist/bench/restart-servers.js', ROOT));
const LOADGEN = fileURLToPath(new URL('bench/build/loadgen', ROOT));

export interface RestartRun {
  mode: 'handover' | 'net';
  restarts: number;
  /** Connections the load generator completed (answered, then closed by the server). */
  completed: number;
  refused: number;
  resets: number;
  unanswered: number;
  connectErrors: number;
  /** Connections each server process answered, in order. */
  served: number[];
  seconds: number;
}

interface Proc {
  child: ChildProcess;
  /** Resolves with the first stdout line matching. */
  line(pattern: RegExp): Promise<string>;
  exited: Promise<void>;
}

function start(command: string, args: string[], deadlineMs: number): Proc {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs); // every process stops by itself
  let text = '';
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk;
    for (const w of [...waiters]) {
      const match = text.split('\n').find((l) => w.pattern.test(l));
      if (match !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(match);
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => (clearTimeout(timer), resolve())));
  return {
    child,
    exited,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        const found = text.split('\n').find((l) => pattern.test(l));
        if (found !== undefined) return resolve(found);
        waiters.push({ pattern, resolve });
        void exited.then(() => setImmediate(() => reject(new Error(`${args.join(' ')} exited before printing ${pattern}`))));
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureRestarts(mode: 'handover' | 'net', restarts = 20, gapMs = 100): Promise<RestartRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sss-restarts-'));
  const path = join(dir, 'handover.sock');
  const limit = 30_000 + restarts * 2_000;
  const argsOf = (first: boolean, port: number) =>
    mode === 'handover' ? [SERVER, 'handover', path, first ? '0' : 'take'] : [SERVER, 'net', String(port)];
  const served: number[] = [];
  const began = Date.now();
  let current = start(process.execPath, argsOf(true, 0), limit);
  const port = Number((await current.line(/^ready /)).split(' ')[1]);
  const load = start(LOADGEN, ['-p', String(port), '-c', '32', '-d', '600'], limit);
  try {
    for (let i = 0; i < restarts; i++) {
      await sleep(gapMs);
      const old = current;
      if (mode === 'net') {
        old.child.kill('SIGTERM'); // close(), then the next process listens
        await old.exited;
        current = start(process.execPath, argsOf(false, port), limit);
      } else {
        current = start(process.execPath, argsOf(false, port), limit);
        await old.exited; // it exits once the new one serves the socket
      }
      served.push(Number((await old.line(/^served /)).split(' ')[1]));
      await current.line(/^ready /);
    }
    await sleep(gapMs);
  } finally {
    load.child.kill('SIGUSR1');
  }
  const result = JSON.parse(await load.line(/^\{/)) as Record<string, number>;
  current.child.kill('SIGTERM');
  served.push(Number((await current.line(/^served /)).split(' ')[1]));
  await current.exited;
  rmSync(dir, { recursive: true, force: true });
  return {
    mode,
    restarts,
    completed: result.connections!,
    refused: result.refused!,
    resets: result.resets!,
    unanswered: result.unanswered!,
    connectErrors: result.connectErrors!,
    served,
    seconds: (Date.now() - began) / 1000,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string, fallback: string) => process.argv[process.argv.indexOf(name) + 1] ?? fallback;
  const restarts = process.argv.includes('--restarts') ? Number(arg('--restarts', '20')) : 20;
  const which = process.argv.includes('--mode') ? arg('--mode', 'both') : 'both';
  for (const mode of which === 'both' ? (['handover', 'net'] as const) : [which as 'handover' | 'net']) {
    const run = await measureRestarts(mode, restarts);
    const total = run.served.reduce((a, b) => a + b, 0);
    console.log(JSON.stringify({ ...run, served: undefined, acceptedByAll: total }));
  }
}
