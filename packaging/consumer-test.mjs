// npm run test:consumer: installs the packed package as a new user would and
// uses it. In an empty folder, with a PATH that holds only node and npm (no
// compiler, make or python) and no Node headers, `npm install <tarball>` must
// succeed (from the prebuild) and, with the node under test, an ES module, a
// CommonJS script and a TypeScript program (compiled as ESM, as CommonJS and
// from a .cts) each serve a node:net client through the core and the PHP
// facade. The declarations are also checked under module node16 and bundler,
// with TypeScript 5.9 and the current major.
// With --fallback, the prebuild is made unloadable (it asks for GLIBC_2.99,
// as on a system older than it needs): the install must fail cleanly without
// a compiler, and build from source and work with one.
//
// Usage: node packaging/consumer-test.mjs [--node <dir of node>] [--tarball <file>] [--fallback]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkTarball, packTarball, unloadablePrebuild } from './tarball.mjs';
import { TS_CONFIGS, installTypeScript } from './typescript-matrix.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({
  options: { node: { type: 'string' }, tarball: { type: 'string' }, fallback: { type: 'boolean', default: false } },
});
const nodeDir = opts.node ?? dirname(process.execPath);
const work = mkdtempSync(join(tmpdir(), 'sss-consumer-'));
const failures = [];
const report = (ok, what, detail = '') => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}`);
  if (!ok) failures.push(what);
};

/** A bin folder with node, npm and sh only, and an environment that points npm nowhere else. */
function toolless() {
  const bin = join(work, 'bin');
  mkdirSync(bin);
  const npmCli = join(dirname(realpathSync(whichOnHost('npm'))), 'npm-cli.js');
  const node = join(nodeDir, 'node');
  writeFileSync(join(bin, 'node'), `#!/bin/sh\nexec "${node}" "$@"\n`, { mode: 0o755 });
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\nexec "${node}" "${npmCli}" "$@"\n`, { mode: 0o755 });
  symlinkSync('/bin/sh', join(bin, 'sh')); // npm runs install scripts with sh from PATH
  const env = { PATH: bin, HOME: join(work, 'home'), TMPDIR: tmpdir(), LANG: 'C.UTF-8' };
  // How this machine reaches the registry (proxy, CA) stays: the global npmrc
  // of the machine's npm (a Node from elsewhere would look in its own prefix)
  // and the proxy and CA variables. Its nodedir is overridden below.
  env.npm_config_globalconfig = run('npm', ['config', 'get', 'globalconfig']).stdout.trim();
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(https?_proxy|no_proxy|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR)$/i.test(name)) env[name] = value;
  }
  // The machine's npm cache (only to save downloads), but no headers: an empty nodedir.
  env.npm_config_cache = join(process.env.HOME ?? '/root', '.npm');
  env.npm_config_nodedir = join(work, 'no-node-headers');
  Object.assign(env, { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });
  mkdirSync(env.HOME);
  mkdirSync(env.npm_config_nodedir);
  return env;
}

function whichOnHost(tool) {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error(`${tool} is not on this machine's PATH`);
  return found.stdout.trim();
}

