// npm run bench:tls-starvation: do hostile TLS clients delay good ones?
// A TlsServer with the default settings (bench/tls-starvation-server.ts, its
// own process) is hit by --hostile clients that never finish a handshake
// (bench/tls-starvation-hostile.ts, another process: silent, slowloris and
// truncated ClientHellos, each reconnecting when closed). Then --good node:tls
// clients, from this process, arrive at --rate per second (open loop: a slow
// answer does not slow the arrivals) and each handshake is timed from
// connect() to 'secureConnect'; one that takes longer than --max-wait seconds
// counts as not done. Prints the latency percentiles and the server's stats().
//
// Bounded: about 6 s to connect, --good / --rate s of arrivals, at most
// --max-wait s more (50 s at most in all); a hard stop after 60 s, and both
// children stop by themselves when we are gone (their stdin ends). Each
// process needs ~1,100 fds: Node raises its soft RLIMIT_NOFILE to the hard
// limit at start (check `ulimit -Hn`).
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({
  options: {
    hostile: { type: 'string', default: '1000' },
    good: { type: 'string', default: '200' },
    rate: { type: 'string', default: '20' },
    'max-wait': { type: 'string', default: '20' },
    tls: { type: 'string', default: '{}' },
  },
});
const HOSTILE = Number(values.hostile);
const GOOD = Number(values.good);
const RATE = Number(values.rate);
const MAX_WAIT_MS = Number(values['max-wait']) * 1000;
// ~6 s to connect, the arrivals, the longest wait: kept under the 60 s hard stop.
const PLANNED_S = 6 + GOOD / RATE + MAX_WAIT_MS / 1000;
if (!(Number.isInteger(HOSTILE) && HOSTILE >= 0 && Number.isInteger(GOOD) && GOOD > 0 && RATE > 0 && MAX_WAIT_MS > 0 && PLANNED_S <= 50)) {
  console.error('usage: tls-starvation.js [--hostile 1000] [--good 200] [--rate 20] [--max-wait 20] [--tls JSON]');
  console.error('       (6 + good / rate + max-wait must stay within 50 s)');
  process.exit(2);
}
const hardStop = setTimeout(() => {
  console.error('tls-starvation: still running after 60 s, stopping');
  process.exit(1); // the children's stdin closes with us, and they stop
}, 60_000);

/** A child of ours (a compiled sibling script) and a reader of its stdout lines by prefix. */
function child(script: string, args: string[]): { process: ChildProcess; line(prefix: string): Promise<string> } {
  const proc = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const wakers: Array<() => void> = [];
  let partial = '';
  proc.stdout!.on('data', (d: Buffer) => {
    const parts = (partial + String(d)).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const wake of wakers.splice(0)) wake();
  });
  return {
    process: proc,
    async line(prefix) {
      for (;;) {
        const i = lines.findIndex((l) => l.startsWith(prefix));
        if (i >= 0) return lines.splice(i, 1)[0]!.slice(prefix.length);
        await new Promise<void>((resolve) => wakers.push(resolve));
      }
    },
  };
}
const phase = (what: string) => console.error(`[${(performance.now() / 1000).toFixed(1)} s] ${what}`);

const server = child('tls-starvation-server.js', ['--tls', values.tls, '--max-seconds', '65']);
const port = Number(await server.line('port '));
const hostile = child('tls-starvation-hostile.js', ['--port', String(port), '--count', String(HOSTILE), '--max-seconds', '65']);
const connectedBefore = Number(await hostile.line('ready '));
await sleep(500); // let the server take what it will take
phase(`${connectedBefore} hostile clients connected; good clients start`);

// ---- the good clients: open loop, each timed ----

const good = new Set<tls.TLSSocket>();
const failures: Record<string, number> = {};
function goodHandshake(): Promise<number> {
  return new Promise((resolve) => {
    const start = performance.now();
    const socket = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false });
    good.add(socket);
    socket.on('error', () => {}).once('close', () => good.delete(socket));
    let settled = false;
    const done = (ms: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ms);
    };
    const timer = setTimeout(() => (socket.destroy(), done(Infinity)), MAX_WAIT_MS);
    // end(), not destroy(): the server gets our Finished first and counts a handshake, not a failure.
    socket.once('secureConnect', () => (done(performance.now() - start), socket.end()));
    // Refused or reset: failed, not slow. Counted once, by code.
    socket.once('error', (e: NodeJS.ErrnoException) => {
      if (!settled) failures[e.code ?? e.message] = (failures[e.code ?? e.message] ?? 0) + 1;
      done(-1);
    });
  });
}
const runs: Array<Promise<number>> = [];
const t0 = performance.now();
for (let i = 0; i < GOOD; i++) {
  const due = t0 + (i * 1000) / RATE;
  if (due > performance.now()) await sleep(due - performance.now());
  runs.push(goodHandshake());
}
phase('good clients all started');
const results = await Promise.all(runs);
phase('good clients all done');

// ---- report, then stop everything ----

server.process.stdin!.write('\n');
hostile.process.stdin!.write('\n');
const stats = await server.line('stats ');
const [, reconnects] = (await hostile.line('hostile ')).split(' ').map(Number);
for (const socket of good) socket.destroy();
for (const c of [hostile, server]) {
  const late = setTimeout(() => c.process.kill('SIGKILL'), 5000);
  const exited = new Promise((resolve) => c.process.once('exit', resolve));
  c.process.stdin!.end();
  await exited;
  clearTimeout(late);
}
clearTimeout(hardStop);

const failed = results.filter((ms) => ms < 0).length;
const timedOut = results.filter((ms) => ms === Infinity).length;
// A failed or unfinished handshake sorts last: it is the worst answer a client can get.
const sorted = results.map((ms) => (ms < 0 ? Infinity : ms)).sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const show = (ms: number) => (ms === Infinity ? `> ${MAX_WAIT_MS} (not done)` : ms.toFixed(1));
console.log(`server TLS options: defaults${values.tls === '{}' ? '' : ` + ${values.tls}`}`);
console.log(
  `hostile clients: ${HOSTILE} (silent, slowloris, truncated); connected before the good ones: ${connectedBefore}; reconnects: ${reconnects}`,
);
console.log(
  `good handshakes: ${GOOD} at ${RATE}/s: ${GOOD - failed - timedOut} done, ${failed} failed ${JSON.stringify(failures)}, ${timedOut} not done in ${MAX_WAIT_MS} ms`,
);
console.log(`latency ms: p50 ${show(pct(50))}  p90 ${show(pct(90))}  p99 ${show(pct(99))}  max ${show(pct(100))}`);
console.log(`server stats: ${stats}`);
