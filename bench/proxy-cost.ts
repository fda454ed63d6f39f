// npm run bench:proxy: what the PROXY protocol costs a connection (issue 16).
// The same `for await` server (bench/proxy-servers.ts) five ways, each in its
// own process pinned to CPU 1, under the same C load generator on CPU 0:
//   (a) no options                           loadgen sends nothing
//   (b) proxyProtocol                        loadgen sends a v1 header
//   (c) proxyProtocol                        loadgen sends a v2 header
//   (d) proxyProtocol + maxConnectionsPerSource (nothing refused), v2 header
//   (e) no options, the library as it was before proxyProtocol existed
//       (--before-rev, built once into --before-dir)
// Interleaved: every round runs each server once at N in flight and once at
// 1 in flight, in a rotated order. Main figure: server CPU (utime + stime
// from /proc/<pid>/stat, all threads) per connection, as a ratio to (a), per
// round (min–max) and over all rounds. (e) vs (a) says whether a server
// without the options pays anything for them.
//   node dist/bench/proxy-cost.js [--rounds 3] [--seconds 3] [--serial-seconds 2] [--concurrency 64]
//     [--before-rev a2c36a2] [--before-dir /tmp/sss-before] [--git REPO] [--variants abcde] [--out bench/results]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareBefore } from './build-before.js';
import { CLK_TCK, commitOf, cpuBusyNs, cpuNs, onCpu, pinned as pin, progress, ROOT, SERVERS as DIST_BENCH, TOOLS } from './measure.js';
import { rowsOf, sum, table, type Sample, type Variant } from './proxy-summary.js';
import type { LoadResult } from './loadgen-result.js';

const SERVERS = join(DIST_BENCH, 'proxy-servers.js');

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '3' },
    'serial-seconds': { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '64' },
    /** Which servers, by letter ((a) always runs: it is the base). */
    variants: { type: 'string', default: 'abcde' },
    'before-rev': { type: 'string', default: 'a2c36a2' },
    'before-dir': { type: 'string', default: '/tmp/sss-before' },
    /** The repository holding --before-rev (default: this checkout). */
    git: { type: 'string', default: ROOT },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const SERIAL_SECONDS = Number(values['serial-seconds']);
const CONCURRENCY = Number(values.concurrency);
const BEFORE_REV = values['before-rev']!;
const BEFORE_DIR = values['before-dir']!;
const GIT = values.git!;

// ---- servers ----

