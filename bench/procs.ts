// The benchmark's child processes: servers that announce "port N" on stdout,
// and tools (load generators) that print their result and exit. Every child
// is tracked and killed when the benchmark ends, fails or is interrupted;
// servers get BENCH_PARENT=1, so they also exit when their stdin ends (we are
// gone), and every tool runs under a timeout.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { LoadResult } from './loadgen-result.js';
import { onCpu, TOOLS } from './measure.js';

const children = new Set<ChildProcess>();

/** Tracks a child of our own making: killed with the others. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGKILLs every child still running and waits (at most 2 s) until they are reaped. */
export function killAll(): Promise<void> {
  const exits = [...children].map(
    (child) =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  return Promise.race([Promise.all(exits).then(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
}

process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void killAll().then(() => process.exit(130));
  });
}

export interface Server {
  label: string;
  child: ChildProcess;
  pid: number;
  port: number;
  /** Everything it printed so far. */
  out(): string;
}

export interface StartOptions {
  /** The CPU to pin it to (none: unpinned). */
  cpu?: number;
  /** How long it may take to announce its port, ms (default 20 s). */
  timeoutMs?: number;
}

/** Starts a server program and resolves once it printed "port N". */
export function startServer(label: string, command: string[], options: StartOptions = {}): Promise<Server> {
  const [cmd, ...args] = onCpu(options.cpu, command);
  const child = track(spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, BENCH_PARENT: '1' } }));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label}: no "port N" within ${options.timeoutMs ?? 20000} ms`));
    }, options.timeoutMs ?? 20000);
    const onData = () => {
      const m = /port (\d+)/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({ label, child, pid: child.pid!, port: Number(m[1]), out: () => out });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited early (${signal ?? code})`));
    });
  });
}

/** Writes a line to the server's stdin and resolves with the first match of `pattern` it prints after. */
export function ask(server: Server, pattern: RegExp, timeoutMs = 5000): Promise<RegExpExecArray> {
  const from = server.out().length;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.child.stdout!.off('data', onData);
      reject(new Error(`${server.label} did not answer ${pattern}`));
    }, timeoutMs);
    const onData = () => {
      const m = pattern.exec(server.out().slice(from));
      if (m === null) return;
      clearTimeout(timer);
      server.child.stdout!.off('data', onData);
      resolve(m);
    };
    server.child.stdout!.on('data', onData);
    server.child.stdin!.write('\n');
  });
}

/** SIGTERM, then SIGKILL if it has not exited within 3 s. */
export function stopServer(server: Server): Promise<void> {
  const child = server.child;
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (SIGKILL after `timeoutMs`), pinned to `cpu` if given. */
export function runTool(command: string[], timeoutMs: number, cpu?: number): Promise<ToolResult> {
  const [cmd, ...args] = onCpu(cpu, command);
  const child = track(spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The C load generator: new TCP connections, `concurrency` in flight, for `seconds`. */
export async function loadgen(port: number, concurrency: number, seconds: number, cpu?: number): Promise<LoadResult> {
  const command = [join(TOOLS, 'loadgen'), '-p', String(port), '-c', String(concurrency), '-d', String(seconds)];
  const r = await runTool(command, (seconds + 30) * 1000, cpu);
  if (r.code !== 0) throw new Error(`loadgen failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as LoadResult;
}
