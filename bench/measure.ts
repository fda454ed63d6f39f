// What every benchmark measures with, in one place: where the programs are,
// CPU pinning, the CPU time of a process (all its threads) and of a CPU, the
// progress line on stderr, the small statistics, and what was measured
// (machine, Node, commit) for the reports' headers.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout: this module runs compiled (dist/bench/measure.js), or from its source under a test runner. */
export const ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/bench/') ? '../../' : '../', import.meta.url));
/** The C programs, built by `npm run build:bench` (bench/Makefile). */
export const TOOLS = join(ROOT, 'bench', 'build');
/** The compiled server programs. */
export const SERVERS = join(ROOT, 'dist', 'bench');

/** Pinning needs two CPUs and taskset; without them every process runs unpinned. */
export const pinned = availableParallelism() >= 2 && spawnSync('sh', ['-c', 'command -v taskset']).status === 0;

/** `command` run on CPU `cpu` (taskset -c), or as is when unpinned or `cpu` is undefined. */
export function onCpu(cpu: number | undefined, command: string[]): string[] {
  return pinned && cpu !== undefined ? ['taskset', '-c', String(cpu), ...command] : command;
}

/** Moves every thread of a running process to CPU `cpu` (taskset -a -p). */
export function pinProcess(pid: number, cpu: number): void {
  if (!pinned) return;
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset -p ${pid} failed: ${r.stderr}`);
}

/** CPU time of every thread of `pid`, in ns (the first field of each schedstat); 0 for a process that is gone. */
export function cpuNs(pid: number): number {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  let total = 0;
  for (const task of tasks) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that just ended
    }
  }
  return total;
}

/** The summed CPU time of several processes, ns. */
export const cpuNsOf = (pids: number[]): number => sum(pids.map(cpuNs));

/** Clock ticks per second of /proc's times. */
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** Busy time of CPU `cpu` (every process, interrupts), ns, from /proc/stat: with a process's own time, the noise gauge. */
export function cpuBusyNs(cpu: number): number {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${cpu} `));
  if (line === undefined) return NaN;
  const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number) as number[];
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1e9) / CLK_TCK;
}

export function peakRssKiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** One line of progress on stderr (rewritten in place on a terminal). */
export function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  else if (text !== '') process.stderr.write(`${text}\n`);
}

export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
/** The middle value (the upper one of an even count). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
export const ratioText = (x: number, y: number): string => (y > 0 && Number.isFinite(x / y) ? `${(x / y).toFixed(2)}×` : 'n/a');

/**
 * The interleaved pass: after the warm-up, `rounds` times each contender once, in the
 * same order (A B C A B C …), so that a slow moment of the machine falls on all of them.
 */
export async function interleave<C extends { label: string }>(
  name: string,
  contenders: C[],
  rounds: number,
  measure: (c: C, round: number) => Promise<void>,
): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    for (const c of contenders) {
      progress(`${name} ${round}/${rounds}: ${c.label}`);
      await measure(c, round);
    }
  }
}

/** The commit measured, and whether lib/ or native/ had uncommitted changes. */
export function commitOf(git = ROOT): string {
  const head = spawnSync('git', ['-C', git, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return 'an unknown commit';
  const dirty = spawnSync('git', ['-C', git, 'status', '--porcelain', '--', 'lib', 'native'], { encoding: 'utf8' }).stdout.trim();
  return `${head.stdout.trim()}${dirty === '' ? '' : ' + uncommitted changes in lib/ or native/'}`;
}

/** "2 vCPU AMD EPYC, Linux 6.x": the machine, for the reports. */
export function machine(): string {
  return `${availableParallelism()} vCPU ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Linux ${release()}`;
}

/** What was measured, where and when: Node, machine, commit, date. */
export function measuredWhat(): string {
  return `Node ${process.version}, ${machine()}, commit ${commitOf()}, ${new Date().toISOString().slice(0, 10)}`;
}

/** The same, with how the processes were pinned. */
export function measuredOn(pinning: string): string {
  return `${measuredWhat()}; ${pinned ? pinning : 'no CPU pinning (taskset or a 2nd CPU missing)'}.`;
}

export interface Measured<T> {
  result: T;
  /** CPU time of the processes over the run, ns. */
  cpuNs: number;
  /** What else ran on their CPU meanwhile (other processes, interrupts), % of the run; when they have one CPU of their own. */
  othersPct?: number;
}

/** Runs `load` and measures what the processes `pids` (pinned to `cpu`, if one) spent meanwhile. */
export async function measured<T>(pids: number[], cpu: number | undefined, load: () => Promise<T>): Promise<Measured<T>> {
  const own = cpu !== undefined && pinned;
  const t0 = process.hrtime.bigint();
  const c0 = cpuNsOf(pids);
  const b0 = own ? cpuBusyNs(cpu) : NaN;
  const result = await load();
  const c1 = cpuNsOf(pids);
  const b1 = own ? cpuBusyNs(cpu) : NaN;
  const wall = Number(process.hrtime.bigint() - t0);
  const cpuTime = c1 - c0;
  return { result, cpuNs: cpuTime, ...(own && { othersPct: (100 * Math.max(0, b1 - b0 - cpuTime)) / wall }) };
}