function start(v: Variant): Promise<void> {
  const args = [SERVERS, v.mode, ...(v.lib === undefined ? [] : ['--lib', v.lib])];
  const [cmd, ...rest] = onCpu(1, [process.execPath, ...args]);
  const child = spawn(cmd!, rest, { stdio: ['pipe', 'pipe', 'inherit'] });
  v.child = child;
  child.stdout!.on('data', (d: Buffer) => (v.out += d));
  return new Promise((resolve, reject) => {
    const onData = () => {
      const m = /port (\d+)/.exec(v.out);
      if (m === null) return;
      v.port = Number(m[1]);
      child.stdout!.off('data', onData);
      resolve();
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${v.label} exited (${code})`)));
  });
}

/** The server's own count: served, accepted, and what its gate read and refused. */
function statsOf(v: Variant): Promise<Record<string, unknown>> {
  const from = v.out.length;
  return new Promise((resolve) => {
    const onData = () => {
      const m = /stats (\{.*\})\n/.exec(v.out.slice(from));
      if (m === null) return;
      v.child!.stdout!.off('data', onData);
      resolve(JSON.parse(m[1]!) as Record<string, unknown>);
    };
    v.child!.stdout!.on('data', onData);
    v.child!.stdin!.write('\n');
  });
}

/** utime, stime (ms) of the whole process, from /proc/<pid>/stat. */
function times(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 (state) on
  return { user: (Number(fields[11]) * 1000) / CLK_TCK, sys: (Number(fields[12]) * 1000) / CLK_TCK };
}

/** CPU time of every thread of `pid` (schedstat), ms. */
const schedMs = (pid: number): number => cpuNs(pid) / 1e6;

/** Busy time of CPU `cpu` (all processes, interrupts), ms. */
const cpuBusyMs = (cpu: number): number => cpuBusyNs(cpu) / 1e6;

function load(v: Variant, concurrency: number, seconds: number, round: number): Sample {
  const pid = v.child!.pid!;
  const header = v.header === undefined ? [] : ['-P', String(v.header)];
  const [cmd, ...args] = onCpu(0, [
    join(TOOLS, 'loadgen'),
    '-p',
    String(v.port),
    '-c',
    String(concurrency),
    '-d',
    String(seconds),
    ...header,
  ]);
  const t0 = times(pid);
  const s0 = schedMs(pid);
  const b0 = cpuBusyMs(1);
  const r = spawnSync(cmd!, args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  const t1 = times(pid);
  const s1 = schedMs(pid);
  const b1 = cpuBusyMs(1);
  if (r.status !== 0) throw new Error(`loadgen failed: ${r.stderr}`);
  const result = JSON.parse(r.stdout) as LoadResult;
  const errors = result.ioErrors + result.connectErrors;
  if (errors > 0) console.error(`\n${v.label}: ${result.ioErrors} io / ${result.connectErrors} connect errors`);
  return {
    round,
    connections: result.connections,
    seconds: result.seconds,
    connPerSec: result.connPerSec,
    p50us: result.p50us,
    p99us: result.p99us,
    errors,
    userMs: t1.user - t0.user,
    sysMs: t1.sys - t0.sys,
    cpuMs: t1.user + t1.sys - t0.user - t0.sys,
    schedMs: s1 - s0,
    othersPct: pin ? (100 * Math.max(0, b1 - b0 - (s1 - s0))) / (result.seconds * 1000) : NaN,
    ...(result.headersLater !== undefined && { headersLater: result.headersLater }),
  };
}

// ---- the run ----

const variants: Variant[] = [
  { key: 'plain', label: '(a) for await, no options', mode: 'plain' },
  { key: 'proxy-v1', label: '(b) proxyProtocol, v1 headers', mode: 'proxy', header: 1 as const },
  { key: 'proxy-v2', label: '(c) proxyProtocol, v2 headers', mode: 'proxy', header: 2 as const },
  { key: 'proxy-v2-limit', label: '(d) proxyProtocol + maxConnectionsPerSource, v2', mode: 'proxy-limit', header: 2 as const },
  { key: 'before', label: `(e) for await, no options, before (${BEFORE_REV})`, mode: 'plain' },
].map((v) => ({ ...v, out: '', many: [], one: [] }));

async function main(): Promise<void> {
  const began = Date.now();
  const before = values.variants!.includes('e') ? prepareBefore({ rev: BEFORE_REV, dir: BEFORE_DIR, git: GIT, progress }) : undefined;
  const chosen = variants.filter((v) => v.label[1] === 'a' || values.variants!.includes(v.label[1]!));
  const running = before === undefined ? chosen.filter((v) => v.key !== 'before') : chosen;
  if (before !== undefined) running.find((v) => v.key === 'before')!.lib = before;
  for (const v of running) await start(v);
  progress('warm-up');
  for (const v of running) {
    load(v, CONCURRENCY, 0.5, 0);
    load(v, 1, 0.3, 0);
  }
  const at0 = new Map<Variant, Record<string, unknown>>();
  for (const v of running) at0.set(v, await statsOf(v));
  for (let round = 1; round <= ROUNDS; round++) {
    // Rotated: no server always runs first (or right after the same one).
    const order = running.map((_, i) => running[(i + round - 1) % running.length]!);
    for (const v of order) {
      progress(`round ${round}/${ROUNDS}: ${v.label}, ${CONCURRENCY} in flight`);
      v.many.push(load(v, CONCURRENCY, SECONDS, round));
      progress(`round ${round}/${ROUNDS}: ${v.label}, 1 in flight`);
      v.one.push(load(v, 1, SERIAL_SECONDS, round));
    }
  }
  for (const v of running) {
    const end = await statsOf(v);
    const start0 = at0.get(v)!;
    v.stats = { ...end, servedInRounds: (end.served as number) - (start0.served as number) };
    v.child!.kill('SIGTERM');
  }
  progress('');
  report(running, (Date.now() - began) / 1000);
}

/** The commit measured as (a)–(d), and whether lib/ or native/ had uncommitted changes. */
const measured = (): string => commitOf(GIT);

function report(running: Variant[], wall: number): void {
  const many = rowsOf(running, (v) => v.many);
  const one = rowsOf(running, (v) => v.one);
  const headerNotes = running
    .filter((v) => v.header !== undefined)
    .map((v) => {
      const proxy = v.stats!.proxy as { read: number; dropped: Record<string, number> } | undefined;
      const dropped = proxy === undefined ? 0 : sum(Object.values(proxy.dropped));
      const later = sum([...v.many, ...v.one].map((s) => s.headersLater ?? 0));
      const sent = sum([...v.many, ...v.one].map((s) => s.connections));
      return `${v.label.slice(0, 3)}: ${proxy?.read ?? 0} headers read (warm-up included), ${dropped} dropped; ${later} of ${sent} headers waited for the handshake in the client`;
    });
  const lines = [
    `PROXY protocol cost: new TCP connections (connect, [send the header,] read one line, close), the same \`for await\` server ${running.length} ways;`,
    `${ROUNDS} rounds, each server once per round for ${SECONDS} s at ${CONCURRENCY} in flight and ${SERIAL_SECONDS} s at 1 in flight, order rotated;`,
    `Node ${process.version}, ${pin ? 'servers on CPU 1, load generator on CPU 0' : 'no CPU pinning (taskset or a 2nd CPU missing)'}; ${new Date().toISOString().slice(0, 10)}; ${Math.round(wall)} s in all.`,
    `Library: ${measured()} for (a)–(d)${running.some((v) => v.key === 'before') ? `; ${BEFORE_REV} for (e)` : ''}.`,
    `CPU: the server process's utime + stime (/proc/<pid>/stat, all threads) over the run, per connection the load generator completed.`,
    `Ratios to (a): of the totals over all rounds; then the median, lowest and highest of the per-round ratios (each against (a) of the same round).`,
    `Schedstat: the same CPU figure from the scheduler's ns counters, as a cross-check. Others on CPU 1: what else ran on the servers' CPU during the runs (other processes, interrupts), % of the time: the noise gauge.`,
    '',
    `${CONCURRENCY} in flight (the server's CPU is the limit):`,
    '',
    ...table(many),
    '',
    '1 in flight (latency-bound; the server idles between connections):',
    '',
    ...table(one),
    '',
    ...headerNotes.map((n) => `- ${n}`),
  ];
  console.log(lines.join('\n'));
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(join(values.out!, 'proxy-cost.md'), `${lines.join('\n')}\n`);
  const json = {
    node: process.version,
    date: new Date().toISOString(),
    pinned: pin,
    rounds: ROUNDS,
    seconds: SECONDS,
    serialSeconds: SERIAL_SECONDS,
    concurrency: CONCURRENCY,
    before: BEFORE_REV,
    library: measured(),
    wallSeconds: wall,
    inFlight: { [CONCURRENCY]: many, 1: one },
    samples: Object.fromEntries(running.map((v) => [v.key, { many: v.many, one: v.one, server: v.stats }])),
  };
  writeFileSync(join(values.out!, 'proxy-cost.json'), `${JSON.stringify(json, null, 2)}\n`);
}

main().catch((error: unknown) => {
  for (const v of variants) v.child?.kill('SIGKILL');
  console.error(error);
  process.exitCode = 1;
});
