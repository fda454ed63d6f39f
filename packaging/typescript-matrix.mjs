// The TypeScript setups a consumer may have, for packaging/consumer-test.mjs:
// each compiles packaging/consumer/main.ts against the installed package.
// Those that emit are run too: the declarations must match the JavaScript.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// 5.9: the last JavaScript compiler; "current": the newest major on npm.
export const TS_VERSIONS = { 5.9: 'typescript@5.9', current: 'typescript@latest' };

const base = (outDir) => ({ target: 'ES2022', lib: ['ES2022'], types: ['node'], strict: true, skipLibCheck: false, outDir });

export const TS_CONFIGS = [
  // An ES module package (type: module), as new Node projects are.
  {
    name: 'nodenext',
    dir: 'ts-esm',
    packageType: 'module',
    source: 'main.ts',
    run: 'main.js',
    options: (o) => ({ ...base(o), module: 'nodenext' }),
  },
  // A .cts file in that package: CommonJS that require()s us.
  {
    name: 'nodenext-cts',
    dir: 'ts-esm',
    packageType: 'module',
    source: 'main.cts',
    run: 'main.cjs',
    options: (o) => ({ ...base(o), module: 'nodenext' }),
  },
  {
    name: 'node16',
    dir: 'ts-esm',
    packageType: 'module',
    source: 'main.ts',
    options: (o) => ({ ...base(o), module: 'node16', noEmit: true }),
  },
  {
    name: 'bundler',
    dir: 'ts-esm',
    packageType: 'module',
    source: 'main.ts',
    options: (o) => ({ ...base(o), module: 'esnext', moduleResolution: 'bundler', noEmit: true }),
  },
  // A CommonJS project, with and without esModuleInterop.
  {
    name: 'commonjs-interop',
    dir: 'ts-cjs',
    source: 'main.ts',
    run: 'main.js',
    options: (o) => ({ ...base(o), module: 'commonjs', esModuleInterop: true }),
  },
  {
    name: 'commonjs',
    dir: 'ts-cjs',
    source: 'main.ts',
    run: 'main.js',
    options: (o) => ({ ...base(o), module: 'commonjs', esModuleInterop: false }),
    // TypeScript 6 deprecated, and 7 removed, esModuleInterop: false: the
    // compiler refuses the setting itself (TS5xxx on the option), not our types.
    unsupportedIn: (version, output) =>
      /error TS5\d{3}:.*esModuleInterop/.test(output) && !/\.d\.ts|main\.ts\(/.test(output)
        ? `TypeScript ${version} no longer accepts esModuleInterop: false`
        : undefined,
  },
];

/** Installs each TypeScript once into `dir` (reused while its version stays the newest); { label, key, tsc }[]. */
export function installTypeScript(dir) {
  const compilers = [];
  for (const [label, spec] of Object.entries(TS_VERSIONS)) {
    const prefix = join(dir, label);
    const manifest = join(prefix, 'node_modules', 'typescript', 'package.json');
    const wanted = spawnSync('npm', ['view', spec, 'version', '--json'], { encoding: 'utf8' });
    const versions = [].concat(JSON.parse(wanted.stdout || '[]'));
    const newest = versions.at(-1);
    if (!existsSync(manifest) || (newest && JSON.parse(readFileSync(manifest, 'utf8')).version !== newest)) {
      const installed = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', spec], {
        stdio: 'inherit',
      });
      if (installed.status !== 0) throw new Error(`npm install ${spec} failed`);
    }
    const version = JSON.parse(readFileSync(manifest, 'utf8')).version;
    compilers.push({ label: `${label} (${version})`, key: label, tsc: join(prefix, 'node_modules', 'typescript', 'bin', 'tsc') });
  }
  return compilers;
}
