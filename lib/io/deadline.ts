// The one rule for waits across the API (accept, recvfrom, TLS accept): a
// `timeout` is a number of milliseconds in 0..2**31-1 (what a Node timer can
// hold), a `signal` an AbortSignal; both become one AbortSignal, and a wait
// that ran out becomes an ETIMEDOUT SocketError naming what did not come.
import { argumentError, timeoutError, type Where } from '../binding/errors.js';

/** The longest timer Node can hold, in ms. */
export const MAX_TIMEOUT = 2 ** 31 - 1;

export interface WaitOptions {
  signal?: AbortSignal | undefined;
  timeout?: number | undefined;
}

/** A deadline for one wait: `signal` ends it; `expired(error)` tells a timeout from the caller's own abort. */
export interface Deadline {
  signal: AbortSignal | undefined;
  /** When `error` is this deadline's own timeout: the ETIMEDOUT SocketError to throw instead; else `error` itself. */
  explain(error: unknown, syscall: string, what: string, where: Where): unknown;
}

/** Validates a timeout in ms: a TypeError for a non-number, a RangeError outside 0..2**31-1 (NaN, Infinity, negative). */
export function validateTimeout(value: unknown, name = 'options.timeout'): number {
  if (typeof value !== 'number') throw argumentError('type', 'ERR_INVALID_ARG_TYPE', `${name} must be a number of milliseconds`);
  if (!(value >= 0 && value <= MAX_TIMEOUT)) {
    throw argumentError('range', 'ERR_OUT_OF_RANGE', `${name} must be a number of milliseconds in 0..${MAX_TIMEOUT}, got ${value}`);
  }
  return value;
}

/** Validates `{ signal, timeout }` of one wait and joins them into one AbortSignal. */
export function deadlineOf(options: WaitOptions | undefined): Deadline {
  if (options === undefined) return { signal: undefined, explain: (error) => error };
  if (typeof options !== 'object' || options === null) {
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', 'options must be an object');
  }
  const { signal, timeout } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', 'options.signal must be an AbortSignal');
  }
  if (timeout === undefined) return { signal, explain: (error) => error };
  validateTimeout(timeout);
  // AbortSignal.timeout's timer does not hold the process open and goes
  // with the signal: nothing to clear after an early answer.
  const timer = AbortSignal.timeout(timeout);
  return {
    signal: signal === undefined ? timer : AbortSignal.any([signal, timer]),
    explain: (error, syscall, what, where) =>
      timer.aborted && error === timer.reason ? timeoutError(syscall, `no ${what} within ${timeout} ms`, where) : error,
  };
}
