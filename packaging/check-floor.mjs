// npm run check:prebuilds: what each prebuild asks of the system it loads on,
// read from `objdump -T` (the symbol versions it imports) and `objdump -p`
// (the libraries it needs). Fails when any version rises above the floor:
// glibc 2.28 and GCC 8's libstdc++ (GLIBCXX 3.4.25, CXXABI 1.3.11), what
// Node 20's own binaries need (RHEL 8, Debian 10, Ubuntu 20.04).
// Usage: node packaging/check-floor.mjs [file.node ...]  (default: prebuilds/*/*.node)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FLOOR = { GLIBC: '2.28', GLIBCXX: '3.4.25', CXXABI: '1.3.11', GCC: '8.0.0' };
const LIBRARIES = new Set(['libc.so.6', 'libm.so.6', 'libstdc++.so.6', 'libgcc_s.so.1', 'libpthread.so.0', 'libdl.so.2']);
const EXPECTED = ['linux-x64', 'linux-arm64'];

const compare = (a, b) => {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
};

function objdump(flag, file) {
  const result = spawnSync('objdump', [flag, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`objdump ${flag} ${file}: ${result.error?.message ?? result.stderr}`);
  return result.stdout;
}

/** { needs: { GLIBC: '2.28', … }, over: ['fstat64@GLIBC_2.33', …], libraries: […], foreign: […] } */
export function readFloor(file) {
  const needs = {};
  const over = [];
  for (const line of objdump('-T', file).split('\n')) {
    const match = /\((GLIBC|GLIBCXX|CXXABI|GCC)_([0-9.]+)\)\s+(\S+)\s*$/.exec(line);
    if (!match) continue;
    const [, name, version, symbol] = match;
    if (!needs[name] || compare(version, needs[name]) > 0) needs[name] = version;
    if (compare(version, FLOOR[name]) > 0) over.push(`${symbol}@${name}_${version}`);
  }
  const libraries = [...objdump('-p', file).matchAll(/^\s*NEEDED\s+(\S+)/gm)].map((m) => m[1]);
  return { needs, over, libraries, foreign: libraries.filter((l) => !LIBRARIES.has(l) && !l.startsWith('ld-linux')) };
}

function prebuilds() {
  const root = fileURLToPath(new URL('../prebuilds/', import.meta.url));
  const missing = EXPECTED.filter((dir) => !existsSync(`${root}${dir}`));
  if (missing.length > 0) throw new Error(`no prebuild for ${missing.join(', ')}: run npm run prebuild first`);
  return EXPECTED.flatMap((dir) =>
    readdirSync(`${root}${dir}`)
      .filter((f) => f.endsWith('.node'))
      .map((f) => `${root}${dir}/${f}`),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = process.argv.length > 2 ? process.argv.slice(2) : prebuilds();
  let failed = false;
  console.log(
    `floor: ${Object.entries(FLOOR)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  for (const file of files) {
    const { needs, over, libraries, foreign } = readFloor(file);
    const summary = Object.keys(FLOOR)
      .map((k) => `${k} ${needs[k] ?? '-'}`)
      .join(', ');
    console.log(`${over.length || foreign.length ? 'FAIL' : 'ok  '} ${file}\n     needs ${summary}; links ${libraries.join(' ')}`);
    if (over.length > 0) console.log(`     above the floor: ${over.join(' ')}`);
    if (foreign.length > 0) console.log(`     libraries a plain system may lack: ${foreign.join(' ')}`);
    failed ||= over.length > 0 || foreign.length > 0;
  }
  process.exitCode = failed ? 1 : 0;
}
