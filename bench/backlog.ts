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
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { backlogChart } from './backlog-chart.js';
import { delta, readNumber, synRecv, tcpExt, type Counters } from './backlog-kernel.js';
import { onCpu, pinned as pin, ROOT, SERVERS, TOOLS } from './measure.js';
import { ask, killAll, startServer, stopServer, track, type Server as Started } from './procs.js';

const { values } = parseArgs({
  options: {
    backlogs: { type: 'string' },
    clients: { type: 'string', default: '2000' },
    'accept-interval': { type: 'string', default: '1' },
    deadline: { type: 'string', default: '10' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
  },
});

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

// ---- processes ----

interface Server extends Started {
  /** The backlog the kernel applied (queue().limit). */
  limit: number;
}

interface ServerSide {
  accepted: number;
  queued: number;
  peakQueue: number;
}

/** Asks the server what it accepted so far and what waits in its accept queue. */
async function askServer(server: Server): Promise<ServerSide> {
  const m = await ask(server, /accepted (\d+) queued (\d+) peak-queue (\d+)/);
  return { accepted: Number(m[1]), queued: Number(m[2]), peakQueue: Number(m[3]) };
}

async function startBacklogServer(backlog: number): Promise<Server> {
  const command = [
    process.execPath,
    join(SERVERS, 'backlog-server.js'),
    '--backlog',
    String(backlog),
    '--accept-interval',
    String(INTERVAL),
  ];
  const server = await startServer(`backlog-server (backlog ${backlog})`, command, { cpu: 1 });
  return { ...server, limit: Number(/limit (\d+)/.exec(server.out())![1]) };
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
  const server = await startBacklogServer(backlog);
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
  writeFileSync(
    join(values.out!, 'backlog.svg'),
    backlogChart(
      rows.map((r) => ({
        backlog: r.backlog,
        applied: r.applied,
        p99us: r.burst.p99us,
        retried: r.burst.retried,
        timedOut: r.burst.timedOut,
      })),
      {
        subtitle: `${CLIENTS} connects at once, one accept every ${INTERVAL} ms, deadline ${DEADLINE} s · somaxconn ${num(SOMAXCONN)} · Node ${process.version}, Linux ${release()}`,
      },
    ),
  );
}

main().catch(async (error: unknown) => {
  await killAll();
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.error(error);
  process.exitCode = 1;
});
