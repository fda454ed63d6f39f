// Waiting for a socket to become readable, for any number of waiters, with
// the watch dropped lazily (at the first wake-up that finds nobody waiting).
import type { NativeHandle } from '../binding/native.js';
import type { SocketError } from '../binding/errors.js';
import { Watch } from './watch.js';

interface Waiter {
  wake(closed: boolean): void;
  fail(error: SocketError): void;
}

export class Readiness {
  readonly #watch: Watch;
  #waiters = new Set<Waiter>();
  #closed = false;

  constructor(handle: NativeHandle, where: Watch['where'] = () => ({})) {
    this.#watch = new Watch(handle, where, (error) => {
      if (this.#waiters.size === 0) return this.#watch.stop();
      const waiters = [...this.#waiters];
      this.#waiters.clear();
      // A poll error (libuv stopped the poll) is every waiter's answer: woken
      // instead, they would find nothing to read, wait again and meet it again.
      if (error !== null) for (const waiter of waiters) waiter.fail(error);
      else {
        this.#watch.idle();
        for (const waiter of waiters) waiter.wake(false);
      }
    });
  }

  /** Resolves true once readable, false when closed; rejects with a poll error (a later wait watches anew). */
  wait(signal?: AbortSignal): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    signal?.throwIfAborted();
    return new Promise<boolean>((resolve, reject) => {
      this.#watch.start(); // if it throws, the wait rejects with nothing registered
      const onAbort = (): void => {
        this.#waiters.delete(waiter);
        if (this.#waiters.size === 0) this.#watch.idle();
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        wake: (closed) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(!closed);
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /** Wakes every waiter with false and stops watching. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch.stop();
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) waiter.wake(true);
  }
}
