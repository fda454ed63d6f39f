// npm run bench: the benchmark's rounds, one after another, each comparing
// its contenders interleaved (A B C A B C …) after a warm-up:
//   tcp       new TCP connections: our iterator, our raw-fd loop, node:net, C (bench/rounds/tcp.ts)
//   http      HTTP/1.1, a new connection per request, h2load: our iterator and handOff vs node:http
//   workers   several processes on one port: SO_REUSEPORT (with and without CPU steering) vs node:cluster
//   datagram  UDP at a fixed offered rate: our messages() and batches() vs node:dgram
//   tls       full TLS handshakes: TlsServer and the PHP facade vs node:tls
// Each writes bench/results/<round>.{md,json,svg}; the tables also go to stdout, progress to stderr.
//   node dist/bench/run.js [--round tcp,http] [--seconds 3] [--rounds 5] [--warmup 2] [--concurrency 64] [--udp-rate 100000] [--out DIR]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { progress, ROOT } from './measure.js';
import { killAll } from './procs.js';
import { datagramRound } from './rounds/datagram.js';
import { httpRound } from './rounds/http.js';
import { tcpRound } from './rounds/tcp.js';
import { tlsRound } from './rounds/tls.js';
import { workersRound } from './rounds/workers.js';
import { writeRound, type RoundOptions, type RoundResult } from './summary.js';

const ROUNDS: Record<string, (o: RoundOptions) => Promise<RoundResult>> = {
  tcp: tcpRound,
  http: httpRound,
  workers: workersRound,
  datagram: datagramRound,
  tls: tlsRound,
};

const { values } = parseArgs({
  options: {
    round: { type: 'string', multiple: true },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '64' },
    'udp-rate': { type: 'string', default: '100000' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
  },
});
const chosen = (values.round ?? Object.keys(ROUNDS)).flatMap((r) => r.split(',')).filter((r) => r !== '');
const options: RoundOptions = {
  seconds: Number(values.seconds),
  rounds: Number(values.rounds),
  warmup: Number(values.warmup),
  concurrency: Number(values.concurrency),
  udpRate: Number(values['udp-rate']),
};
const unknown = chosen.filter((r) => !(r in ROUNDS));
if (
  unknown.length > 0 ||
  !(options.seconds > 0) ||
  !(Number.isInteger(options.rounds) && options.rounds >= 1) ||
  !(options.warmup >= 0) ||
  !(Number.isInteger(options.concurrency) && options.concurrency >= 2) ||
  !(options.udpRate > 0)
) {
  console.error(
    `usage: run.js [--round ${Object.keys(ROUNDS).join(',')}] [--seconds 3] [--rounds 5] [--warmup 2] [--concurrency 64] [--udp-rate 100000] [--out DIR]`,
  );
  if (unknown.length > 0) console.error(`unknown round: ${unknown.join(', ')}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const began = Date.now();
  const walls: string[] = [];
  for (const name of chosen) {
    const started = Date.now();
    progress(`${name}: starting`);
    const result = await ROUNDS[name]!(options);
    const wall = (Date.now() - started) / 1000;
    writeRound(values.out!, result, wall);
    progress('');
    console.log(`\n## ${name} (${Math.round(wall)} s)\n\n${result.md.join('\n')}`);
    walls.push(`${name} ${Math.round(wall)} s`);
  }
  console.error(
    `\nbench: ${chosen.length} round(s) in ${Math.round((Date.now() - began) / 1000)} s (${walls.join(', ')}); results in ${values.out}`,
  );
}

main().catch(async (error: unknown) => {
  await killAll();
  progress('');
  console.error(error);
  process.exitCode = 1;
});
