// `npm run soak`: N connections (default 1,000,000) through `for await (const
// conn of server)` on one StreamServer (soak/server.mjs, its own process),
// driven by the repo's C load generator (bench/build/loadgen), time-bounded.
// Checks: every connection the client completed is one the server served
// (and none failed); the server exits by itself after close(); RSS does not
// grow: the median RSS of the last quarter of the samples may exceed that of
// the second quarter (the first is warm-up) by at most max(8 MiB, 10 %).
//
//   npm run soak [-- --connections 1000000 --seconds 600 --concurrency 64 --root DIR --json FILE]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HOME = fileURLToPath(new URL('..', import.meta.url));
const { values: opt } = parseArgs({
  options: {
    connections: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '64' },
    root: { type: 'string', default: HOME },
    dist: { type: 'string' },
    'sample-ms': { type: 'string', default: '500' },
    'max-growth-mb': { type: 'string', default: '8' },
    'max-growth-pct': { type: 'string', default: '10' },
    json: { type: 'string' },
  },
});
const root = resolve(opt.root);
const dist = resolve(opt.dist ?? join(root, 'dist/lib/index.js'));
const loadgen = join(HOME, 'bench/build/loadgen');
const MiB = 2 ** 20;

if (!existsSync(loadgen)) {
  const made = spawnSync('make', ['-s', '-C', join(HOME, 'bench')], { stdio: 'inherit' });
  if (made.status !== 0) throw new Error('make -C bench failed: the soak needs bench/build/loadgen');
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;

const server = spawn(
  process.execPath,
  [fileURLToPath(new URL('./server.mjs', import.meta.url)), '--dist', dist, '--sample-ms', opt['sample-ms']],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const samples = [];
let done = null;
const serverExited = new Promise((r) => server.on('exit', (code, signal) => r({ code, signal })));
const port = await new Promise((resolvePort, reject) => {
  const lines = createInterface({ input: server.stdout });
  lines.on('line', (line) => {
    if (line.startsWith('port ')) return resolvePort(Number(line.slice(5)));
    const record = JSON.parse(line);
    if (record.done) done = record;
    else samples.push(record);
  });
  server.once('exit', () => reject(new Error('the soak server exited before it listened')));
});

const seconds = Number(opt.seconds);
const n = Number(opt.connections);
console.log(`soak: ${n} connections, at most ${seconds} s, concurrency ${opt.concurrency}, server pid ${server.pid} on port ${port}`);
const progress = setInterval(() => {
  const s = samples.at(-1);
  if (s) console.log(`  ${(s.t / 1000).toFixed(0)} s: served ${s.served}, rss ${mib(s.rss)}, heap ${mib(s.heapUsed)}`);
}, 10_000);

const client = spawn(loadgen, ['-p', String(port), '-c', opt.concurrency, '-n', String(n), '-d', String(seconds)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let clientOut = '';
client.stdout.on('data', (d) => (clientOut += d));
// A hard bound over the client: its own -d ends the load, this only catches a wedged run.
const killer = setTimeout(() => client.kill('SIGKILL'), (seconds + 60) * 1000);
const clientExit = await new Promise((r) => client.on('exit', (code, signal) => r({ code, signal })));
clearTimeout(killer);
clearInterval(progress);
const loadSamples = samples.length;

server.kill('SIGTERM');
const exitTimer = setTimeout(() => server.kill('SIGKILL'), 10_000);
const serverExit = await serverExited;
clearTimeout(exitTimer);

const failures = [];
let result = null;
try {
  result = JSON.parse(clientOut.trim().split('\n').pop());
} catch {
  failures.push(`loadgen gave no result (exit ${clientExit.code ?? clientExit.signal})`);
}
if (serverExit.signal === 'SIGKILL') failures.push('the server did not exit by itself within 10 s of close()');
else if (serverExit.code !== 0 || serverExit.signal)
  failures.push(`the server ended with ${serverExit.signal ?? `exit code ${serverExit.code}`}`);
if (!done) failures.push('the server printed no final count');
if (result && done) {
  if (done.served !== result.connections) failures.push(`client completed ${result.connections} connections, server served ${done.served}`);
  if (result.connectErrors || result.ioErrors) failures.push(`client errors: ${result.connectErrors} connect, ${result.ioErrors} io`);
  if (done.accepted !== done.served) failures.push(`stats().accepted ${done.accepted} != served ${done.served}`);
  if (result.connections < n)
    console.log(`note: the time bound (${seconds} s) ended the load after ${result.connections} of ${n} connections`);
}

// RSS over the load only: quarters of the samples, the first is warm-up.
const load = samples.slice(0, loadSamples);
const q = Math.floor(load.length / 4);
let memory = null;
if (q >= 2) {
  const second = load.slice(q, 2 * q);
  const last = load.slice(load.length - q);
  const [q2, q4] = [median(second.map((s) => s.rss)), median(last.map((s) => s.rss))];
  const bound = Math.max(Number(opt['max-growth-mb']) * MiB, (q2 * Number(opt['max-growth-pct'])) / 100);
  memory = {
    first: load[0].rss,
    q2Median: q2,
    q4Median: q4,
    peak: Math.max(...load.map((s) => s.rss)),
    final: load.at(-1).rss,
    heapQ2: median(second.map((s) => s.heapUsed)),
    heapQ4: median(last.map((s) => s.heapUsed)),
    growth: q4 - q2,
    bound,
  };
  if (q4 - q2 > bound) failures.push(`RSS grew ${mib(q4 - q2)} from the second quarter to the last (bound ${mib(bound)})`);
} else {
  console.log(`note: ${load.length} RSS samples: too few to judge growth (need 8)`);
}

const last = load.at(-1);
console.log(
  `\nsoak finished: ${done?.served ?? '?'} served, client ${result?.connections ?? '?'} completed in ${result?.seconds ?? '?'} s`,
);
if (result) console.log(`  client: ${result.connPerSec} connections/s, latency p50 ${result.p50us} us, p99 ${result.p99us} us`);
if (last && done?.served)
  console.log(
    `  server CPU: ${((last.cpuMs / last.served) * 1000).toFixed(1)} ms per 1k connections (${(last.cpuMs / 1000).toFixed(1)} s total)`,
  );
if (memory) {
  console.log(
    `  RSS: first ${mib(memory.first)}, 2nd-quarter median ${mib(memory.q2Median)}, last-quarter median ${mib(memory.q4Median)}, peak ${mib(memory.peak)}, final ${mib(memory.final)}`,
  );
  console.log(
    `  heapUsed: 2nd-quarter median ${mib(memory.heapQ2)}, last-quarter median ${mib(memory.heapQ4)}; growth ${mib(memory.growth)} (bound ${mib(memory.bound)})`,
  );
}
console.log(failures.length ? `\nFAIL:\n  ${failures.join('\n  ')}` : '\nPASS');
if (opt.json) writeFileSync(opt.json, JSON.stringify({ client: result, server: done, memory, failures, samples }, null, 1));
process.exit(failures.length ? 1 : 0);
