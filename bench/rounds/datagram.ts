// The datagram round: a C sender (udp_blast -r) on CPU 0 offers 64-byte UDP
// datagrams at a fixed rate (--udp-rate, paced every millisecond in sendmmsg
// bursts), below what any receiver can take, to three receivers on CPU 1
// (bench/servers.ts): our `for await` of messages(), of batches(), and
// node:dgram 'message' events. All of them receive (nearly) everything, so
// the rate says little; the figure is the receiver's CPU per 1,000 messages
// received, × node:dgram, with the loss beside it.
import { join } from 'node:path';
import { interleave, measured, measuredOn, measuredWhat, progress, SERVERS, sum, TOOLS } from '../measure.js';
import { ask, runTool, startServer, stopServer, type Server } from '../procs.js';
import { chartOf, summarize, table, type Contender, type RoundOptions, type RoundResult, type Sample } from '../summary.js';

const SERVER_CPU = 1;
const CLIENT_CPU = 0;
const SIZE = 64;

interface Blast {
  sent: number;
  seconds: number;
  rate: number;
  sendErrors: number;
  lateTicks: number;
}

interface DatagramSample extends Sample {
  sent: number;
  lateTicks: number;
}

interface DatagramContender extends Contender<DatagramSample> {
  mode: string;
  server?: Server;
}

async function blast(port: number, seconds: number, rate: number): Promise<Blast> {
  const command = [join(TOOLS, 'udp_blast'), '-p', String(port), '-d', String(seconds), '-s', String(SIZE), '-r', String(rate)];
  const r = await runTool(command, (seconds + 30) * 1000, CLIENT_CPU);
  if (r.code !== 0) throw new Error(`udp_blast failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Blast;
}

const countOf = async (server: Server): Promise<number> => Number((await ask(server, /count (\d+)/))[1]);

export async function datagramRound(o: RoundOptions): Promise<RoundResult> {
  const program = join(SERVERS, 'servers.js');
  const contenders: DatagramContender[] = [
    { key: 'messages', label: '(e) DatagramServer for await of messages()', mode: 'dgram-ours' },
    { key: 'batches', label: '(e2) DatagramServer for await of batches()', mode: 'dgram-batches' },
    { key: 'node', label: "(f) node:dgram 'message' events", mode: 'dgram-node' },
  ].map((c) => ({ ...c, samples: [] }));
  try {
    for (const c of contenders) c.server = await startServer(c.label, [process.execPath, program, c.mode], { cpu: SERVER_CPU });
    progress('datagram: warm-up');
    for (const c of contenders) if (o.warmup > 0) await blast(c.server!.port, o.warmup, o.udpRate);
    await interleave('datagram', contenders, o.rounds, async (c, round) => {
      const before = await countOf(c.server!);
      const m = await measured([c.server!.pid], SERVER_CPU, async () => {
        const r = await blast(c.server!.port, o.seconds, o.udpRate);
        await new Promise((resolve) => setTimeout(resolve, 200)); // the receiver drains its buffer
        return r;
      });
      const received = (await countOf(c.server!)) - before;
      c.samples.push({
        round,
        units: received,
        seconds: m.result.seconds,
        cpuNs: m.cpuNs,
        ...(m.othersPct !== undefined && { othersPct: m.othersPct }),
        sent: m.result.sent,
        lateTicks: m.result.lateTicks,
      });
    });
  } finally {
    await Promise.all(contenders.map((c) => c.server && stopServer(c.server)));
  }
  return report(contenders, o);
}

function report(contenders: DatagramContender[], o: RoundOptions): RoundResult {
  const rows = summarize(contenders, 'node');
  const byKey = new Map(contenders.map((c) => [c.key, c]));
  const total = (key: string, f: (s: DatagramSample) => number) => sum(byKey.get(key)!.samples.map(f));
  const pinning = 'receivers on CPU 1, sender on CPU 0';
  const md = [
    `Datagrams: ${SIZE}-byte UDP datagrams offered at ${o.udpRate} msgs/s (udp_blast -r: a burst every ms), ${o.rounds} × ${o.seconds} s per receiver,`,
    `interleaved after a ${o.warmup} s warm-up; receive buffers 4 MiB requested, 64 per recvmmsg for ours; ${measuredOn(pinning)}`,
    '',
    ...table(rows, {
      unit: 'msgs',
      base: 'node:dgram',
      extra: {
        headers: ['sent msgs/s', 'lost', 'late sender ticks'],
        cells: (r) => {
          const sent = total(r.key, (s) => s.sent);
          return [
            String(Math.round(sent / r.seconds)),
            `${((100 * (sent - r.units)) / sent).toFixed(2)}%`,
            String(total(r.key, (s) => s.lateTicks)),
          ];
        },
      },
    }),
    '',
    '![datagram round: CPU per message, × node:dgram](datagram.svg)',
  ];
  const svg = chartOf(rows, 'node', {
    title: `datagram round: ${SIZE}-byte datagrams offered at ${o.udpRate} msgs/s`,
    subtitles: [`${o.rounds} × ${o.seconds} s per receiver, interleaved; ${pinning}`, measuredWhat()],
    unit: 'messages',
    base: 'node:dgram',
    goal: { value: 0.75, label: 'goal for ours: ≤ 0.75×' },
    notes: ['msgs/s: received; at a fixed offered rate every receiver that keeps up shows the same.'],
  });
  const json = {
    round: 'datagram',
    measured: measuredOn(pinning),
    offeredRate: o.udpRate,
    size: SIZE,
    seconds: o.seconds,
    rounds: o.rounds,
    warmup: o.warmup,
    rows,
    samples: Object.fromEntries(contenders.map((c) => [c.key, c.samples])),
  };
  return { name: 'datagram', md, json, svg };
}
