// npm run bench: new-connection throughput of four servers, interleaved
// A B C D A B C D in one run, each server pinned to CPU 1 and the load
// generator to CPU 0. Main figure: the server's CPU time per 1,000
// connections, read from /proc (all threads), as ratios against node:net
// and the C baseline.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './loadgen-result.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The C programs, built by `npm run build:bench` (bench/Makefile).
const TOOLS = join(ROOT, 'bench', 'build');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '64' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);

interface Contender {
  key: string;
  label: string;
  command: string[];
  child?: ChildProcess;
  port?: number;
  cpuNs: number;
  connections: number;
  rates: number[];
  p50us: number[];
  p99us: number[];
  p50SerialUs?: number;
  p99SerialUs?: number;
  peakRssKiB?: number;
}

const pin = availableParallelism() >= 2 && spawnSync('sh', ['-c', 'command -v taskset']).status === 0;
const onCpu = (cpu: number, command: string[]): string[] => (pin ? ['taskset', '-c', String(cpu), ...command] : command);
const node = process.execPath;
const servers = join(ROOT, 'dist', 'bench', 'servers.js');

const contenders: Contender[] = [
  { key: 'iterator', label: '(a) StreamServer iterator → net.Socket', command: [node, servers, 'iterator'] },
  { key: 'raw', label: '(b) StreamServer raw-fd loop', command: [node, servers, 'raw'] },
  { key: 'net', label: '(c) node:net server', command: [node, servers, 'net'] },
  { key: 'c', label: '(d) C epoll + accept4', command: [join(TOOLS, 'c_server')] },
].map((c) => ({ ...c, cpuNs: 0, connections: 0, rates: [], p50us: [], p99us: [] }));

/** CPU time of every thread of `pid`, in ns (first field of schedstat). */
function cpuNs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that just ended
    }
  }
  return total;
}

function peakRssKiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

/** A server process of the benchmark: started pinned, announces "port N". */
interface Started {
  label: string;
  command: string[];
  child?: ChildProcess;
  port?: number;
}

function start(c: Started): Promise<void> {
  const [cmd, ...args] = onCpu(1, c.command);
  const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  c.child = child;
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m && c.port === undefined) {
        c.port = Number(m[1]);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${c.label} exited early (${code})`)));
  });
}

function load(port: number, concurrency: number, seconds: number): LoadResult {
  const [cmd, ...args] = onCpu(0, [join(TOOLS, 'loadgen'), '-p', String(port), '-c', String(concurrency), '-d', String(seconds)]);
  const r = spawnSync(cmd!, args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  if (r.status !== 0) throw new Error(`loadgen failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as LoadResult;
}

function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  else process.stderr.write(`${text}\n`);
}

const ratio = (x: number, y: number): string => (y > 0 ? `${(x / y).toFixed(2)}×` : 'n/a');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

// ---- datagram round: messages/s received, DatagramServer vs node:dgram ----

interface DgramContender extends Started {
  key: string;
  received: number;
  cpuNs: number;
  sent: number;
  seconds: number;
}

const dgramContenders: DgramContender[] = [
  { key: 'dgram-ours', label: '(e) DatagramServer for await of messages (recvmmsg, 64/batch)', command: [node, servers, 'dgram-ours'] },
  { key: 'dgram-batches', label: '(e2) DatagramServer for await of batches()', command: [node, servers, 'dgram-batches'] },
  { key: 'dgram-node', label: "(f) node:dgram 'message' events", command: [node, servers, 'dgram-node'] },
].map((c) => ({ ...c, received: 0, cpuNs: 0, sent: 0, seconds: 0 }));

/** Asks a datagram server for its running count. */
function countOf(c: DgramContender): Promise<number> {
  return new Promise((resolve) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const m = /count (\d+)/.exec(out);
      if (m) {
        c.child!.stdout!.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    c.child!.stdout!.on('data', onData);
    c.child!.stdin!.write('\n');
  });
}

