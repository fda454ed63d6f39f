// One child process of the API-sequence fuzzer: runs sequences (seed
// "<seed>/<k>") of 1-3 servers (core or PHP facade) with random operations
// and real loopback clients, closes everything, and checks that every
// operation settled within its bound, no socket fd and no core socket file is
// left. Prints one JSON line at the end.
//
// Sequences mostly wait (on sockets, timers), so `--concurrency` of them run
// side by side, each with its own servers, clients and directory. Each checks
// the fds it held (api-world.mjs); the fds nobody held (the library's own)
// are checked here: every second a snapshot of the process's sockets is
// taken, and once every sequence that ran before it has ended, a socket of
// that snapshot still open (and not there at the start) is a leak of one of
// the sequences that ran around it. Such a leak (and an uncaught error no
// sequence can be named for) is then pinned by running those sequences again,
// half of them at a time. A sequence replays alone from its seed
// (`--sequence`), with the whole process's fds compared before and after.
//
// The progress file (the parent's watchdog) gets each operation before it
// runs, and a heartbeat: a step that stops moving means the event loop is
// blocked, and the last operation written is the one that blocked it.
//
//   node --expose-gc --no-warnings fuzz/api-worker.mjs --seed 1:0 --sequences 1000 --concurrency 48 --dist dist/lib/index.js
//   node --expose-gc --no-warnings fuzz/api-worker.mjs --sequence 1:0/7 --verbose --dist dist/lib/index.js
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  accessSync,
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { closeCore, coreOp, openCore } from './api-core.mjs';
import { closePhp, openPhp, phpOp } from './api-php.mjs';
import { World, gcSometimes } from './api-world.mjs';
import { Rng } from './rng.mjs';
import { Findings, nameOf, messageOf } from './verdict.mjs';

