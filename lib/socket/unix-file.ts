// Unix socket files, done carefully: bind with the mode already in place,
// never remove someone else's file, remove our own on close.
import { chmodSync, linkSync, lstatSync, mkdtempSync, rmdirSync, unlinkSync, type BigIntStats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { socketErrorOf, type SocketError } from '../binding/errors.js';
import { C, native, type NativeHandle } from '../binding/native.js';
import type { UnixFilePlan } from '../options/options.js';

/** The file a bind created: removed on close only if it is still that file. */
export interface BoundFile {
  path: string;
  dev: number;
  ino: number;
}

function lstatOf(path: string): BigIntStats | undefined {
  try {
    return lstatSync(path, { bigint: true });
  } catch {
    return undefined;
  }
}

function kindOf(st: BigIntStats): string {
  if (st.isSocket()) return 'socket';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symbolic link';
  return 'regular file';
}

function inTheWay(path: string, what: string): SocketError {
  return socketErrorOf('EADDRINUSE', 'bind', `Address already in use (${what})`, { address: path });
}

/**
 * Throws unless the socket file `st` at `path` is stale: no socket of ours or
 * any other process, in any state (bound but not listening too), is bound to
 * it. sock_diag answers by the file's device and inode without connecting, so
 * no server sees a probe. It sees only our network namespace: a socket bound
 * from another one (a container sharing the directory) counts as stale. Where
 * it cannot answer (not Linux: ENOTSUP), the file is kept.
 */
function assertStale(path: string, st: BigIntStats): void {
  let bound: boolean;
  try {
    bound = native.unixSocketBound(st.dev, st.ino);
  } catch (error) {
    const reason = (error as { message?: string }).message;
    throw Object.assign(inTheWay(path, `a socket is in the way; removeStale cannot tell whether it is stale: ${reason}`), { cause: error });
  }
  if (bound) throw inTheWay(path, 'a socket in use is in the way; it is never removed');
}

/**
 * Binds `handle` to the pathname `path` per `plan`. With a mode, the socket
 * is bound inside a fresh 0700 directory next to the target, chmod'ed, then
 * hard-linked into place (link(2) fails rather than replace an existing
 * file) — so nobody can connect while it still has the umask's mode.
 * A failing bind is the addon's SocketError, naming no address: the opener
 * (open/open.ts) names `path` on it, also for the staged bind.
 */
export function bindUnixFile(handle: NativeHandle, path: Buffer, plan: UnixFilePlan): BoundFile {
  const text = path.toString();
  const st = lstatOf(text);
  if (st !== undefined) {
    if (!st.isSocket()) throw inTheWay(text, `a ${kindOf(st)} is in the way; it is never removed`);
    if (!plan.removeStale) throw inTheWay(text, 'a socket is in the way; removeStale: true removes it if it is stale');
    assertStale(text, st);
    // Stale, and we were asked to clear it; if it was replaced meanwhile, bind() says so.
    const now = lstatOf(text);
    if (now?.dev === st.dev && now.ino === st.ino) unlinkSync(text);
  }
  if (plan.mode === undefined) {
    native.bind(handle, { family: C.AF_UNIX, path });
  } else {
    bindWithMode(handle, text, plan.mode);
  }
  const bound = socketFileAt(text);
  if (bound === undefined) throw inTheWay(text, 'the socket file went away as it was bound');
  return bound;
}

/** The socket file at `path` as it is now, if it is one (absent, or another kind of file: undefined). */
export function socketFileAt(path: string): BoundFile | undefined {
  const st = lstatOf(path);
  return st?.isSocket() ? { path: resolve(path), dev: Number(st.dev), ino: Number(st.ino) } : undefined;
}

function bindWithMode(handle: NativeHandle, path: string, mode: number): void {
  const privateDir = mkdtempSync(join(dirname(path), '.sss-'));
  const staging = join(privateDir, 's');
  try {
    native.bind(handle, { family: C.AF_UNIX, path: Buffer.from(staging) });
    chmodSync(staging, mode);
    try {
      linkSync(staging, path);
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') {
        const st = lstatOf(path);
        throw inTheWay(path, `a ${st === undefined ? 'file' : kindOf(st)} is in the way; it is never removed`);
      }
      throw error;
    }
  } finally {
    try {
      unlinkSync(staging);
    } catch {
      // never bound
    }
    rmdirSync(privateDir);
  }
}

/** Removes the file if it is still the one we bound. */
export function removeBoundFile(file: BoundFile): void {
  try {
    const st = lstatSync(file.path);
    if (st.dev === file.dev && st.ino === file.ino) unlinkSync(file.path);
  } catch {
    // already gone
  }
}
