// The npm tarball as a user downloads it: packing it, checking what it holds,
// and (for the fallback test) a copy whose prebuild cannot load.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

// What a user needs: the library, its declarations, the prebuilds, the addon
// sources for a build from source, and the documents.
const REQUIRED = [
  'package/package.json',
  'package/README.md',
  'package/LICENSE',
  'package/docs/api.md',
  'package/dist/lib/index.js',
  'package/dist/lib/index.d.ts',
  'package/dist/lib/package.json',
  'package/dist/lib/php/index.js',
  'package/dist/lib/php/index.d.ts',
  'package/binding.gyp',
  'package/native/addon.cc',
  'package/prebuilds/linux-x64/node.napi.glibc.node',
  'package/prebuilds/linux-arm64/node.napi.glibc.node',
];
// What it must not: benchmark code, source maps without their sources, build output.
const FORBIDDEN = [/\.map$/, /^package\/dist\/bench\//, /^package\/bench\//, /^package\/build\//, /^package\/test\//];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.error?.message ?? result.stderr}`);
  return result.stdout;
}

/** npm pack into `dir` (compiles dist/ first, through the prepare script); the tarball's path. */
export function packTarball(dir) {
  const out = run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const [{ filename }] = JSON.parse(out.slice(out.indexOf('[')));
  return join(dir, filename);
}

export function checkTarball(file) {
  const names = run('tar', ['-tzf', file]).split('\n').filter(Boolean);
  const listed = new Set(names);
  const problems = [
    ...REQUIRED.filter((name) => !listed.has(name)).map((name) => `missing ${name}`),
    ...names.filter((name) => FORBIDDEN.some((re) => re.test(name))).map((name) => `should not ship ${name}`),
  ];
  const unpacked = run('tar', ['-tvzf', file])
    .split('\n')
    .filter(Boolean)
    .reduce((sum, line) => sum + Number(line.split(/\s+/)[2] ?? 0), 0);
  return { problems, files: names.length, packedKiB: Math.round(statSync(file).size / 1024), unpackedKiB: Math.round(unpacked / 1024) };
}

/**
 * A copy of the tarball whose prebuild for this machine asks for GLIBC_2.99:
 * the dynamic loader refuses it exactly as an older glibc refuses a prebuild
 * built for a newer one ("version `GLIBC_2.99' not found").
 */
export function unloadablePrebuild(file, dir) {
  const tree = join(dir, 'repack');
  mkdirSync(tree, { recursive: true });
  run('tar', ['-xzf', file, '-C', tree]);
  const addon = join(tree, 'package', 'prebuilds', `linux-${process.arch}`, 'node.napi.glibc.node');
  const bytes = readFileSync(addon);
  const from = Buffer.from('GLIBC_2.28\0');
  const at = bytes.indexOf(from);
  if (at < 0) throw new Error(`${addon} names no GLIBC_2.28 version to raise`);
  Buffer.from('GLIBC_2.99\0').copy(bytes, at);
  writeFileSync(addon, bytes);
  const out = join(dir, 'unloadable-prebuild.tgz');
  run('tar', ['-czf', out, '-C', tree, 'package']);
  return out;
}
