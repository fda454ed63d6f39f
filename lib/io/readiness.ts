// Waiting for a socket to become readable, for any number of waiters, with
// the watch dropped lazily (at the first wake-up that finds nobody waiting).
import { native, type NativeHandle } from '../binding/native.js';

export class Readiness {
  readonly #handle: NativeHandle;
  #waiters = new Set<(closed: boolean) => void>();
  #watching = false;
  #closed = false;
  readonly #onReadable = (): void => {
    if (this.#waiters.size === 0) {
      this.#watching = false;
      native.pollStop(this.#handle);
      return;
    }
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake(false);
  };

  constructor(handle: NativeHandle) {
    this.#handle = handle;
  }

  /** Resolves true once readable (or on a poll error: the next call reports it), false when closed. */
  wait(signal?: AbortSignal): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    signal?.throwIfAborted();
    return new Promise<boolean>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters.delete(wake);
        reject(signal!.reason);
      };
      const wake = (closed: boolean): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(!closed);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(wake);
      if (!this.#watching) {
        this.#watching = true;
        native.pollStart(this.#handle, this.#onReadable);
      }
    });
  }

  /** Wakes every waiter with false and stops watching. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#watching) native.pollStop(this.#handle);
    this.#watching = false;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake(true);
  }
}
