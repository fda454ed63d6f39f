// The library as it was at another commit, built once into a folder of its
// own (its TypeScript and its addon), for benchmarks that compare a server
// before and after a change (bench/proxy-cost.ts's (e)).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BeforeOptions {
  /** The commit to build. */
  rev: string;
  /** Where: replaced only if this made it (its stamp says so) or it is empty. */
  dir: string;
  /** The repository to take it from. */
  git: string;
  progress(text: string): void;
}

/** Builds BEFORE_REV into BEFORE_DIR (its TS and its addon) unless it is there; its dist/lib/index.js, or undefined. */
export function prepareBefore({ rev: BEFORE_REV, dir: BEFORE_DIR, git: GIT, progress }: BeforeOptions): string | undefined {
  const entry = join(BEFORE_DIR, 'dist', 'lib', 'index.js');
  const stamp = join(BEFORE_DIR, '.proxy-cost-rev');
  const addon = join(BEFORE_DIR, 'build', 'Release', 'stream_socket_server.node');
  const want = spawnSync('git', ['-C', GIT, 'rev-parse', '--verify', `${BEFORE_REV}^{commit}`], { encoding: 'utf8' });
  if (want.status !== 0) {
    progress(`(e) skipped: ${BEFORE_REV} is not a commit of ${GIT}`);
    return undefined;
  }
  const commit = want.stdout.trim();
  if (existsSync(entry) && existsSync(addon) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === commit) return entry;
  // Only ever replaces a folder this made (its stamp says so) or an empty one.
  if (existsSync(BEFORE_DIR) && !existsSync(stamp) && readdirSync(BEFORE_DIR).length > 0) {
    throw new Error(`${BEFORE_DIR} exists and was not made by proxy-cost: remove it, or pass --before-dir`);
  }
  progress(`(e) building ${BEFORE_REV} into ${BEFORE_DIR} (once; about a minute)…`);
  rmSync(BEFORE_DIR, { recursive: true, force: true });
  mkdirSync(BEFORE_DIR, { recursive: true });
  const sh = (command: string, cwd: string) => {
    const r = spawnSync('sh', ['-c', command], { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${command} (in ${cwd}) failed:\n${r.stdout}${r.stderr}`);
  };
  sh(`git -C '${GIT}' archive ${commit} | tar -x -C '${BEFORE_DIR}'`, GIT);
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(BEFORE_DIR, 'node_modules'));
  // The headers of the running node when it has them (a distribution's node), else node-gyp's own.
  const prefix = dirname(dirname(process.execPath));
  const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? ` --nodedir='${prefix}'` : '';
  sh(`'${process.execPath}' node_modules/node-gyp/bin/node-gyp.js rebuild${nodedir}`, BEFORE_DIR);
  sh(`'${process.execPath}' packaging/build-ts.mjs`, BEFORE_DIR);
  writeFileSync(stamp, `${commit}\n`);
  return entry;
}
