// Running examples/behind-haproxy.ts instances and reading what HAProxy and
// h2load report: the machinery of test/proxy/instances.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { join } from 'node:path';
import { ROOT } from './peers.js';

const EXAMPLE = join(ROOT, 'dist/examples/behind-haproxy.js');

/** One line of an instance's stdout (see the example's header). */
export interface Logged {
  event: 'serving' | 'request' | 'handed-over' | 'exit';
  name: string;
  pid: number;
  taken?: number | null;
  address?: string;
  to?: string | null;
  path?: string;
  client?: string;
  port?: number;
  proxy?: 'proxy' | 'local' | 'none';
  requests?: number;
  /** At exit: the listener's PROXY counts (server.stats().proxy). */
  headers?: { read: number; dropped: Record<string, number> };
}

export interface Instance {
  name: string;
  child: ChildProcess;
  pid: number;
  lines: Logged[];
  /** What it printed that is not a JSON line (nothing, or the test fails). */
  noise: string[];
  stderr(): string;
  /** Resolves with the exit code once the process ended and its stdout was read to the end. */
  closed: Promise<number | null>;
  requests(): Logged[];
}

/** Rejects with `message` after `ms` (the test's own deadlines say what hung, not vitest's timeout). */
export function within<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Starts an instance of the example on `url`, offering (and taking) its listener at
 * `dir`/<name>.offer; resolves once it serves (opened, or taken from its predecessor).
 */
export function startInstance(
  name: string,
  url: string,
  { dir, trusted, track }: { dir: string; trusted: string; track: <T extends ChildProcess>(child: T) => T },
): Promise<Instance> {
  const args = [EXAMPLE, '--url', url, '--offer', join(dir, `${name}.offer`), '--name', name, '--trusted', trusted];
  const child = track(spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  const lines: Logged[] = [];
  let partial = '';
  let stderr = '';
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const instance: Instance = {
    name,
    child,
    pid: child.pid!,
    lines,
    noise: [],
    stderr: () => stderr,
    closed,
    requests: () => lines.filter((l) => l.event === 'request' && l.path === '/'),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not serve within 10 s: ${stderr}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop()!;
      for (const part of parts) {
        try {
          lines.push(JSON.parse(part) as Logged);
        } catch {
          instance.noise.push(part);
          continue;
        }
        if (lines.at(-1)!.event === 'serving') {
          clearTimeout(timer);
          resolve(instance);
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    void closed.then((code) => (clearTimeout(timer), reject(new Error(`${name} exited (${code}) before serving: ${stderr}`))));
  });
}

/** HAProxy's `show stat` on its stats socket `path`, by "proxy/server". */
export function haproxyStats(path: string): Promise<Map<string, Record<string, string>>> {
  return new Promise((resolve, reject) => {
    let text = '';
    const cli = net.connect(path);
    cli.on('connect', () => cli.end('show stat\n'));
    cli.on('data', (d) => (text += d)).on('error', reject);
    cli.on('close', () => {
      const [head, ...rows] = text.trim().split('\n');
      if (!head?.startsWith('# ')) return reject(new Error(`not a show stat answer: ${text}`));
      const keys = head.slice(2).split(',');
      const stats = new Map<string, Record<string, string>>();
      for (const row of rows) {
        const values = row.split(',');
        const record = Object.fromEntries(keys.map((key, i) => [key, values[i] ?? '']));
        stats.set(`${record.pxname}/${record.svname}`, record);
      }
      resolve(stats);
    });
  });
}

/** h2load's durations ("89us", "2.72ms", "1.02s") in ms. */
export function ms(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value);
  if (!m) throw new Error(`not an h2load duration: ${value}`);
  return Math.round(Number(m[1]) * { us: 1, ms: 1000, s: 1_000_000 }[m[2] as 'us' | 'ms' | 's']) / 1000;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
