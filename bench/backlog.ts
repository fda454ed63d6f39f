// npm run bench:backlog: what the listen() backlog does to a burst of connects.
// For each backlog of a sweep, a server (bench/backlog-server.ts, pinned to
// CPU 1) listens with it and accepts slowly (one connection every
// --accept-interval ms); a C client (connect_burst, pinned to CPU 0) opens
// --clients non-blocking connects at once and times each until it completes,
// fails or --deadline passes. An accept queue that overflows makes the kernel
// drop SYNs, and the client retransmits after ~1 s: connects that took
// >= 0.9 s are counted as `retried`. Beside them, the network namespace's
// TcpExt ListenOverflows / ListenDrops deltas over the burst (system-wide:
// anything else on this machine adds to them).
// Results: a table on stdout and bench/results/backlog.{md,json,svg}.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The C programs, built by `npm run build:bench` (bench/Makefile).
const TOOLS = join(ROOT, 'bench', 'build');
const { values } = parseArgs({
  options: {
    backlogs: { type: 'string' },
    clients: { type: 'string', default: '2000' },
    'accept-interval': { type: 'string', default: '1' },
    deadline: { type: 'string', default: '10' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
  },
});

function readNumber(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

const SOMAXCONN = readNumber('/proc/sys/net/core/somaxconn');
const SYNCOOKIES = readNumber('/proc/sys/net/ipv4/tcp_syncookies');
const SYN_LINEAR = readNumber('/proc/sys/net/ipv4/tcp_syn_linear_timeouts');
const CLIENTS = Number(values.clients);
const INTERVAL = Number(values['accept-interval']);
const DEADLINE = Number(values.deadline);
const BACKLOGS = values.backlogs
  ? values.backlogs.split(',').map((s) => Number(s.trim()))
  : [...new Set([1, 8, 32, 128, 511, 1024, 4096, ...(SOMAXCONN === undefined ? [] : [SOMAXCONN + 1])])].sort((a, b) => a - b);
if (
  !(Number.isInteger(CLIENTS) && CLIENTS > 0) ||
  !(INTERVAL >= 0) ||
  !(DEADLINE > 0) ||
  BACKLOGS.some((b) => !Number.isInteger(b) || b < 0)
) {
  console.error('usage: backlog.js [--backlogs 1,8,128] [--clients 2000] [--accept-interval 1] [--deadline 10] [--out DIR]');
  process.exit(2);
}

const pin = availableParallelism() >= 2 && spawnSync('sh', ['-c', 'command -v taskset']).status === 0;
const onCpu = (cpu: number, command: string[]): string[] => (pin ? ['taskset', '-c', String(cpu), ...command] : command);

// ---- /proc/net/netstat: TcpExt counters of this network namespace ----

const COUNTERS = ['ListenOverflows', 'ListenDrops', 'SyncookiesSent', 'TCPReqQFullDoCookies', 'TCPReqQFullDrop'] as const;
type Counters = Partial<Record<(typeof COUNTERS)[number], number>>;

function tcpExt(): Counters {
  let text: string;
  try {
    text = readFileSync('/proc/net/netstat', 'utf8');
  } catch {
    return {};
  }
  const lines = text.split('\n').filter((l) => l.startsWith('TcpExt: '));
  if (lines.length < 2) return {};
  const names = lines[0]!.split(/\s+/).slice(1);
  const numbers = lines[1]!.split(/\s+/).slice(1);
  const out: Counters = {};
  for (const name of COUNTERS) {
    const i = names.indexOf(name);
    if (i >= 0) out[name] = Number(numbers[i]);
  }
  return out;
}

function delta(before: Counters, after: Counters): Counters {
  const out: Counters = {};
  for (const name of COUNTERS) {
    const a = after[name];
    const b = before[name];
    if (a !== undefined && b !== undefined) out[name] = a - b;
  }
  return out;
}

// ---- processes ----

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGKILLs every child still running and waits (at most 2 s) until they are reaped. */
function killAll(): Promise<void> {
  const exits = [...children].map(
    (child) =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  return Promise.race([Promise.all(exits).then(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
}

interface Server {
  child: ChildProcess;
  port: number;
  limit: number;
  out: () => string;
}

interface ServerSide {
  accepted: number;
  queued: number;
  peakQueue: number;
}

/** Asks the server what it accepted so far and what waits in its accept queue. */
function askServer(server: Server): Promise<ServerSide> {
  const from = server.out().length;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('backlog-server did not answer')), 5000);
    const onData = () => {
      const m = /accepted (\d+) queued (\d+) peak-queue (\d+)/.exec(server.out().slice(from));
      if (!m) return;
      clearTimeout(timer);
      server.child.stdout!.off('data', onData);
      resolve({ accepted: Number(m[1]), queued: Number(m[2]), peakQueue: Number(m[3]) });
    };
    server.child.stdout!.on('data', onData);
    server.child.stdin!.write('\n');
  });
}

/** Request sockets (SYN-RECV) of the listener on 127.0.0.1:port, from /proc/net/tcp. */
function synRecv(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let count = 0;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1]?.endsWith(hex) && f[3] === '03') count++;
  }
  return count;
}

