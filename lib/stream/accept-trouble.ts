// What an acceptor does about resource errors (EMFILE, ENFILE, ENOBUFS,
// ENOMEM) besides backing off: one warning per episode, and for the 'shed'
// policy libuv's reserve-fd trick (free a spare fd, accept one connection and
// close it at once, so its client sees a reset instead of hanging in the queue).
import { closeSync } from 'node:fs';
import { C, native, type NativeHandle } from '../binding/native.js';
import type { SocketError } from '../binding/errors.js';
import type { AcceptErrorPolicy } from '../options/types.js';

/**
 * The spare fd of 'shed': a socket handle rather than a bare fd, so that its
 * finalizer closes it when a forgotten server is collected (and a worker's
 * exit closes it with the rest).
 */
function reserveSocket(): NativeHandle {
  return native.socket(C.AF_UNIX, C.SOCK_DGRAM, 0);
}

export class ResourceTrouble {
  readonly #policy: AcceptErrorPolicy;
  readonly #pauseMs: number;
  #reserve: NativeHandle | undefined;
  /** A resource error was warned about and no accept has succeeded since. */
  #episode = false;

  constructor(policy: AcceptErrorPolicy, pauseMs: number) {
    this.#policy = policy;
    this.#pauseMs = pauseMs;
    if (policy === 'shed') this.#reserve = reserveSocket(); // EMFILE here fails the open
  }

  /** An accept succeeded: the next resource error is a new episode. */
  recovered(): void {
    this.#episode = false;
  }

  /** 'pause' and 'shed' keep waiters waiting: say so once per episode (until an accept succeeds). */
  warnOnce(error: SocketError): void {
    if (this.#episode) return;
    this.#episode = true;
    const doing = this.#policy === 'shed' ? 'shedding queued connections while it can' : `retrying every ${this.#pauseMs} ms`;
    process.emitWarning(`${error.message}; ${doing} (acceptErrors: '${this.#policy}'); stats().errors counts each failure`, {
      type: 'AcceptWarning',
      code: error.code,
    });
  }

  /** 'shed': free the reserve fd, accept one connection of `listener` and close it. True if one was shed. */
  shedOne(listener: NativeHandle, counters: { shed: number }): boolean {
    try {
      this.#reserve ??= reserveSocket(); // lost earlier (another thread took the slot): try again
    } catch {
      return false;
    }
    native.close(this.#reserve);
    this.#reserve = undefined;
    let shed = false;
    try {
      for (const fd of native.acceptBatch(listener, 1)) {
        closeSync(fd);
        counters.shed++;
        shed = true;
      }
    } catch {
      // still out of resources: nothing to shed this time
    }
    try {
      this.#reserve = reserveSocket();
    } catch {
      // the freed slot was taken meanwhile: the next attempt, after a back-off, tries again
    }
    return shed;
  }

  close(): void {
    if (this.#reserve !== undefined) native.close(this.#reserve);
    this.#reserve = undefined;
  }
}