const { values: opt } = parseArgs({
  options: {
    seed: { type: 'string', default: '1:0' },
    sequences: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '48' },
    sequence: { type: 'string' }, // replay exactly this one, alone
    indexes: { type: 'string' }, // run only these sequences of --seed ("3,17,20" or "0..399"), side by side
    dist: { type: 'string' },
    php: { type: 'string' },
    progress: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    'stop-at': { type: 'string' },
  },
});
function tmpBase() {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

const dist = resolve(opt.dist);
const lib = await import(pathToFileURL(dist).href);
const php = await import(pathToFileURL(opt.php ? resolve(opt.php) : join(dirname(dist), 'php', 'index.js')).href);

// On tmpfs when there is one: thousands of sequences make and remove a directory each.
const root = mkdtempSync(join(tmpBase(), 'sss-api-fuzz-'));
writeSync(1, `R\t${root}\n`); // for the parent to remove, should this process die
process.chdir(root); // relative unix paths land here (each sequence's are under its own directory)
const certificate = lib.selfSignedCertificate();
const pemFile = join(root, 'server.pem');
writeFileSync(pemFile, `${certificate.cert}\n${certificate.key}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- progress: each operation before it runs, and a heartbeat -------------

const progressFd = opt.progress ? openSync(opt.progress, 'w') : -1;
const record = Buffer.alloc(8192);
const inflight = new Map(); // index → world
let last = { key: 'start', text: '' };
let phase = 'run';
let beat = 0;
function writeProgress(key, text) {
  if (progressFd < 0) return;
  const n = record.write(`${key}\t${[...inflight.keys()].join(',') || '-'}\t${text}\n`.slice(0, 4000), 0);
  record.fill(0x20, n, n + 300);
  writeSync(progressFd, record, 0, n + 300, 0);
}
/** `key` "<sequence seed>#<operation>" (the sequence replays alone), or a phase: "close", "done". */
function progress(key, text) {
  if (opt.verbose && key !== 'close') writeSync(2, `${key} ${text}\n`);
  phase = key === 'close' || key === 'done' ? key : 'run';
  if (phase === 'run') last = { key, text };
  writeProgress(key, text);
}
// The key moves even while every sequence waits; it stops only when the event loop is blocked (closing
// up, "close~<n>": the parent allows it longer). It also measures how late timers run.
let maxLagMs = 0;
let lastBeat = Date.now();
const heartbeat = setInterval(() => {
  maxLagMs = Math.max(maxLagMs, Date.now() - lastBeat - 250);
  lastBeat = Date.now();
  if (phase === 'run') writeProgress(`${last.key}~${++beat}`, last.text);
  else if (phase === 'close') writeProgress(`close~${++beat}`, 'closing up');
}, 250);
heartbeat.unref();

// ---- findings, and errors no operation returned ----------------------------

const findings = new Findings();
// A new finding goes out at once: if this process dies later, it is not lost.
findings.onNew = ({ kind, where, what }, example) =>
  writeSync(1, `F\t${JSON.stringify({ kind, where, what, count: 1, examples: [example] })}\n`);
let warnings = 0;
process.on('warning', () => warnings++); // PHP's warnings: results, not findings
const als = new AsyncLocalStorage(); // which sequence an uncaught error belongs to
let orphans = []; // uncaught errors outside any sequence: pinned at the end
const recent = []; // [index, when it ended]: an orphan may come from a sequence that just ended
function uncaught(kind, error) {
  const what = `${nameOf(error)}: ${messageOf(error)}`;
  const world = als.getStore();
  if (world) return world.finding(kind, world.log.at(-1) ?? '?', what);
  const lately = recent.filter(([, when]) => Date.now() - when < 3000).map(([k]) => k);
  orphans.push({ kind, what, candidates: [...inflight.keys(), ...lately] });
}
process.on('unhandledRejection', (error) => uncaught('unhandled-rejection', error));
process.on('uncaughtException', (error) => uncaught('uncaught', error));

// ---- one sequence ----------------------------------------------------------

/** How many operations: mostly a few (geometric, mean ~9), now and then a long sequence. */
function length(rng) {
  if (rng.chance(0.05)) return rng.range(30, 60);
  let n = 2;
  while (n < 40 && rng.chance(0.87)) n++;
  return n;
}

async function sequence(seqSeed, index, { into = findings, strict = false } = {}) {
  const rng = new Rng(seqSeed);
  const dir = join(root, String(index));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'plain-file'), 'not a socket');
  const world = new World({
    rng,
    dir,
    tag: index,
    seed: seqSeed,
    findings: into,
    certificate,
    pemFile,
    SocketError: lib.SocketError,
    progress,
    strict,
  });
  for (const [k, other] of inflight) {
    other.company.add(index);
    world.company.add(k);
  }
  inflight.set(index, world);
  try {
    return await als.run(world, async () => {
      const open = () => (rng.chance(0.35) ? openPhp(rng, world, php) : openCore(rng, world, lib));
      for (let n = rng.range(1, 3); n > 0; n--) open();
      const ops = length(rng);
      for (let i = 0; i < ops; i++) {
        if (world.servers.length === 0 || rng.chance(0.03)) {
          open();
          continue;
        }
        const entry = rng.pick(world.servers);
        if (entry.api === 'php') phpOp(rng, world, entry, php, lib);
        else coreOp(rng, world, entry, lib);
        if (rng.chance(0.35)) await sleep(rng.pick([0, 1, 5, 20, 60]));
      }
      await world.overdue();
      const outcome = await world.end((entry) => (entry.api === 'php' ? closePhp(entry, php) : closeCore(entry)));
      return { ops: world.log.length, ...outcome };
    });
  } catch (error) {
    // The fuzzer's own bug: a finding too (with the sequence to replay), not a dead worker.
    world.finding('fuzzer-error', 'api-worker', `${nameOf(error)}: ${messageOf(error)}`, error?.stack?.split('\n')[1]?.trim());
    return { ops: world.log.length, leaked: [] };
  } finally {
    inflight.delete(index);
    recent.push([index, Date.now()]);
    if (recent.length > 256) recent.splice(0, 128);
    removeDir(dir);
  }
}

/** A sequence's directory: files only, as a rule (cheaper than rmSync's recursion, thousands of times). */
function removeDir(dir) {
  try {
    for (const name of readdirSync(dir)) unlinkSync(join(dir, name));
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the sequences of `indexes` (an iterator), `concurrency` at a time, until `stopAt`. */
async function pool(indexes, { concurrency, stopAt = Infinity, into = findings, onStart, onDone }) {
  const running = new Set();
  for (;;) {
    while (running.size < concurrency && Date.now() < stopAt) {
      const { value: k, done } = indexes.next();
      if (done) break;
      onStart?.(k);
      const run = sequence(`${opt.seed}/${k}`, k, { into }).then((out) => {
        running.delete(run);
        onDone?.(k, out);
      });
      running.add(run);
    }
    if (running.size === 0) return;
    await Promise.race(running);
  }
}

function* range(from, to) {
  for (let k = from; k < to; k++) yield k;
}

// ---- the process's own sockets: leaks no sequence held ---------------------

function socketLinks() {
  const links = new Set();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const link = readlinkSync(`/proc/self/fd/${fd}`);
      if (link.startsWith('socket:')) links.add(link);
    } catch {}
  }
  return links;
}

/** Of `links`, those still open after up to `ms` (collecting garbage meanwhile: finalizers close what was dropped). */
async function stillOpen(links, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const now = socketLinks();
    const open = [...links].filter((l) => now.has(l));
    if (open.length === 0 || Date.now() > end) return open;
    gcSometimes();
    await sleep(20);
  }
}

class LeakWatch {
  baseline = socketLinks();
  /** Sockets already reported (by a sequence, or here). */
  reported = new Set();
  snaps = [];
  touched = new Set();
  finished = new Set();
  unpinned = [];
  #checking = Promise.resolve();

  started(k) {
    this.touched.add(k);
  }

  /** A snapshot, and the sequences that can have opened what it holds: those that ran since the last one. */
  snapshot() {
    this.snaps.push({ links: socketLinks(), candidates: [...this.touched] });
    this.touched = new Set(inflight.keys());
  }

  done(k, leaked) {
    this.finished.add(k);
    for (const link of leaked) this.reported.add(link);
    this.#checking = this.#checking.then(() => this.#ripe(500));
  }

  /** Checks the snapshots whose candidates have all ended; the last call waits longer (the process is idle then). */
  async settle() {
    this.snapshot();
    this.#checking = this.#checking.then(() => this.#ripe(3000));
    await this.#checking;
  }

  async #ripe(ms) {
    while (this.snaps.length > 0 && this.snaps[0].candidates.every((k) => this.finished.has(k))) {
      const { links, candidates } = this.snaps.shift();
      const now = socketLinks();
      const suspects = [...links].filter((l) => now.has(l) && !this.baseline.has(l) && !this.reported.has(l));
      if (suspects.length === 0) continue;
      const leaked = await stillOpen(suspects, ms);
      if (leaked.length === 0) continue;
      for (const link of leaked) this.reported.add(link);
      this.unpinned.push({ kind: 'fd-leak', what: `${leaked.length} socket fd(s) open after their sequences ended`, leaked, candidates });
    }
  }
}

// ---- pinning: which sequence (run again, half of them at a time) -----------

/** Runs `keys` side by side; true if they leak a socket or give a finding of `kind`. */
async function reproduces(keys, kind) {
  const before = socketLinks();
  const scratch = new Findings();
  const [found, again] = [orphans, []];
  orphans = again;
  await pool(keys[Symbol.iterator](), { concurrency: Math.min(keys.length, concurrency), into: scratch });
  await sleep(100); // an uncaught error a little after its sequence
  orphans = found;
  if (again.some((o) => o.kind === kind)) return true;
  if (kind === 'fd-leak') {
    const now = socketLinks();
    return (
      (
        await stillOpen(
          [...now].filter((l) => !before.has(l)),
          2000,
        )
      ).length > 0
    );
  }
  return scratch.toJSON().some((f) => f.kind === kind);
}

/** The smallest group of `keys` found to reproduce (bisecting), or null; gives up at `until`. */
async function pin(keys, kind, until) {
  if (Date.now() > until || !(await reproduces(keys, kind))) return null;
  while (keys.length > 1 && Date.now() < until) {
    const half = keys.slice(0, keys.length >> 1);
    const rest = keys.slice(half.length);
    if (await reproduces(half, kind)) keys = half;
    else if (Date.now() < until && (await reproduces(rest, kind))) keys = rest;
    else break; // only together
  }
  return keys;
}

async function report({ kind, what, leaked, candidates }, until) {
  const keys = [...new Set(candidates)].sort((a, b) => a - b);
  const found = await pin(keys, kind, until);
  const seeds = (found ?? keys).map((k) => `${opt.seed}/${k}`);
  const how = found
    ? found.length === 1
      ? 'pinned: it does so run alone'
      : `only these together (${found.length})`
    : `not pinned (one of ${keys.length} sequences run side by side)`;
  findings.add(kind, 'api worker', what, {
    seed: seeds.length === 1 ? seeds[0] : `${seeds[0]} .. ${seeds.at(-1)}`,
    text: `${leaked ? `${leaked.join(', ')}; ` : ''}${how}: ${seeds.slice(0, 40).join(' ')}`,
    replay: `npm run fuzz -- --replay api:${seeds[0]}`,
  });
}

// ---- main ------------------------------------------------------------------

const concurrency = Math.max(1, Number(opt.concurrency));
const started = Date.now();
let sequences = 0;
let operations = 0;
if (opt.sequence) {
  const out = await sequence(opt.sequence, 0, { strict: true });
  sequences = 1;
  operations = out.ops;
  await sleep(100); // an uncaught error a little after the end: alone, it is this sequence's
  for (const { kind, what } of orphans) findings.add(kind, 'api worker', what, { seed: opt.sequence, text: 'after the sequence ended' });
} else {
  const stopAt = opt['stop-at'] ? Number(opt['stop-at']) : Infinity;
  const watch = new LeakWatch();
  let lastSnap = Date.now();
  const span = /^(\d+)\.\.(\d+)$/.exec(opt.indexes ?? '');
  const indexes = span
    ? range(Number(span[1]), Number(span[2]) + 1)
    : opt.indexes
      ? opt.indexes.split(',').map(Number)[Symbol.iterator]()
      : range(0, Number(opt.sequences));
  await pool(indexes, {
    concurrency,
    stopAt,
    onStart: (k) => watch.started(k),
    onDone: (k, out) => {
      sequences++;
      operations += out.ops;
      writeSync(1, `P\t${JSON.stringify({ sequences, operations })}\n`); // the totals so far, should this process be stopped
      if (Date.now() - lastSnap >= 1000) {
        watch.snapshot();
        lastSnap = Date.now();
      }
      watch.done(k, out.leaked ?? []);
    },
  });
  progress('close', 'final check');
  await watch.settle();
  // Pinning runs sequences again: up to 20 s, and not far past the stop time.
  const until = Math.min(Date.now() + 20_000, stopAt + 2000);
  for (const leak of [...watch.unpinned, ...orphans.slice()].slice(0, 3)) await report(leak, until);
}
const elapsed = Date.now() - started;
clearInterval(heartbeat);
progress('close', 'cleanup');
rmSync(root, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ seed: opt.seed, sequences, operations, warnings, elapsedMs: elapsed, maxLagMs, findings })}\n`);
progress('done', '');
if (progressFd >= 0) closeSync(progressFd);
// Should something still hold the event loop, say what (the parent reports a process that does not exit, with its stderr).
setTimeout(() => {
  const handles = process._getActiveHandles().map((h) => {
    const fd = h._handle?.fd ?? h.fd;
    const name = h.constructor?.name ?? typeof h;
    let where = '';
    try {
      where = h.remotePort ? ` ${h.localPort} -> ${h.remotePort}` : h.address?.() ? ` ${JSON.stringify(h.address())}` : '';
    } catch {}
    return `${name}${fd !== undefined ? ` fd ${fd}` : ''}${where}`;
  });
  writeSync(2, `Error: still running 2 s after the end; active handles: ${handles.join(', ') || 'none (a native handle)'}\n`);
}, 2000).unref();