function startServer(backlog: number): Promise<Server> {
  const [cmd, ...args] = onCpu(1, [
    process.execPath,
    join(ROOT, 'dist', 'bench', 'backlog-server.js'),
    '--backlog',
    String(backlog),
    '--accept-interval',
    String(INTERVAL),
  ]);
  const child = track(spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'inherit'] }));
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const port = /port (\d+)/.exec(out);
      const limit = /limit (\d+)/.exec(out);
      if (port && limit) resolve({ child, port: Number(port[1]), limit: Number(limit[1]), out: () => out });
    });
    child.once('exit', (code, signal) => reject(new Error(`backlog-server (backlog ${backlog}) exited early (${signal ?? code})`)));
  });
}

/** SIGTERM, then SIGKILL if it has not exited within 3 s. */
function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return resolve();
    const timer = setTimeout(() => server.child.kill('SIGKILL'), 3000);
    server.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    server.child.kill('SIGTERM');
  });
}

interface BurstResult {
  clients: number;
  completed: number;
  failed: number;
  timedOut: number;
  p50us: number | null;
  p99us: number | null;
  maxus: number | null;
  retried: number;
  retries: [number, number, number, number];
  synRetransmitted: number;
  errors: Record<string, number>;
  openUs: number;
  seconds: number;
}

interface Burst {
  /** The client's report; its connections stay open until release(). */
  result: Promise<BurstResult>;
  release: () => Promise<void>;
}

function burst(port: number): Burst {
  const [cmd, ...args] = onCpu(0, [join(TOOLS, 'connect_burst'), '-p', String(port), '-n', String(CLIENTS), '-d', String(DEADLINE), '-w']);
  const child = track(spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), (DEADLINE + 30) * 1000);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    }),
  );
  const result = new Promise<BurstResult>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out) as BurstResult);
    });
    child.once('exit', (code, signal) => reject(new Error(`connect_burst failed (${signal ?? code}): ${err.trim()}`)));
  });
  return {
    result,
    release: () => {
      child.stdin!.end();
      return exited;
    },
  };
}

// ---- progress on stderr ----

