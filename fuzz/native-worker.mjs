// One child process of the native-boundary fuzzer: loads the addon by path,
// makes `--calls` calls from `--seed`, and before each one writes the call to
// the progress file (one pwrite), so that the parent can name the call that
// crashed or hung. At the end it closes what it made and checks its fds.
// Prints one JSON line: { calls, findings, leaked, ... }.
//
//   node --expose-gc fuzz/native-worker.mjs --seed 1:0 --calls 5000 --addon build/Release/stream_socket_server.node \
//        --dist dist/lib/index.js [--progress FILE] [--verbose] [--upto N] [--call '{"fn":..,"args":[..]}']
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { generateCall } from './native-calls.mjs';
import { Pool } from './native-pool.mjs';
import { Rng } from './rng.mjs';
import { build } from './native-build.mjs';
import { describe, Sentinel } from './native-values.mjs';
import { Findings, leakedFds, openFds, verdict } from './verdict.mjs';

const { values: opt } = parseArgs({
  options: {
    seed: { type: 'string', default: '1:0' },
    calls: { type: 'string', default: '5000' },
    addon: { type: 'string' },
    dist: { type: 'string' },
    progress: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    upto: { type: 'string' },
    call: { type: 'string' },
    'stop-at': { type: 'string' }, // wall-clock ms: stop early, the run's time budget is spent
  },
});

const tmpDir = mkdtempSync(join(tmpdir(), 'sss-fuzz-'));
let SocketError;
if (opt.dist) ({ SocketError } = await import(pathToFileURL(resolve(opt.dist)).href));
const addon = createRequire(import.meta.url)(resolve(opt.addon));
const legacy = typeof addon.setErrorConstructor !== 'function';
const reinstall = () => SocketError && !legacy && addon.setErrorConstructor(SocketError);
reinstall();
const exports = Object.keys(addon)
  .filter((k) => typeof addon[k] === 'function')
  .sort();

const progress = opt.progress ? openSync(opt.progress, 'w') : -1;
const record = Buffer.alloc(65536);
function report(text) {
  if (progress < 0) return;
  const n = record.write(`${text}\n`, 0);
  record.fill(0x20, n, Math.min(record.length, n + 512)); // blank the rest of a longer previous line
  writeSync(progress, record, 0, Math.min(record.length, n + 512), 0);
}

const findings = new Findings();
// A new finding goes out at once: if a later call crashes this process, it is not lost.
findings.onNew = ({ kind, where, what }, example) =>
  writeSync(1, `F\t${JSON.stringify({ kind, where, what, count: 1, examples: [example] })}\n`);
let sentinelsSeen = 0;
let current = null;
/** The slowest call of each export, in ms: a call that blocks the event loop is a finding of its own kind. */
const slowest = {};
process.on('uncaughtException', (error) => {
  // A poll callback's exception reaches here (the addon reports it as uncaught, as Node does): only ours is expected.
  if (error instanceof Sentinel) return void sentinelsSeen++;
  // A class constructor we passed as a readiness callback, called without new: our callback's own error.
  if (error instanceof TypeError && /^Class constructors? .*without 'new'/.test(error.message)) return void sentinelsSeen++;
  findings.add('uncaught', current?.fn ?? '?', `${error?.constructor?.name}: ${error?.message}`, example(current));
});

const before = openFds();
const pool = new Pool(addon, tmpDir);
pool.SocketError = SocketError;
const text = (call) => `${call.fn}(${call.args.map(describe).join(', ')})`;
function example(call) {
  return call ? { seed: opt.seed, index: call.index, text: text(call), call: JSON.stringify({ fn: call.fn, args: call.args }) } : {};
}

/** Makes one call; a thrown error the API does not promise is a finding. */
function perform(call) {
  current = call;
  report(`${call.index}\t${JSON.stringify({ fn: call.fn, args: call.args })}\t${text(call)}`);
  if (opt.verbose) writeSync(2, `#${call.index} ${text(call)}\n`);
  pool.lastClosed = undefined;
  let args;
  try {
    args = call.args.map((spec) => build(spec, pool));
  } catch (error) {
    // Building runs addon code too (new SocketHandle() from JS).
    const why = verdict(error, { SocketError, legacy });
    if (why) findings.add('throws', `build ${call.fn}`, why, example(call));
    return;
  }
  const t0 = performance.now();
  try {
    const result = addon[call.fn](...args);
    pool.adopt(call.fn, result, args);
    if (opt.verbose) writeSync(2, `   -> ${typeof result === 'object' ? JSON.stringify(result)?.slice(0, 120) : String(result)}\n`);
  } catch (error) {
    const why = verdict(error, { SocketError, legacy });
    if (why) findings.add('throws', call.fn, why, example(call));
    if (opt.verbose) writeSync(2, `   !! ${error?.constructor?.name}: ${error?.message}\n`);
  } finally {
    if (call.fn === 'setErrorConstructor') reinstall();
    slowest[call.fn] = Math.max(slowest[call.fn] ?? 0, Math.round(performance.now() - t0));
  }
}

const started = Date.now();
let made = 0;
if (opt.call) {
  perform({ index: 0, ...JSON.parse(opt.call) });
  made = 1;
} else {
  const rng = new Rng(opt.seed);
  const calls = Number(opt.upto ?? opt.calls);
  const stopAt = opt['stop-at'] ? Number(opt['stop-at']) : Infinity;
  for (let i = 0; i < calls; i++) {
    const call = generateCall(rng, pool, exports);
    call.index = i;
    perform(call);
    made++;
    pool.refresh(i + 1);
    // Let readiness callbacks and finalizers run between batches of calls.
    if (i % 32 === 31) await new Promise((r) => setImmediate(r));
    if (i % 2048 === 2047) globalThis.gc?.();
    if (i % 256 === 255 && Date.now() > stopAt) break;
  }
}
const elapsed = Date.now() - started;
current = null;
report('close');
pool.closeAll();
await new Promise((r) => setTimeout(r, 20));
const leaked = await leakedFds(before, tmpDir);
for (const fd of leaked)
  findings.add('fd-leak', 'end of run', fd.replace(/^\d+ -> /, ''), { seed: opt.seed, text: `after ${made} calls: ${fd}` });
rmSync(tmpDir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ seed: opt.seed, calls: made, elapsedMs: elapsed, pollCalls: pool.pollCalls, sentinelsSeen, legacy, exports, slowest, findings })}\n`,
);
report('done');
if (progress >= 0) closeSync(progress);