function run(command, args, options) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000, ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ...result, ms, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? result.error.message : ''}` };
}

/** The scripts of packaging/consumer/ in a new app folder; each must print its JSON line. */
function useIt(app, env, label) {
  for (const file of ['esm.mjs', 'cjs.cjs', 'serve-once.cjs']) cpSync(join(HERE, 'consumer', file), join(app, file));
  for (const script of ['esm.mjs', 'cjs.cjs']) {
    const result = run(join(nodeDir, 'node'), [script], { cwd: app, env });
    const line = result.stdout.trim().split('\n').pop() ?? '';
    const ok = result.status === 0 && /"core":"core","php":"php"/.test(line);
    report(ok, `${label}: node ${script}`, ok ? line : result.output.slice(-2000));
  }
}

function install(app, env, tarball) {
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true }, null, 2));
  return run(join(env.PATH.split(':')[0], 'npm'), ['install', '--no-audit', '--no-fund', tarball], { cwd: app, env });
}

function main() {
  const nodeVersion = run(join(nodeDir, 'node'), ['--version']).stdout.trim();
  console.log(`consumer test with node ${nodeVersion} (${nodeDir}) in ${work}`);
  const tarball = opts.tarball ?? packTarball(work);
  const info = checkTarball(tarball);
  report(
    info.problems.length === 0,
    'tarball contents',
    info.problems.join('; ') || `${info.files} files, ${info.packedKiB} KiB packed, ${info.unpackedKiB} KiB unpacked`,
  );

  const env = toolless();
  const tools = ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python', 'python3'];
  const present = tools.filter((t) => run('/bin/sh', ['-c', `command -v ${t}`], { env }).status === 0);
  report(present.length === 0, 'PATH without a compiler, make or python', present.length ? `found ${present.join(' ')}` : env.PATH);

  if (opts.fallback) return fallback(tarball, env);

  const app = join(work, 'app');
  const installed = install(app, env, tarball);
  report(
    installed.status === 0,
    'npm install <tarball> without a compiler',
    installed.status === 0 ? `${(installed.ms / 1000).toFixed(1)} s` : installed.output.slice(-3000),
  );
  if (installed.status !== 0) return;
  const pkg = join(app, 'node_modules', 'stream-socket-server');
  const built = ['build', 'bench'].filter((d) => exists(join(pkg, d)));
  report(built.length === 0, 'nothing built on install', built.length ? `found ${built.join(', ')}` : 'no build/, no bench/');
  useIt(app, env, 'prebuild');
  typescript(app, env);
  console.log(`install-seconds ${(installed.ms / 1000).toFixed(1)} tarball-kib ${info.packedKiB}`);
}

function exists(path) {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Each TypeScript version × configuration: type-check, and where it emits, run the output. */
function typescript(app, env) {
  const added = run(join(env.PATH.split(':')[0], 'npm'), ['install', '--no-save', '--no-audit', '--no-fund', '@types/node@20'], {
    cwd: app,
    env,
  });
  report(added.status === 0, 'npm install @types/node@20', added.status === 0 ? '' : added.output.slice(-1500));
  const compilers = installTypeScript(join(tmpdir(), 'sss-consumer-typescript'));
  for (const config of TS_CONFIGS) {
    const dir = join(app, config.dir);
    mkdirSync(dir, { recursive: true });
    if (config.packageType) writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: config.packageType }));
    cpSync(join(HERE, 'consumer', 'main.ts'), join(dir, config.source));
    for (const { label: version, key, tsc } of compilers) {
      const file = join(dir, `tsconfig.${config.name}.${key}.json`);
      writeFileSync(file, JSON.stringify({ compilerOptions: config.options(`out-${key}`), files: [config.source] }, null, 2));
      const checked = run(join(nodeDir, 'node'), [tsc, '-p', file], { cwd: dir, env });
      const label = `TypeScript ${version} ${config.name}`;
      const unsupported = config.unsupportedIn?.(version, checked.output);
      if (unsupported) {
        console.log(`n/a  ${label}: ${unsupported}`);
        continue;
      }
      report(checked.status === 0, `${label}: type-check`, checked.status === 0 ? '' : checked.output.slice(-3000));
      if (checked.status !== 0 || !config.run) continue;
      const result = run(join(nodeDir, 'node'), [join(`out-${key}`, config.run)], { cwd: dir, env });
      const ok = result.status === 0 && /"core":"core","php":"php"/.test(result.stdout);
      report(ok, `${label}: node ${config.run}`, ok ? '' : result.output.slice(-2000));
    }
  }
}

/** The prebuild asks for a glibc this system lacks: no compiler → a clean failure; a compiler → a source build. */
function fallback(tarball, env) {
  const broken = unloadablePrebuild(tarball, work);
  const without = install(join(work, 'app-no-compiler'), env, broken);
  const said = /node-gyp|gyp ERR|not found|python|make/i.test(without.output);
  const last = without.output
    .trim()
    .split('\n')
    .filter((l) => /ERR|error/.test(l))
    .slice(0, 3)
    .join(' | ');
  report(
    without.status !== 0 && said,
    'unloadable prebuild, no compiler: npm install fails and says why',
    `exit ${without.status}: ${last}`,
  );
  // Now the machine's PATH and npm configuration (its compiler, make, python, Node headers).
  const full = { ...process.env, PATH: `${join(work, 'bin')}:${process.env.PATH}` };
  for (const key of Object.keys(full)) if (key.startsWith('npm_')) delete full[key];
  const app = join(work, 'app-compiler');
  const built = install(app, full, broken);
  const addon = join(app, 'node_modules', 'stream-socket-server', 'build', 'Release', 'stream_socket_server.node');
  report(
    built.status === 0 && exists(addon),
    'unloadable prebuild, compiler: npm install builds from source',
    built.status === 0 ? `${(built.ms / 1000).toFixed(1)} s` : built.output.slice(-3000),
  );
  if (built.status !== 0) return;
  useIt(app, full, 'source build');
  // Without the source build, the unloadable prebuild is what a program gets
  // (node_modules copied to an older system): an Error that says what to do.
  rmSync(join(app, 'node_modules', 'stream-socket-server', 'build'), { recursive: true });
  const result = run(join(nodeDir, 'node'), ['cjs.cjs'], { cwd: app, env: full });
  const explained = /does not load here .*GLIBC_2\.99.*glibc >= 2\.28.*--build-from-source/s.test(result.stderr);
  report(
    result.status !== 0 && explained,
    'unloadable prebuild at run time: an Error that says why and what to do',
    result.stderr.split('\n')[0],
  );
}

try {
  main();
} catch (error) {
  report(false, 'consumer test', error instanceof Error ? error.stack : String(error));
} finally {
  if (failures.length === 0) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work} for a look`);
}
console.log(failures.length === 0 ? 'consumer test: all passed' : `consumer test: ${failures.length} failed: ${failures.join('; ')}`);
process.exitCode = failures.length === 0 ? 0 : 1;
