// One child process of the API-sequence fuzzer: runs sequences (seed
// "<seed>/<k>") of 1-3 servers (core or PHP facade) with random operations
// and real loopback clients, closes everything, and checks that every
// promise settled, no socket fd and no core socket file is left. Writes each
// operation to the progress file first (the parent's watchdog), prints one
// JSON line at the end.
//
//   node --expose-gc --no-warnings fuzz/api-worker.mjs --seed 1:0 --sequences 50 --dist dist/lib/index.js [--sequence 1:0/7 --verbose]
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { closeCore, coreOp, openCore } from './api-core.mjs';
import { closePhp, openPhp, phpOp } from './api-php.mjs';
import { World } from './api-world.mjs';
import { Rng } from './rng.mjs';
import { Findings, nameOf, messageOf } from './verdict.mjs';

const { values: opt } = parseArgs({
  options: {
    seed: { type: 'string', default: '1:0' },
    sequences: { type: 'string', default: '50' },
    sequence: { type: 'string' }, // replay exactly this one
    dist: { type: 'string' },
    php: { type: 'string' },
    progress: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    'stop-at': { type: 'string' },
  },
});
const dist = resolve(opt.dist);
const lib = await import(pathToFileURL(dist).href);
const php = await import(pathToFileURL(opt.php ? resolve(opt.php) : join(dirname(dist), 'php', 'index.js')).href);

const root = mkdtempSync(join(tmpdir(), 'sss-api-fuzz-'));
process.chdir(root); // relative unix paths land here
const certificate = lib.selfSignedCertificate();
const pemFile = join(root, 'server.pem');
writeFileSync(pemFile, `${certificate.cert}\n${certificate.key}\n`);

const progressFd = opt.progress ? openSync(opt.progress, 'w') : -1;
const record = Buffer.alloc(8192);
function progress(key, text) {
  if (opt.verbose && key !== 'close') writeSync(2, `${key} ${text}\n`);
  if (progressFd < 0) return;
  const n = record.write(`${key}\t-\t${text}\n`.slice(0, 4000), 0);
  record.fill(0x20, n, n + 300);
  writeSync(progressFd, record, 0, n + 300, 0);
}

const findings = new Findings();
// A new finding goes out at once: if this process dies later, it is not lost.
findings.onNew = ({ kind, where, what }, example) =>
  writeSync(1, `F\t${JSON.stringify({ kind, where, what, count: 1, examples: [example] })}\n`);
let world = null;
let warnings = 0;
process.on('warning', () => warnings++); // PHP's warnings: results, not findings
process.on('unhandledRejection', (error) =>
  world?.finding('unhandled-rejection', world.log.at(-1) ?? '?', `${nameOf(error)}: ${messageOf(error)}`),
);
process.on('uncaughtException', (error) => world?.finding('uncaught', world.log.at(-1) ?? '?', `${nameOf(error)}: ${messageOf(error)}`));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function sequence(seqSeed, index) {
  const rng = new Rng(seqSeed);
  const dir = join(root, String(index));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'plain-file'), 'not a socket');
  world = new World({ rng, dir, seed: seqSeed, findings, certificate, pemFile, SocketError: lib.SocketError, progress });
  const open = () => (rng.chance(0.35) ? openPhp(rng, world, php) : openCore(rng, world, lib));
  for (let n = rng.range(1, 3); n > 0; n--) open();
  const ops = rng.range(4, 40);
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
  await world.overdue(rng.pick([0, 50, 300]));
  const outcome = await world.end((entry) => (entry.api === 'php' ? closePhp(entry, php) : closeCore(entry)));
  return { ops: world.log.length, ...outcome };
}

const started = Date.now();
let sequences = 0;
let operations = 0;
if (opt.sequence) {
  const out = await sequence(opt.sequence, 0);
  sequences = 1;
  operations = out.ops;
} else {
  const stopAt = opt['stop-at'] ? Number(opt['stop-at']) : Infinity;
  for (let k = 0; k < Number(opt.sequences) && Date.now() < stopAt; k++) {
    const out = await sequence(`${opt.seed}/${k}`, k);
    sequences++;
    operations += out.ops;
    writeSync(1, `P\t${JSON.stringify({ sequences, operations })}\n`); // the totals so far, should this process be stopped
    if (k % 8 === 7) globalThis.gc?.();
  }
}
const elapsed = Date.now() - started;
world = null;
progress('close', 'cleanup');
rmSync(root, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ seed: opt.seed, sequences, operations, warnings, elapsedMs: elapsed, findings })}\n`);
progress('done', '');
if (progressFd >= 0) closeSync(progressFd);
