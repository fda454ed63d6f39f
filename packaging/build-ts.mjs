// Compiles lib/, examples/ and bench/ to dist/ (tsc -p tsconfig.json) and
// marks dist/lib/ as CommonJS, as lib/package.json marks lib/: the library is
// CommonJS, so `require` and `import` both load the one copy of it (its
// classes and its addon are never loaded twice), while examples/ and bench/
// stay ES modules. tsc does not copy package.json files; this does.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Returns tsc's exit code and output; the marker is written when tsc succeeds. */
export function buildTs() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // From empty: a file removed from lib/ must not live on in dist/ (and in the tarball).
  rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
  if (run.status === 0) {
    mkdirSync(new URL('../dist/lib/', import.meta.url), { recursive: true });
    copyFileSync(new URL('../lib/package.json', import.meta.url), new URL('../dist/lib/package.json', import.meta.url));
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { status, output } = buildTs();
  process.stdout.write(output);
  process.exitCode = status ?? 1;
}
