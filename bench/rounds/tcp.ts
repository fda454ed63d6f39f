// The tcp round: new TCP connections (connect, read one line, close) against
// four servers, each pinned to CPU 1, the C load generator on CPU 0:
//   (a) our iterator → net.Socket, (b) our raw-fd loop, (c) node:net, (d) C epoll + accept4.
// `concurrency` in flight for the interleaved rounds, then 1 in flight for
// latency. Main figure: the server's CPU per 1,000 connections, × node:net.
import { join } from 'node:path';
import { interleave, measured, measuredOn, measuredWhat, peakRssKiB, progress, ratioText, SERVERS, TOOLS, median } from '../measure.js';
import { loadgen, startServer, stopServer, type Server } from '../procs.js';
import { chartOf, summarize, table, type Contender, type RoundOptions, type RoundResult, type Sample } from '../summary.js';

interface TcpSample extends Sample {
  p50us: number;
  p99us: number;
  errors: number;
}

interface TcpContender extends Contender<TcpSample> {
  command: string[];
  server?: Server;
  serial?: { p50us: number; p99us: number };
  peakRssMiB?: number;
}

const SERVER_CPU = 1;
const CLIENT_CPU = 0;

export async function tcpRound(o: RoundOptions): Promise<RoundResult> {
  const node = process.execPath;
  const servers = join(SERVERS, 'servers.js');
  const contenders: TcpContender[] = [
    { key: 'iterator', label: '(a) StreamServer iterator → net.Socket', command: [node, servers, 'iterator'] },
    { key: 'raw', label: '(b) StreamServer raw-fd loop', command: [node, servers, 'raw'] },
    { key: 'net', label: '(c) node:net server', command: [node, servers, 'net'] },
    { key: 'c', label: '(d) C epoll + accept4', command: [join(TOOLS, 'c_server')] },
  ].map((c) => ({ ...c, samples: [] }));
  try {
    for (const c of contenders) c.server = await startServer(c.label, c.command, { cpu: SERVER_CPU });
    progress('tcp: warm-up');
    for (const c of contenders) if (o.warmup > 0) await loadgen(c.server!.port, o.concurrency, o.warmup, CLIENT_CPU);
    await interleave('tcp', contenders, o.rounds, async (c, round) => {
      const m = await measured([c.server!.pid], SERVER_CPU, () => loadgen(c.server!.port, o.concurrency, o.seconds, CLIENT_CPU));
      const r = m.result;
      c.samples.push({
        round,
        units: r.connections,
        seconds: r.seconds,
        cpuNs: m.cpuNs,
        ...(m.othersPct !== undefined && { othersPct: m.othersPct }),
        p50us: r.p50us,
        p99us: r.p99us,
        errors: r.ioErrors + r.connectErrors,
      });
    });
    for (const c of contenders) {
      progress(`tcp: 1 in flight: ${c.label}`);
      const r = await loadgen(c.server!.port, 1, Math.min(o.seconds, 1), CLIENT_CPU);
      c.serial = { p50us: r.p50us, p99us: r.p99us };
      c.peakRssMiB = peakRssKiB(c.server!.pid) / 1024;
    }
  } finally {
    await Promise.all(contenders.map((c) => c.server && stopServer(c.server)));
  }
  return report(contenders, o);
}

function report(contenders: TcpContender[], o: RoundOptions): RoundResult {
  const rows = summarize(contenders, 'net');
  const cRow = rows.find((r) => r.key === 'c')!;
  const byKey = new Map(contenders.map((c) => [c.key, c]));
  const pick = (key: string, f: (s: TcpSample) => number) => median(byKey.get(key)!.samples.map(f));
  const errors = (key: string) => byKey.get(key)!.samples.reduce((n, s) => n + s.errors, 0);
  const md = [
    `New TCP connections (connect, read one line, close), ${o.concurrency} in flight, ${o.rounds} × ${o.seconds} s per server, interleaved after a ${o.warmup} s warm-up;`,
    measuredOn('servers on CPU 1, load generator on CPU 0'),
    '',
    ...table(rows, {
      unit: 'conn',
      base: 'node:net',
      extra: {
        headers: ['vs C', 'p50 µs', 'p99 µs', 'p50 µs (1 in flight)', 'p99 µs (1 in flight)', 'peak RSS MiB', 'errors'],
        cells: (r) => {
          const c = byKey.get(r.key)!;
          return [
            ratioText(r.cpuMsPer1k, cRow.cpuMsPer1k),
            String(pick(r.key, (s) => s.p50us)),
            String(pick(r.key, (s) => s.p99us)),
            String(c.serial?.p50us ?? '–'),
            String(c.serial?.p99us ?? '–'),
            c.peakRssMiB?.toFixed(1) ?? '–',
            String(errors(r.key)),
          ];
        },
      },
    }),
    '',
    '![tcp round: CPU per connection and connections/s, × node:net](tcp.svg)',
  ];
  const svg = chartOf(rows, 'net', {
    title: `tcp round: new TCP connections, ${o.concurrency} in flight`,
    subtitles: [`${o.rounds} × ${o.seconds} s per server, interleaved; servers on CPU 1, load generator on CPU 0`, measuredWhat()],
    unit: 'connections',
    base: 'node:net',
  });
  const json = {
    round: 'tcp',
    measured: measuredOn('servers on CPU 1, load generator on CPU 0'),
    concurrency: o.concurrency,
    seconds: o.seconds,
    rounds: o.rounds,
    warmup: o.warmup,
    rows,
    samples: Object.fromEntries(contenders.map((c) => [c.key, { samples: c.samples, serial: c.serial, peakRssMiB: c.peakRssMiB }])),
  };
  return { name: 'tcp', md, json, svg };
}
