// The workers round: several processes serving one port (bench/servers/workers.ts),
// new TCP connections answered with a line, against one process of ours:
//   (a) one process of ours (the baseline), on CPU 1
//   (b) two of ours, each with its own SO_REUSEPORT listener (reusePort: true)
//   (c) the same with reusePortCpuSteering (the kernel gives each connection
//       to the listener whose index is the CPU that received it)
//   (d) node:cluster, SCHED_RR (the primary accepts, passes each connection on)
//   (e) node:cluster, SCHED_NONE (the workers accept on one shared socket)
//   (f) two node:net processes with listen({ reusePort: true }), where Node has it
// Pinning: worker i on CPU i (the first of a reusePort group, index 0, on
// CPU 0), a cluster's primary unpinned; the load: two C load generators at
// once, one on each CPU, half the connections in flight each, so that each
// CPU makes connections (on loopback the CPU that sends the SYN is the one
// that receives it: what steering keys on). Main figure: the CPU per 1,000
// connections of all the contender's processes (a primary included), × (a).
import { join } from 'node:path';
import { cpuNs, interleave, measuredOn, measuredWhat, pinProcess, progress, SERVERS, sum } from '../measure.js';
import { loadgen, startServer, stopServer, type Server } from '../procs.js';
import { chartOf, summarize, table, type Contender, type RoundOptions, type RoundResult, type Sample } from '../summary.js';

interface WorkersSample extends Sample {
  /** CPU of each process (the primary first, for a cluster), ns. */
  cpuByProcess: number[];
  errors: number;
}

interface Group {
  servers: Server[];
  pids: number[];
  port: number;
}

interface WorkersContender extends Contender<WorkersSample> {
  start(): Promise<Group>;
  group?: Group;
}

