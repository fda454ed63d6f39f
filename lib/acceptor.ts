// Pull-based accept: connections leave the kernel's queue only when someone
// asked for one. Waiters are served in order; when the queue is empty the
// listener is watched (one-shot) until it is readable, and only while
// someone still waits.
import { native, type NativeHandle } from './native.js';
import { fromNative, SocketError } from './errors.js';

interface Waiter {
  resolve(fd: number | null): void;
  reject(error: unknown): void;
}

/** Most fds taken from the kernel in one native call (the rest stay queued). */
const MAX_BATCH = 64;

export class Acceptor {
  readonly #handle: NativeHandle;
  readonly #where: () => { address?: string; port?: number };
  #waiters: Waiter[] = [];
  #watching = false;
  #closed = false;
  readonly #onReadable = (errno: number): void => {
    this.#watching = false;
    if (errno !== 0) {
      const { address, port } = this.#where();
      const error = new SocketError({ errno, code: 'EPOLL', syscall: 'poll', reason: `poll failed with errno ${errno}`, address, port });
      this.#waiters.shift()?.reject(error);
    }
    this.#drain();
  };

  constructor(handle: NativeHandle, where: () => { address?: string; port?: number }) {
    this.#handle = handle;
    this.#where = where;
  }

  /** Resolves to an accepted fd (owned by the caller), or null once closed. */
  next(signal?: AbortSignal): Promise<number | null> {
    if (this.#closed) return Promise.resolve(null);
    signal?.throwIfAborted();
    return new Promise<number | null>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      if (signal !== undefined) {
        const onAbort = (): void => {
          this.#remove(waiter);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.resolve = (fd) => {
          signal.removeEventListener('abort', onAbort);
          resolve(fd);
        };
        waiter.reject = (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        };
      }
      this.#waiters.push(waiter);
      // Only the first waiter starts the machinery; later ones queue behind it.
      if (this.#waiters.length === 1) this.#drain();
    });
  }

  /** Ends every pending next() with null and stops watching. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatching();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.resolve(null);
  }

  #drain(): void {
    while (this.#waiters.length > 0 && !this.#closed) {
      let fds: number[];
      try {
        fds = native.acceptBatch(this.#handle, Math.min(this.#waiters.length, MAX_BATCH), false);
      } catch (error) {
        // EMFILE, EINVAL (not listening)…: the head waiter gets the real
        // errno; the others wait for the next readiness, so nothing spins
        // while nobody is asking.
        const { address, port } = this.#where();
        this.#waiters.shift()!.reject(fromNative(error, address, port));
        break;
      }
      if (fds.length === 0) break;
      for (const fd of fds) this.#waiters.shift()!.resolve(fd);
    }
    if (this.#waiters.length > 0 && !this.#closed) this.#watch();
  }

  #watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    native.waitReadable(this.#handle, this.#onReadable);
  }

  #stopWatching(): void {
    if (!this.#watching) return;
    this.#watching = false;
    native.cancelWait(this.#handle);
  }

  #remove(waiter: Waiter): void {
    const index = this.#waiters.indexOf(waiter);
    if (index >= 0) this.#waiters.splice(index, 1);
    if (this.#waiters.length === 0) this.#stopWatching();
  }
}
