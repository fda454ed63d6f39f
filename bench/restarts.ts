// Replaces a server N times in a row while the C load generator opens
// connections continuously, and counts what clients suffer: with handover
// (ours: the next process takes the listening socket, nothing is closed) and
// with node:net (close(), then a new process listen()s again).
//   node dist/bench/restarts.js [--restarts 20] [--mode handover|net|both|rolling]
// --mode rolling: examples/rolling-restart.js (SO_REUSEPORT workers rolled by
// drain()) instead; run it in a network namespace to set tcp_migrate_req:
//   unshare -rn sh -c 'ip link set lo up; sysctl -qw net.ipv4.tcp_migrate_req=1; node dist/bench/restarts.js --mode rolling'
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migratesRequests } from '../lib/socket/netstat.js';

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
  /** Every stdout line so far. */
  lines(): string[];
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
    lines: () => text.split('\n'),
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

export interface RollingRun {
  workers: number;
  rolls: number;
  /** net.ipv4.tcp_migrate_req in the namespace it ran in. */
  migrateReq: boolean;
  completed: number;
  refused: number;
  resets: number;
  unanswered: number;
  connectErrors: number;
  /** drain()'s counts, summed over the rolls. */
  drained: { served: number; migrated: number; reset: number };
}

/**
 * examples/rolling-restart.js under the load generator: `workers` SO_REUSEPORT
 * workers on one port, `rolls` of them replaced one at a time by drain().
 * Run it in a network namespace of its own to choose net.ipv4.tcp_migrate_req.
 */
export async function measureRolling(workers = 2, rolls = 6, everyMs = 300): Promise<RollingRun> {
  const limit = 30_000 + rolls * 3_000;
  const example = fileURLToPath(new URL('dist/examples/rolling-restart.js', ROOT));
  const args = [example, '--port', '0', '--workers', String(workers), '--rolls', String(rolls), '--every', String(everyMs)];
  const primary = start(process.execPath, args, limit);
  const port = Number((await primary.line(/^ready /)).split(' ')[1]);
  const load = start(LOADGEN, ['-p', String(port), '-c', '32', '-d', '600'], limit);
  try {
    await primary.line(/^rolled all$/);
  } finally {
    load.child.kill('SIGUSR1');
  }
  const result = JSON.parse(await load.line(/^\{/)) as Record<string, number>;
  primary.child.kill('SIGTERM');
  await primary.line(/^done$/);
  await primary.exited;
  const drained = { served: 0, migrated: 0, reset: 0 };
  for (const line of primary.lines().filter((l) => l.startsWith('rolled ') && l.includes('{'))) {
    const counts = JSON.parse(line.slice(line.indexOf('{'))) as typeof drained;
    drained.served += counts.served;
    drained.migrated += counts.migrated;
    drained.reset += counts.reset;
  }
  return {
    workers,
    rolls,
    migrateReq: migratesRequests(),
    completed: result.connections!,
    refused: result.refused!,
    resets: result.resets!,
    unanswered: result.unanswered!,
    connectErrors: result.connectErrors!,
    drained,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string, fallback: string) => process.argv[process.argv.indexOf(name) + 1] ?? fallback;
  const restarts = process.argv.includes('--restarts') ? Number(arg('--restarts', '20')) : 20;
  const which = process.argv.includes('--mode') ? arg('--mode', 'both') : 'both';
  if (which === 'rolling') {
    console.log(JSON.stringify(await measureRolling(2, process.argv.includes('--restarts') ? restarts : 6)));
    process.exit(0);
  }
  for (const mode of which === 'both' ? (['handover', 'net'] as const) : [which as 'handover' | 'net']) {
    const run = await measureRestarts(mode, restarts);
    const total = run.served.reduce((a, b) => a + b, 0);
    console.log(JSON.stringify({ ...run, served: undefined, acceptedByAll: total }));
  }
}
