// What counts as a finding, shared by both fuzzers: which errors a call may
// throw, a de-duplicated list of findings with a few examples each, and the
// fds a process holds (for the leak check at its end).
import { readdirSync, readlinkSync } from 'node:fs';
import { Sentinel } from './native-values.mjs';

/**
 * null when `error` is one the API promises: SocketError (well formed),
 * TypeError, RangeError, or our own Sentinel passed through unchanged.
 * `legacy`: an addon without setErrorConstructor (2e87004) throws plain
 * Errors with errno/code/syscall for system failures; those pass too.
 * Otherwise a one-line reason.
 */
export function verdict(error, { SocketError, legacy = false, allowed = [] }) {
  if (error instanceof Sentinel) return null;
  if (SocketError && error instanceof SocketError) {
    const ok = Number.isInteger(error.errno) && error.errno >= 0 && typeof error.code === 'string' && typeof error.syscall === 'string';
    return ok ? null : `malformed SocketError ${JSON.stringify({ errno: error.errno, code: error.code, syscall: error.syscall })}`;
  }
  if (error instanceof TypeError || error instanceof RangeError) return null;
  if (legacy && error instanceof Error && typeof error.errno === 'number' && typeof error.syscall === 'string') return null;
  if (allowed.some((ok) => ok(error))) return null;
  return `${nameOf(error)}: ${messageOf(error)}`;
}

export function nameOf(error) {
  try {
    return error?.constructor?.name ?? typeof error;
  } catch {
    return typeof error;
  }
}

export function messageOf(error) {
  try {
    return String(error?.message ?? error)
      .split('\n')[0]
      .slice(0, 200);
  } catch {
    return '(unprintable)';
  }
}

/** Findings keyed by where and what (numbers blanked), each with a count and up to `keep` examples. */
export class Findings {
  #byKey = new Map();

  constructor(keep = 4) {
    this.keep = keep;
  }

  #entry(kind, where, what) {
    const key = `${kind}|${where}|${String(what).replace(/\d+/g, 'N')}`;
    let entry = this.#byKey.get(key);
    if (!entry) {
      entry = { kind, where, what, count: 0, examples: [] };
      this.#byKey.set(key, entry);
    }
    return entry;
  }

  #keep(entry, example) {
    if (entry.examples.length < this.keep && !entry.examples.some((e) => e.text === example.text)) entry.examples.push(example);
  }

  /** Returns true for the first finding of its kind (so a worker can report it at once). */
  add(kind, where, what, example) {
    const entry = this.#entry(kind, where, what);
    entry.count++;
    this.#keep(entry, example);
    if (entry.count === 1) this.onNew?.(entry, example);
    return entry.count === 1;
  }

  /** How many times this finding was seen. */
  count(kind, where, what) {
    return this.#byKey.get(`${kind}|${where}|${String(what).replace(/\d+/g, 'N')}`)?.count ?? 0;
  }

  /** Adds another worker's findings (their JSON). */
  merge(list) {
    for (const f of list) {
      const entry = this.#entry(f.kind, f.where, f.what);
      entry.count += f.count;
      for (const example of f.examples) this.#keep(entry, example);
    }
  }

  get size() {
    return this.#byKey.size;
  }

  toJSON() {
    return [...this.#byKey.values()];
  }
}

/** fd number → what it is ("socket:[123]", a path, "anon_inode:[eventpoll]"). */
export function openFds() {
  const fds = new Map();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      fds.set(Number(fd), readlinkSync(`/proc/self/fd/${fd}`));
    } catch {}
  }
  return fds;
}

/**
 * Waits (bounded) for the fds opened since `before` to close, collecting
 * garbage meanwhile (finalizers close forgotten servers). Returns the ones
 * still open: sockets, and files under `tmpDir`.
 */
export async function leakedFds(before, tmpDir, ms = 3000) {
  const end = Date.now() + ms;
  for (;;) {
    globalThis.gc?.();
    const leaked = [];
    for (const [fd, what] of openFds()) {
      const was = before.get(fd);
      if (was === what) continue;
      if (what.startsWith('socket:') || (tmpDir && what.startsWith(tmpDir))) leaked.push(`${fd} -> ${what}`);
    }
    if (leaked.length === 0 || Date.now() > end) return leaked;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
