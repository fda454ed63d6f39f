// Unix socket files, done carefully: bind with the mode already in place,
// never remove someone else's file, remove our own on close.
import { chmodSync, linkSync, lstatSync, mkdtempSync, rmdirSync, unlinkSync } from 'node:fs';
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

function fileKind(path: string): string | undefined {
  try {
    const st = lstatSync(path);
    if (st.isSocket()) return 'socket';
    if (st.isDirectory()) return 'directory';
    if (st.isSymbolicLink()) return 'symbolic link';
    return 'regular file';
  } catch {
    return undefined;
  }
}

/** Is someone accepting/receiving on the socket file at `path`? */
function isLive(path: Buffer, type: number): boolean {
  const probe = native.socket(C.AF_UNIX, type, 0);
  try {
    native.connect(probe, { family: C.AF_UNIX, path });
    return true;
  } catch (error) {
    // ECONNREFUSED: nobody is bound there any more. Anything else (EAGAIN: a
    // full backlog, EPROTOTYPE: a socket of another type) means someone is.
    return (error as { code?: string }).code !== 'ECONNREFUSED';
  } finally {
    native.close(probe);
  }
}

function inTheWay(path: string, kind: string): SocketError {
  return socketErrorOf('EADDRINUSE', 'bind', `Address already in use (a ${kind} is in the way; it is never removed)`, { address: path });
}

/**
 * Binds `handle` to the pathname `path` per `plan`. With a mode, the socket
 * is bound inside a fresh 0700 directory next to the target, chmod'ed, then
 * hard-linked into place (link(2) fails rather than replace an existing
 * file) — so nobody can connect while it still has the umask's mode.
 * A failing bind is the addon's SocketError, naming no address: the opener
 * (open/open.ts) names `path` on it, also for the staged bind.
 */
export function bindUnixFile(handle: NativeHandle, path: Buffer, type: number, plan: UnixFilePlan): BoundFile {
  const text = path.toString();
  const kind = fileKind(text);
  if (kind !== undefined) {
    if (kind !== 'socket') throw inTheWay(text, kind);
    if (!plan.removeStale || isLive(path, type)) throw inTheWay(text, kind === 'socket' ? 'socket in use' : kind);
    unlinkSync(text); // stale, and we were asked to clear it
  }
  if (plan.mode === undefined) {
    native.bind(handle, { family: C.AF_UNIX, path });
  } else {
    bindWithMode(handle, text, plan.mode);
  }
  const st = lstatSync(text);
  return { path: resolve(text), dev: st.dev, ino: st.ino };
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
      if ((error as { code?: string }).code === 'EEXIST') throw inTheWay(path, fileKind(path) ?? 'file');
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
