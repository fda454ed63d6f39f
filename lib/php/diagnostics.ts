// How the facade reports what PHP reports: warnings and notices become
// process warnings with PHP's exact text; the SocketError PHP would lose
// stays reachable through lastSocketError().
import { SocketError } from '../index.js';

export type PhpLevel = 'Warning' | 'Notice' | 'Deprecated';

/**
 * Emits PHP's diagnostic `function(): message` as a process warning of type
 * PHPWarning / PHPNotice; `fn` null for the few PHP raises without the
 * function's name.
 */
export function phpWarning(fn: string | null, message: string, level: PhpLevel = 'Warning'): void {
  const warning = new Error(fn === null ? message : `${fn}(): ${message}`);
  warning.name = `PHP${level}`;
  // Now, as PHP prints it: process.emitWarning() would wait for the next tick,
  // after the caller's next statement, so a program that dies right after
  // (PHP's TypeError on the false it got) would never show it. Node's own
  // printer listens to 'warning' (and is absent under --no-warnings).
  process.emit('warning', warning);
}

/** A warning decided now and emitted later, under the function that reports it. */
export interface PendingWarning {
  text: string;
  /** PHP raises it without the function's name. */
  bare?: boolean;
}

export function emitPending(fn: string, warnings: readonly PendingWarning[]): void {
  for (const w of warnings) phpWarning(w.bare === true ? null : fn, w.text);
}

let lastError: SocketError | null = null;

/** The SocketError behind the last facade call that failed on a syscall (null if it did not). */
export function lastSocketError(): SocketError | null {
  return lastError;
}

/** Keeps `error` for lastSocketError() if it is a SocketError (anything else clears it). */
export function recordSocketError(error: unknown): void {
  if (!(error instanceof SocketError)) {
    lastError = null;
    return;
  }
  // V8 keeps an error's raw stack frames, their `this` included (the server
  // that failed), until .stack is first read: format it now, so the error
  // kept here does not keep a forgotten server (and its fd) alive.
  void error?.stack;
  lastError = error;
}

/** PHP's ini settings that the facade reads. */
const ini: Record<string, string> = { default_socket_timeout: '60' };

export function ini_get(name: string): string | false {
  return Object.hasOwn(ini, name) ? ini[name]! : false;
}

/** Sets a supported ini value; returns the old value, or false for a setting the facade does not know. */
export function ini_set(name: string, value: string | number): string | false {
  if (!Object.hasOwn(ini, name)) return false;
  const old = ini[name]!;
  ini[name] = String(value);
  return old;
}
