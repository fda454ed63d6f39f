// Real peers for tests: node:net clients, external tools, child processes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Connects, reads until the server closes, resolves with everything read. */
export function fetchLine(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ port, host });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from ${host}:${port} in ${timeoutMs} ms`)));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
  });
}

/** Connects to a tcp port or a unix path and resolves with everything read until the server closes. */
export function readAll(target: { port: number; host: string } | { path: string }, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = net.connect(target);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    socket.on('data', (d) => (text += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

/** Opens a connection and resolves once it is established (the kernel completed it). */
export function connectOnly(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host }, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** A port nothing listens on now on 127.0.0.1 (the kernel's pick, released): for peers that need a number in their config. */
export async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Runs a command to completion with a hard deadline; resolves with its output. */
export function run(
  cmd: string,
  args: string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // A command that exits without reading its stdin (ss) makes this write EPIPE: not an error here.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a fixture script in a fresh `node` (its own fd table), with extra node flags (and its own environment). */
export function runFixture(name: string, args: string[] = [], nodeFlags: string[] = [], timeoutMs?: number, env?: NodeJS.ProcessEnv) {
  const script = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  return run(process.execPath, [...nodeFlags, script, ...args], { timeoutMs, env });
}

/** Starts a long-running child and resolves with its first stdout line matching `ready`. */
export function startChild(
  cmd: string,
  args: string[],
  ready: RegExp,
  timeoutMs = 10_000,
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not print ${ready} within ${timeoutMs} ms; got: ${out}`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const match = out.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.on('error', reject);
  });
}

/** `ss -Hltn` row for a local port: Recv-Q is the queue length, Send-Q the backlog. */
export function ssListen(port: number, ipv6 = false): { recvQ: number; sendQ: number } | undefined {
  const out = spawnSync('ss', ['-Hltn', ipv6 ? '-6' : '-4', `sport = :${port}`], { encoding: 'utf8' }).stdout;
  const line = out.split('\n').find((l) => l.trim() !== '');
  if (line === undefined) return undefined;
  const [, recvQ, sendQ] = line.trim().split(/\s+/);
  return { recvQ: Number(recvQ), sendQ: Number(sendQ) };
}

/** `ss -Htn` Recv-Q of the established TCP connection on 127.0.0.1 from local port `local` to peer port `peer`: bytes the kernel holds unread. */
export function ssRecvQ(local: number, peer: number): number | undefined {
  const out = spawnSync('ss', ['-Htn', 'state', 'established', `( sport = :${local} and dport = :${peer} )`], { encoding: 'utf8' }).stdout;
  const line = out.split('\n').find((l) => l.trim() !== '');
  return line === undefined ? undefined : Number(line.trim().split(/\s+/)[0]);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns true or the deadline passes: a wait for a
 * condition, never a fixed pause before an assertion. The deadline only
 * bounds a failing test.
 */
export async function waitFor(probe: () => boolean, deadlineMs = 10_000): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (!probe()) {
    if (Date.now() > end) return false;
    await sleep(10);
  }
  return true;
}