function blast(port: number, seconds: number): { sent: number; seconds: number } {
  const [cmd, ...args] = onCpu(0, [join(TOOLS, 'udp_blast'), '-p', String(port), '-d', String(seconds), '-s', '64']);
  const r = spawnSync(cmd!, args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  if (r.status !== 0) throw new Error(`udp_blast failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { sent: number; seconds: number };
}

async function datagramRound(): Promise<string[]> {
  for (const c of dgramContenders) await start(c);
  for (const c of dgramContenders) blast(c.port!, 0.3); // warm-up
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of dgramContenders) {
      progress(`datagram round ${round}/${ROUNDS}: ${c.label}`);
      const before = await countOf(c);
      const cpu = cpuNs(c.child!.pid!);
      const r = blast(c.port!, SECONDS);
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the receiver drain its buffer
      c.received += (await countOf(c)) - before;
      c.cpuNs += cpuNs(c.child!.pid!) - cpu;
      c.sent += r.sent;
      c.seconds += r.seconds;
    }
  }
  for (const c of dgramContenders) c.child!.kill('SIGTERM');
  const theirs = dgramContenders.find((c) => c.key === 'dgram-node')!;
  const rate = (c: DgramContender) => c.received / c.seconds;
  const perK = (c: DgramContender) => c.cpuNs / 1e6 / (c.received / 1000);
  return [
    '',
    `Datagrams: a C sender blasting 64-byte UDP datagrams at 127.0.0.1 for ${ROUNDS} × ${SECONDS} s per server, interleaved; receive buffers 4 MiB requested.`,
    '',
    '| server | received msgs/s | vs node:dgram | CPU ms / 1k msgs | vs node:dgram | sent msgs/s | lost |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...dgramContenders.map(
      (c) =>
        `| ${c.label} | ${Math.round(rate(c))} | ${ratio(rate(c), rate(theirs))} | ${perK(c).toFixed(2)} | ${ratio(perK(c), perK(theirs))} | ${Math.round(c.sent / c.seconds)} | ${(100 * (1 - c.received / c.sent)).toFixed(1)}% |`,
    ),
  ];
}

// ---- TLS round: full handshakes, our TlsServer vs node:tls ----

const tlsContenders = [
  { key: 'tls-ours', label: '(g) TlsServer (openServer tls://)', command: [node, servers, 'tls-ours'] },
  { key: 'tls-node', label: '(h) node:tls server', command: [node, servers, 'tls-node'] },
  { key: 'tls-php', label: '(i) PHP facade ssl:// (stream_socket_accept loop)', command: [node, '--no-warnings', servers, 'tls-php'] },
].map((c) => ({ ...c, handshakes: 0, seconds: 0, cpuNs: 0 })) as Array<
  Started & { key: string; handshakes: number; seconds: number; cpuNs: number }
>;

/** `openssl s_time -new`: sequential full handshakes (connect, handshake, read, close) for `seconds`. */
function handshakeLoad(port: number, seconds: number): { handshakes: number; seconds: number } {
  const [cmd, ...args] = onCpu(0, [
    'openssl',
    's_time',
    '-connect',
    `127.0.0.1:${port}`,
    '-new',
    '-time',
    String(Math.max(1, Math.round(seconds))),
  ]);
  const r = spawnSync(cmd!, args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  const m = /(\d+) connections in ([\d.]+) real seconds/.exec(r.stdout);
  if (m === null) throw new Error(`openssl s_time failed: ${r.stdout}${r.stderr}`);
  return { handshakes: Number(m[1]), seconds: Number(m[2]) };
}

async function tlsRound(): Promise<string[]> {
  if (spawnSync('sh', ['-c', 'command -v openssl']).status !== 0) return ['', 'TLS round skipped: openssl (s_time) is not installed.'];
  for (const c of tlsContenders) await start(c);
  for (const c of tlsContenders) handshakeLoad(c.port!, 1); // warm-up
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of tlsContenders) {
      progress(`TLS round ${round}/${ROUNDS}: ${c.label}`);
      const cpu = cpuNs(c.child!.pid!);
      const r = handshakeLoad(c.port!, SECONDS);
      c.cpuNs += cpuNs(c.child!.pid!) - cpu;
      c.handshakes += r.handshakes;
      c.seconds += r.seconds;
    }
  }
  for (const c of tlsContenders) c.child!.kill('SIGTERM');
  const theirs = tlsContenders[1]!;
  const rate = (c: (typeof tlsContenders)[number]) => c.handshakes / c.seconds;
  const perK = (c: (typeof tlsContenders)[number]) => c.cpuNs / 1e6 / (c.handshakes / 1000);
  return [
    '',
    `TLS: \`openssl s_time -new\` (one full handshake after another: TLS 1.3, P-256 certificate), ${ROUNDS} × ${SECONDS} s per server, interleaved.`,
    '',
    '| server | handshakes/s | vs node:tls | server CPU ms / 1k handshakes | vs node:tls |',
    '|---|---:|---:|---:|---:|',
    ...tlsContenders.map(
      (c) =>
        `| ${c.label} | ${Math.round(rate(c))} | ${ratio(rate(c), rate(theirs))} | ${perK(c).toFixed(1)} | ${ratio(perK(c), perK(theirs))} |`,
    ),
  ];
}

async function main(): Promise<void> {
  for (const c of contenders) await start(c);
  // Warm-up: JIT and page cache, not counted.
  for (const c of contenders) load(c.port!, CONCURRENCY, 0.5);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of contenders) {
      progress(`round ${round}/${ROUNDS}: ${c.label}`);
      const before = cpuNs(c.child!.pid!);
      const r = load(c.port!, CONCURRENCY, SECONDS);
      c.cpuNs += cpuNs(c.child!.pid!) - before;
      c.connections += r.connections;
      c.rates.push(r.connPerSec);
      c.p50us.push(r.p50us);
      c.p99us.push(r.p99us);
      if (r.ioErrors + r.connectErrors > 0) console.error(`\n${c.label}: ${r.ioErrors} io / ${r.connectErrors} connect errors`);
    }
  }
  for (const c of contenders) {
    progress(`1 in flight: ${c.label}`);
    const r = load(c.port!, 1, Math.min(SECONDS, 1));
    c.p50SerialUs = r.p50us;
    c.p99SerialUs = r.p99us;
    c.peakRssKiB = peakRssKiB(c.child!.pid!);
    c.child!.kill('SIGTERM');
  }
  const dgramLines = await datagramRound();
  const tlsLines = await tlsRound();
  progress('');
  report([...dgramLines, ...tlsLines]);
}