/** net.Server#listen({ reusePort }) exists from Node 22.12 and 23.1. */
export function netHasReusePort(version = process.versions.node): boolean {
  const [major, minor] = version.split('.').map(Number) as [number, number];
  return major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

const PINNING = 'worker i on CPU i, a single process on CPU 1, a cluster primary unpinned; two load generators, one on each CPU';

export async function workersRound(o: RoundOptions): Promise<RoundResult> {
  const program = join(SERVERS, 'servers', 'workers.js');
  const node = (args: string[]) => [process.execPath, program, ...args];
  /** Two processes of one SO_REUSEPORT group, the first (index 0) on CPU 0. */
  const pair = async (label: string, mode: string, flags: string[]): Promise<Group> => {
    const first = await startServer(`${label} #0`, node([mode, ...flags]), { cpu: 0 });
    const second = await startServer(`${label} #1`, node([mode, '--port', String(first.port), ...flags]), { cpu: 1 });
    return { servers: [first, second], pids: [first.pid, second.pid], port: first.port };
  };
  const cluster = async (label: string, mode: string): Promise<Group> => {
    const primary = await startServer(label, node([mode]));
    const pids = /pids ([\d ]+)/.exec(primary.out())![1]!.trim().split(' ').map(Number);
    pids.forEach((pid, i) => pinProcess(pid, i));
    return { servers: [primary], pids: [primary.pid, ...pids], port: primary.port };
  };
  const contenders: WorkersContender[] = [
    {
      key: 'one',
      label: '(a) one process of ours',
      start: async () => {
        const s = await startServer('(a)', node(['ours']), { cpu: 1 });
        return { servers: [s], pids: [s.pid], port: s.port };
      },
    },
    { key: 'reuseport', label: '(b) 2 of ours, SO_REUSEPORT', start: () => pair('(b)', 'ours', ['--reuse-port']) },
    {
      key: 'steering',
      label: '(c) 2 of ours, SO_REUSEPORT + CPU steering',
      start: () => pair('(c)', 'ours', ['--reuse-port', '--steering']),
    },
    { key: 'cluster-rr', label: '(d) node:cluster SCHED_RR, 2 workers', start: () => cluster('(d)', 'cluster-rr') },
    { key: 'cluster-none', label: '(e) node:cluster SCHED_NONE, 2 workers', start: () => cluster('(e)', 'cluster-none') },
    ...(netHasReusePort()
      ? [{ key: 'net-reuseport', label: '(f) 2 node:net processes, reusePort', start: () => pair('(f)', 'net-reuseport', []) }]
      : []),
  ].map((c) => ({ ...c, samples: [] }));
  const load = async (port: number, seconds: number) => {
    const half = Math.max(1, Math.round(o.concurrency / 2));
    const [a, b] = await Promise.all([loadgen(port, half, seconds, 0), loadgen(port, half, seconds, 1)]);
    return {
      connections: a!.connections + b!.connections,
      seconds: Math.max(a!.seconds, b!.seconds),
      errors: a!.ioErrors + a!.connectErrors + b!.ioErrors + b!.connectErrors,
    };
  };
  try {
    for (const c of contenders) c.group = await c.start();
    progress('workers: warm-up');
    for (const c of contenders) if (o.warmup > 0) await load(c.group!.port, o.warmup);
    await interleave('workers', contenders, o.rounds, async (c, round) => {
      const pids = c.group!.pids;
      const before = pids.map(cpuNs);
      const r = await load(c.group!.port, o.seconds);
      const cpuByProcess = pids.map((pid, i) => cpuNs(pid) - before[i]!);
      c.samples.push({ round, units: r.connections, seconds: r.seconds, cpuNs: sum(cpuByProcess), cpuByProcess, errors: r.errors });
    });
  } finally {
    await Promise.all(contenders.flatMap((c) => c.group?.servers.map(stopServer) ?? []));
  }
  return report(contenders, o);
}

function report(contenders: WorkersContender[], o: RoundOptions): RoundResult {
  const rows = summarize(contenders, 'one');
  const byKey = new Map(contenders.map((c) => [c.key, c]));
  /** Each process's share of the contender's CPU over all rounds: "primary / worker 0 / worker 1". */
  const split = (key: string): string => {
    const samples = byKey.get(key)!.samples;
    const per = samples[0]!.cpuByProcess.map((_, i) => sum(samples.map((s) => s.cpuByProcess[i]!)));
    const all = sum(per);
    return per.map((n) => `${Math.round((100 * n) / all)}%`).join(' / ');
  };
  const skipped = netHasReusePort()
    ? []
    : [`(f) two node:net processes with reusePort: not run, Node ${process.version} has no net reusePort (22.12+, 23.1+).`];
  const md = [
    `Several processes on one port: new TCP connections (connect, read one line, close), ${o.concurrency} in flight from two load generators (one per CPU),`,
    `${o.rounds} × ${o.seconds} s per contender, interleaved after a ${o.warmup} s warm-up; CPU summed over all the contender's processes; ${measuredOn(PINNING)}`,
    '',
    ...table(rows, {
      unit: 'conn',
      base: 'one process of ours',
      extra: {
        headers: ['CPU split (primary / workers)', 'errors'],
        cells: (r) => [split(r.key), String(sum(byKey.get(r.key)!.samples.map((s) => s.errors)))],
      },
    }),
    ...(skipped.length > 0 ? ['', ...skipped] : []),
    '',
    '![workers round: CPU per connection and connections/s, × one process](workers.svg)',
  ];
  const svg = chartOf(rows, 'one', {
    title: 'workers round: several processes on one port, new TCP connections',
    subtitles: [
      `${o.rounds} × ${o.seconds} s per contender, interleaved; worker i on CPU i, two load generators (one per CPU)`,
      measuredWhat(),
    ],
    unit: 'connections',
    base: 'one process',
    goal: { value: 1.1, label: 'goal for ours: ≤ 1.1×' },
    notes: ['CPU: all processes of the contender, a cluster primary included.', ...skipped],
  });
  const json = {
    round: 'workers',
    measured: measuredOn(PINNING),
    concurrency: o.concurrency,
    seconds: o.seconds,
    rounds: o.rounds,
    warmup: o.warmup,
    netReusePort: netHasReusePort(),
    rows,
    samples: Object.fromEntries(contenders.map((c) => [c.key, c.samples])),
  };
  return { name: 'workers', md, json, svg };
}