function bar(step: number, total: number, text: string): void {
  const width = 24;
  const filled = Math.round((width * step) / total);
  const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${step}/${total} ${text}`;
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
  else process.stderr.write(`${line}\n`);
}

// ---- the sweep ----

interface Row {
  backlog: number;
  applied: number;
  burst: BurstResult;
  counters: Counters;
  server: ServerSide;
  synRecv: number;
}

async function measure(backlog: number, step: number): Promise<Row> {
  const server = await startServer(backlog);
  const started = Date.now();
  const tick = process.stderr.isTTY
    ? setInterval(
        () =>
          bar(step, BACKLOGS.length, `backlog ${backlog}: burst of ${CLIENTS} connects… ${((Date.now() - started) / 1000).toFixed(0)} s`),
        500,
      )
    : undefined;
  let client: Burst | undefined;
  try {
    const before = tcpExt();
    client = burst(server.port);
    const result = await client.result;
    // The client is done but still holds its connections: look at the server's side now.
    const counters = delta(before, tcpExt());
    const half = synRecv(server.port);
    const side = await askServer(server);
    return { backlog, applied: server.limit, burst: result, counters, server: side, synRecv: half };
  } finally {
    clearInterval(tick);
    await client?.release();
    await stopServer(server);
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const [i, backlog] of BACKLOGS.entries()) {
    bar(i, BACKLOGS.length, `backlog ${backlog}: burst of ${CLIENTS} connects…`);
    rows.push(await measure(backlog, i));
  }
  bar(BACKLOGS.length, BACKLOGS.length, 'done');
  if (process.stderr.isTTY) process.stderr.write('\n');
  report(rows);
}

// ---- report ----

/** Connects the client saw complete that the server holds nothing for (SYN cookie, ACK dropped at a full queue). */
const noState = (r: Row): number => Math.max(0, r.burst.completed - r.server.accepted - r.server.queued - r.synRecv);
const ms = (us: number | null): string => (us === null ? '–' : (us / 1000).toFixed(us < 10000 ? 2 : 0));
const num = (n: number | undefined): string => (n === undefined ? 'n/a' : String(n));

function report(rows: Row[]): void {
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    `Connect burst against a slow acceptor: ${CLIENTS} non-blocking connects to 127.0.0.1 at once, one accept every ${INTERVAL} ms, deadline ${DEADLINE} s;`,
    `Node ${process.version}, Linux ${release()}, somaxconn ${num(SOMAXCONN)}, tcp_syncookies ${num(SYNCOOKIES)}, tcp_syn_linear_timeouts ${num(SYN_LINEAR)}, ${pin ? 'server on CPU 1, client on CPU 0' : 'no CPU pinning (taskset or a 2nd CPU missing)'}; ${date}.`,
    '',
    '| backlog requested | applied | completed | failed | timed out | retried (≥0.9 s) | p50 ms | p99 ms | ListenOverflows Δ | ListenDrops Δ |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const b = r.burst;
      return `| ${r.backlog} | ${r.applied} | ${b.completed} | ${b.failed} | ${b.timedOut} | ${b.retried} | ${ms(b.p50us)} | ${ms(b.p99us)} | ${num(r.counters.ListenOverflows)} | ${num(r.counters.ListenDrops)} |`;
    }),
    '',
    '`applied` is `queue().limit` (the kernel clamps the backlog to somaxconn). Latencies are over completed connects;',
    '`retried` counts completed connects that took ≥ 0.9 s (a dropped SYN is retransmitted after ~1 s, then every 1 s',
    'up to tcp_syn_linear_timeouts times on Linux ≥ 6.5, doubling otherwise); backlog.json has their SYN retransmissions from TCP_INFO.',
    'ListenOverflows / ListenDrops are deltas of the whole network namespace over each burst: other traffic on this machine adds to them.',
    '',
    "The server's side, read when the client is done but still holds its connections (a connect the client saw complete is",
    'accepted, in the accept queue, a SYN-RECV request whose ACK was dropped at a full queue, or nothing at all: with SYN',
    'cookies the server keeps no state, and a dropped cookie ACK leaves a connection only the client believes in):',
    '',
    '| backlog requested | client: connected | server: accepted | in accept queue | SYN-RECV | no server state | peak queue seen | SyncookiesSent Δ |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.backlog} | ${r.burst.completed} | ${r.server.accepted} | ${r.server.queued} | ${r.synRecv} | ${noState(r)} | ${r.server.peakQueue} | ${num(r.counters.SyncookiesSent)} |`,
    ),
  ];
  const text = lines.join('\n');
  console.log(text);
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(join(values.out!, 'backlog.md'), `${text}\n`);
  const json = {
    date,
    node: process.version,
    kernel: release(),
    somaxconn: SOMAXCONN ?? null,
    tcpSyncookies: SYNCOOKIES ?? null,
    tcpSynLinearTimeouts: SYN_LINEAR ?? null,
    pinned: pin,
    clients: CLIENTS,
    acceptIntervalMs: INTERVAL,
    deadlineSeconds: DEADLINE,
    rows: rows.map((r) => ({
      backlogRequested: r.backlog,
      backlogApplied: r.applied,
      ...r.burst,
      serverAccepted: r.server.accepted,
      serverQueued: r.server.queued,
      serverPeakQueue: r.server.peakQueue,
      serverSynRecv: r.synRecv,
      noServerState: noState(r),
      netstatDelta: r.counters,
    })),
  };
  writeFileSync(join(values.out!, 'backlog.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(values.out!, 'backlog.svg'), svg(rows));
}

// ---- the chart: hand-written SVG, no dependencies ----

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** A round axis maximum ≥ x: 1, 2, 2.5, 5 × 10^k. */
function niceMax(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

function svg(rows: Row[]): string {
  const W = 860;
  const H = 500;
  const left = 80;
  const right = 90;
  const top = 70;
  const bottom = 110;
  const pw = W - left - right;
  const ph = H - top - bottom;
  // x: log10 of the backlog; a backlog of 0 is drawn at 0.5.
  const lx = (b: number): number => Math.log10(Math.max(b, 0.5));
  const xs = rows.map((r) => lx(r.backlog));
  const lo = Math.min(...xs) - 0.15;
  const hi = Math.max(...xs) + 0.15;
  const X = (b: number): number => left + ((lx(b) - lo) / (hi - lo)) * pw;
  const p99s = rows.map((r) => (r.burst.p99us === null ? null : r.burst.p99us / 1000));
  const yMax = niceMax(Math.max(1, ...p99s.filter((v): v is number => v !== null)));
  const Y = (v: number): number => top + ph - (v / yMax) * ph;
  const counts = rows.map((r) => r.burst.retried + r.burst.timedOut);
  const cMax = niceMax(Math.max(1, ...counts));
  const C = (v: number): number => top + ph - (v / cMax) * ph;

  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="26" text-anchor="middle" font-size="16" font-weight="bold">Connect burst vs listen() backlog</text>`);
  out.push(
    `<text x="${W / 2}" y="46" text-anchor="middle" fill="#555">${esc(`${CLIENTS} connects at once, one accept every ${INTERVAL} ms, deadline ${DEADLINE} s · somaxconn ${num(SOMAXCONN)} · Node ${process.version}, Linux ${release()}`)}</text>`,
  );

  // Grid and left axis (p99 ms).
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5;
    const y = Y(v);
    out.push(`<line x1="${left}" y1="${y.toFixed(1)}" x2="${left + pw}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 8}" y="${(y + 4).toFixed(1)}" text-anchor="end" fill="#1f77b4">${fmt(v)}</text>`);
    const c = (cMax * i) / 5;
    out.push(`<text x="${left + pw + 8}" y="${(C(c) + 4).toFixed(1)}" text-anchor="start" fill="#c0504d">${fmt(c)}</text>`);
  }
  // Decades, faint, so the log scale reads as one.
  for (let d = Math.ceil(lo); d <= Math.floor(hi); d++) {
    const x = left + ((d - lo) / (hi - lo)) * pw;
    out.push(`<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${top + ph}" stroke="#eeeeee" stroke-dasharray="3,3"/>`);
  }
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${left + pw}" y1="${top}" x2="${left + pw}" y2="${top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="#333"/>`);
  out.push(`<text transform="translate(22 ${top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#1f77b4">p99 connect time (ms)</text>`);
  out.push(
    `<text transform="translate(${W - 20} ${top + ph / 2}) rotate(90)" text-anchor="middle" fill="#c0504d">connections retried (≥0.9 s) / timed out</text>`,
  );

  // Bars: retried, timed out stacked on top; dodged apart where backlogs nearly coincide (e.g. 4096 and 4097).
  const barW = 16;
  const barX: number[] = [];
  for (const [i, r] of rows.entries()) {
    let x = X(r.backlog) - barW / 2;
    if (i > 0 && x < barX[i - 1]! + barW + 2) x = barX[i - 1]! + barW + 2;
    barX.push(x);
  }
  for (const [i, r] of rows.entries()) {
    const retried = r.burst.retried;
    const timedOut = r.burst.timedOut;
    const x = barX[i]!.toFixed(1);
    if (retried > 0)
      out.push(
        `<rect x="${x}" y="${C(retried).toFixed(1)}" width="${barW}" height="${(C(0) - C(retried)).toFixed(1)}" fill="#f28e2b" fill-opacity="0.75"><title>backlog ${r.backlog}: ${retried} retried</title></rect>`,
      );
    if (timedOut > 0)
      out.push(
        `<rect x="${x}" y="${C(retried + timedOut).toFixed(1)}" width="${barW}" height="${(C(retried) - C(retried + timedOut)).toFixed(1)}" fill="#c0504d" fill-opacity="0.75"><title>backlog ${r.backlog}: ${timedOut} timed out</title></rect>`,
      );
  }

  // The p99 line with its points and values.
  const pts = rows.map((r, i) => ({ x: X(r.backlog), v: p99s[i] })).filter((p): p is { x: number; v: number } => p.v !== null);
  if (pts.length > 1)
    out.push(
      `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${pts.map((p) => `${p.x.toFixed(1)},${Y(p.v).toFixed(1)}`).join(' ')}"/>`,
    );
  let lastLabelX = -Infinity;
  for (const [i, r] of rows.entries()) {
    const v = p99s[i];
    const x = X(r.backlog);
    if (v === null) {
      out.push(`<text x="${x.toFixed(1)}" y="${(top + ph - 6).toFixed(1)}" text-anchor="middle" fill="#1f77b4">n/a</text>`);
      continue;
    }
    out.push(
      `<circle cx="${x.toFixed(1)}" cy="${Y(v).toFixed(1)}" r="4" fill="#1f77b4"><title>backlog ${r.backlog}: p99 ${v.toFixed(2)} ms</title></circle>`,
    );
    if (x - lastLabelX > 40) {
      out.push(
        `<text x="${x.toFixed(1)}" y="${(Y(v) - 9).toFixed(1)}" text-anchor="middle" font-size="11" fill="#1f77b4" stroke="#ffffff" stroke-width="3" paint-order="stroke">${v >= 100 ? v.toFixed(0) : v.toFixed(1)}</text>`,
      );
      lastLabelX = x;
    }
  }

  // x tick labels at each measured backlog (a second row where two nearly coincide).
  let lastTickX = -Infinity;
  let row = 0;
  for (const r of rows) {
    const x = X(r.backlog);
    row = x - lastTickX < 34 ? 1 - row : 0;
    lastTickX = x;
    const y = top + ph + 18 + row * 15;
    out.push(`<line x1="${x.toFixed(1)}" y1="${top + ph}" x2="${x.toFixed(1)}" y2="${top + ph + 5}" stroke="#333"/>`);
    const label = r.applied !== r.backlog ? `${r.backlog} (→${r.applied})` : String(r.backlog);
    out.push(`<text x="${x.toFixed(1)}" y="${y}" text-anchor="middle">${esc(label)}</text>`);
  }
  out.push(
    `<text x="${left + pw / 2}" y="${top + ph + 52}" text-anchor="middle">listen() backlog requested (log scale; → the kernel's clamp)</text>`,
  );

  // Legend.
  const ly = H - 28;
  out.push(
    `<line x1="${left}" y1="${ly}" x2="${left + 24}" y2="${ly}" stroke="#1f77b4" stroke-width="2"/><circle cx="${left + 12}" cy="${ly}" r="4" fill="#1f77b4"/>`,
  );
  out.push(`<text x="${left + 30}" y="${ly + 4}">p99 connect time, completed connects (left axis)</text>`);
  out.push(
    `<rect x="${left + 330}" y="${ly - 6}" width="12" height="12" fill="#f28e2b" fill-opacity="0.75"/><text x="${left + 348}" y="${ly + 4}">retried ≥0.9 s (right axis)</text>`,
  );
  out.push(
    `<rect x="${left + 520}" y="${ly - 6}" width="12" height="12" fill="#c0504d" fill-opacity="0.75"/><text x="${left + 538}" y="${ly + 4}">timed out (stacked)</text>`,
  );
  out.push(`</svg>`);
  return `${out.join('\n')}\n`;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void killAll().then(() => process.exit(130));
  });
}

main().catch(async (error: unknown) => {
  await killAll();
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.error(error);
  process.exitCode = 1;
});
