// Waiting for a socket to become readable, for any number of waiters, with
// the watch dropped lazily (at the first wake-up that finds nobody waiting).
import type { NativeHandle } from '../binding/native.js';
import { Watch } from './watch.js';

export class Readiness {
  readonly #watch: Watch;
  #waiters = new Set<(closed: boolean) => void>();
  #closed = false;

  constructor(handle: NativeHandle, where: Watch['where'] = () => ({})) {
    // A poll error wakes the waiters too: their next call meets the error itself.
    this.#watch = new Watch(handle, where, () => {
      if (this.#waiters.size === 0) return this.#watch.stop();
      const waiters = [...this.#waiters];
      this.#waiters.clear();
      this.#watch.idle();
      for (const wake of waiters) wake(false);
    });
  }

  /** Resolves true once readable (or on a poll error: the next call reports it), false when closed. */
  wait(signal?: AbortSignal): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    signal?.throwIfAborted();
    return new Promise<boolean>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters.delete(wake);
        if (this.#waiters.size === 0) this.#watch.idle();
        reject(signal!.reason);
      };
      const wake = (closed: boolean): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(!closed);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(wake);
      this.#watch.start();
    });
  }

  /** Wakes every waiter with false and stops watching. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch.stop();
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake(true);
  }
}
