// `npm run fuzz`: the native-boundary fuzzer and the API-sequence fuzzer, side
// by side in child processes, loopback only, for a fixed seed and time
// budget (CI: seed 1, 50 s of fuzzing, under 60 s in all). Prints throughput, totals and every finding with
// how to replay it; exits 1 if there is any finding.
//
//   npm run fuzz                                   CI run: --seed 1 --seconds 50
//   npm run fuzz -- --seconds 600 --seed 7         a longer run
//   npm run fuzz -- --root /work/old-2e87004       another checkout (its build/Release addon and dist/)
//   npm run fuzz -- --addon X.node --dist Y/dist/lib/index.js [--php Y/dist/lib/php/index.js]
//   npm run fuzz -- --only native|api
//   npm run fuzz -- --only api --sequences 100000 --seconds 3600   stop at 100,000 API sequences
//   npm run fuzz -- --concurrency 8                API sequences side by side in a worker (default 48)
//   npm run fuzz -- --replay native:1:4:312        child seed 1:4 up to call 312, each call printed
//   npm run fuzz -- --replay api:1:0/17            one API sequence, each operation printed
//   npm run fuzz -- --replay api:1:0/3,17,20       these sequences of worker 1:0, side by side
//   npm run fuzz -- --replay api:1:0/0..999        worker 1:0's whole run (as many side by side as --concurrency)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { apiCampaign, nativeCampaign } from './campaigns.mjs';

const HOME = fileURLToPath(new URL('..', import.meta.url));
const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
    root: { type: 'string', default: HOME },
    addon: { type: 'string' },
    dist: { type: 'string' },
    php: { type: 'string' },
    only: { type: 'string' },
    replay: { type: 'string' },
    'calls-per-child': { type: 'string', default: '20000' },
    'sequences-per-child': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '48' },
    sequences: { type: 'string' },
    json: { type: 'string' },
  },
});
const root = resolve(opt.root);
const paths = {
  addon: resolve(opt.addon ?? join(root, 'build/Release/stream_socket_server.node')),
  dist: resolve(opt.dist ?? join(root, 'dist/lib/index.js')),
};
paths.php = resolve(opt.php ?? join(paths.dist, '..', 'php', 'index.js'));

/**
 * api:<child seed>/<k> replays one sequence alone; api:<child seed>/<k>,<k>,... those of a worker side by
 * side; api:<child seed>/<from>..<to> a worker's run (--concurrency as it ran).
 */
function apiReplay(what) {
  const [seed, ks] = what.split('/');
  const range = /^(\d+)\.\.(\d+)$/.exec(ks);
  if (range) return ['--seed', seed, '--indexes', `${range[1]}..${range[2]}`, '--concurrency', opt.concurrency];
  return ks.includes(',') ? ['--seed', seed, '--indexes', ks, '--concurrency', '64'] : ['--sequence', what];
}

if (opt.replay) {
  // native:<child seed>:<index> (the child seed has a colon itself) or api:<sequence seed>.
  const [campaign, ...rest] = opt.replay.split(':');
  const here = (f) => fileURLToPath(new URL(f, import.meta.url));
  const args =
    campaign === 'native'
      ? [
          '--expose-gc',
          here('./native-worker.mjs'),
          '--seed',
          rest.slice(0, -1).join(':'),
          '--upto',
          String(Number(rest.at(-1)) + 1),
          '--verbose',
        ]
      : ['--expose-gc', '--no-warnings', here('./api-worker.mjs'), ...apiReplay(rest.join(':')), '--verbose', '--php', paths.php];
  args.push(...(campaign === 'native' ? ['--addon', paths.addon] : []), '--dist', paths.dist);
  console.log(`replaying: node ${args.join(' ')}`);
  const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
  console.log(`\nreplay ended: ${run.signal ? `killed by ${run.signal}` : `exit code ${run.status}`}`);
  process.exit(run.signal ? 1 : (run.status ?? 1));
}