function report(extra: string[]): void {
  const perK = (c: Contender): number => c.cpuNs / 1e6 / (c.connections / 1000);
  const [, , netC, cC] = contenders as [Contender, Contender, Contender, Contender];
  const rows = contenders.map((c) => ({
    server: c.label,
    cpuMsPer1k: perK(c),
    vsNet: ratio(perK(c), perK(netC)),
    vsC: ratio(perK(c), perK(cC)),
    connPerSec: median(c.rates),
    p50us: median(c.p50us),
    p99us: median(c.p99us),
    p50SerialUs: c.p50SerialUs!,
    p99SerialUs: c.p99SerialUs!,
    peakRssMiB: c.peakRssKiB! / 1024,
  }));
  const header = `| server | CPU ms / 1k conn | vs node:net | vs C | conn/s | p50 µs | p99 µs | p50 µs (1 in flight) | p99 µs (1 in flight) | peak RSS MiB |`;
  const lines = [
    `New TCP connections (connect, read one line, close), ${CONCURRENCY} in flight, ${ROUNDS} × ${SECONDS} s per server, interleaved;`,
    `Node ${process.version}, ${pin ? 'servers on CPU 1, load generator on CPU 0' : 'no CPU pinning (taskset or a 2nd CPU missing)'}; ${new Date().toISOString().slice(0, 10)}.`,
    '',
    header,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.server} | ${r.cpuMsPer1k.toFixed(1)} | ${r.vsNet} | ${r.vsC} | ${Math.round(r.connPerSec)} | ${r.p50us} | ${r.p99us} | ${r.p50SerialUs} | ${r.p99SerialUs} | ${r.peakRssMiB.toFixed(1)} |`,
    ),
    ...extra,
  ];
  console.log(lines.join('\n'));
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(join(values.out!, 'tcp-accept.md'), `${lines.join('\n')}\n`);
  writeFileSync(
    join(values.out!, 'tcp-accept.json'),
    `${JSON.stringify({ node: process.version, concurrency: CONCURRENCY, seconds: SECONDS, rounds: ROUNDS, pinned: pin, rows }, null, 2)}\n`,
  );
}

main().catch((error: unknown) => {
  for (const c of [...contenders, ...dgramContenders, ...tlsContenders]) c.child?.kill('SIGKILL');
  console.error(error);
  process.exitCode = 1;
});