const seconds = Number(opt.seconds);
const started = Date.now();
const deadline = started + seconds * 1000;
const dir = mkdtempSync(join(tmpdir(), 'sss-fuzz-run-'));
console.log(`fuzz: seed ${opt.seed}, ${seconds} s, addon ${paths.addon}, dist ${paths.dist}`);

let lastStatus = Date.now();
const status = {};
function onChild(s) {
  status[s.campaign] = s;
  if (Date.now() - lastStatus < 10_000) return;
  lastStatus = Date.now();
  const t = (Date.now() - started) / 1000;
  const n = status.native ? `native ${status.native.calls} calls (${Math.round(status.native.calls / t)}/s)` : '';
  const a = status.api
    ? `api ${status.api.sequences} sequences (${(status.api.sequences / t).toFixed(1)}/s), ${status.api.operations} ops`
    : '';
  console.log(
    `  ${t.toFixed(0)} s: ${[n, a].filter(Boolean).join('; ')}; findings so far ${(status.native?.findings ?? 0) + (status.api?.findings ?? 0)}`,
  );
}

const [native, api] = await Promise.all([
  opt.only === 'api'
    ? null
    : nativeCampaign({ seed: opt.seed, deadline, paths, callsPerChild: Number(opt['calls-per-child']), dir, onChild }),
  opt.only === 'native'
    ? null
    : apiCampaign({
        seed: opt.seed,
        deadline,
        paths,
        sequencesPerChild: Number(opt['sequences-per-child']),
        concurrency: Number(opt.concurrency),
        maxSequences: opt.sequences ? Number(opt.sequences) : Infinity,
        dir,
        onChild,
      }),
]);
rmSync(dir, { recursive: true, force: true });
const took = (Date.now() - started) / 1000;

console.log(`\nfuzz finished in ${took.toFixed(1)} s (seed ${opt.seed})`);
if (native) {
  console.log(`native: ${native.calls} calls in ${native.children} processes, ${Math.round(native.calls / took)} calls/s`);
  const slow = Object.entries(native.slowest).filter(([, ms]) => ms >= 100);
  if (slow.length) console.log(`  slowest calls (ms): ${slow.map(([fn, ms]) => `${fn} ${ms}`).join(', ')}`);
}
if (api) {
  console.log(
    `api: ${api.sequences} sequences, ${api.operations} operations in ${api.children} processes, ${(api.sequences / took).toFixed(1)} sequences/s`,
  );
}
// Replays must point at the same code: name it when it is not this checkout's.
const where = [opt.root !== HOME && ` --root ${root}`, opt.addon && ` --addon ${paths.addon}`, opt.dist && ` --dist ${paths.dist}`]
  .filter(Boolean)
  .join('');
const all = [
  ...(native?.findings.toJSON() ?? []).map((f) => ({ ...f, campaign: 'native' })),
  ...(api?.findings.toJSON() ?? []).map((f) => ({ ...f, campaign: 'api' })),
];
console.log(`\n${all.length} finding(s)${all.length ? ':' : ''}`);
for (const f of all) {
  console.log(`\n[${f.campaign} ${f.kind}] ${f.where}: ${f.what}  (x${f.count})`);
  for (const e of f.examples.slice(0, 3)) {
    console.log(`    ${e.text}`);
    console.log(
      `      seed ${e.seed}${e.index !== undefined ? `, call #${e.index}` : ''}${e.alone ? `; alone in a fresh process: ${e.alone}` : ''}`,
    );
    if (e.replay) console.log(`      replay: ${e.replay}${where}`);
    if (e.together) console.log(`      with the sequences that ran beside it: ${e.together}${where}`);
    if (e.call && e.alone && e.alone !== 'no (needs the calls before it)') {
      console.log(`      one call: node fuzz/native-worker.mjs --addon ${paths.addon} --dist ${paths.dist} --call '${e.call}'`);
    }
  }
}
if (opt.json) writeFileSync(opt.json, JSON.stringify({ seed: opt.seed, seconds: took, native, api, findings: all }, null, 1));
process.exit(all.length > 0 ? 1 : 0);
