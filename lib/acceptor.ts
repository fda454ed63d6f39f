// Pull-based accept: connections leave the kernel's queue only when someone
// asked for them. Waiters are served in order. While someone waits and the
// queue is empty, the listener is watched for readability; the watch is
// dropped lazily (at the first wake-up that finds nobody waiting), so a busy
// server does not pay two epoll_ctl calls per idle moment.
import { native, type NativeHandle } from './native.js';
import { constants } from 'node:os';
import { fromNative, SocketError } from './errors.js';

const errnos = constants.errno;

interface Waiter {
  /** How many fds this waiter takes at most. */
  max: number;
  resolve(fds: number[] | null): void;
  reject(error: unknown): void;
}

/** Most fds taken from the kernel in one native call (the rest stay queued). */
export const MAX_BATCH = 64;

export class Acceptor {
  readonly #handle: NativeHandle;
  readonly #where: () => { address?: string; port?: number };
  #waiters: Waiter[] = [];
  #watching = false;
  #closed = false;
  readonly #onReadable = (errno: number, hangup: boolean): void => {
    if (this.#waiters.length === 0) return this.#stopWatching();
    if (errno !== 0) {
      const { address, port } = this.#where();
      const error = new SocketError({ errno, code: 'EPOLL', syscall: 'poll', reason: `poll failed with errno ${errno}`, address, port });
      this.#waiters.shift()!.reject(error);
    }
    this.#drain(hangup);
  };

  constructor(handle: NativeHandle, where: () => { address?: string; port?: number }) {
    this.#handle = handle;
    this.#where = where;
  }

  /**
   * Resolves to between 1 and `max` accepted fds (owned by the caller),
   * as many as the kernel has queued; or null once closed.
   */
  take(max: number, signal?: AbortSignal): Promise<number[] | null> {
    if (this.#closed) return Promise.resolve(null);
    signal?.throwIfAborted();
    return new Promise<number[] | null>((resolve, reject) => {
      const waiter: Waiter = { max, resolve, reject };
      if (signal !== undefined) {
        const onAbort = (): void => {
          this.#remove(waiter);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.resolve = (fds) => {
          signal.removeEventListener('abort', onAbort);
          resolve(fds);
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

  /** Ends every pending take() with null and stops watching. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatching();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.resolve(null);
  }

  #wanted(): number {
    let wanted = 0;
    for (const waiter of this.#waiters) {
      wanted += waiter.max;
      if (wanted >= MAX_BATCH) return MAX_BATCH;
    }
    return wanted;
  }

  /**
   * Serves waiters from the kernel's queue. `hangup`: the poll saw POLLHUP,
   * i.e. the listener was shut down; if the queue is then empty, no
   * connection can ever come (Linux's blocking accept says EINVAL, some
   * kernels' non-blocking one only EAGAIN), so waiters get EINVAL instead
   * of a level-triggered spin.
   */
  #drain(hangup = false): void {
    while (this.#waiters.length > 0 && !this.#closed) {
      let fds: number[];
      try {
        fds = native.acceptBatch(this.#handle, this.#wanted(), false);
      } catch (error) {
        // EMFILE, EINVAL (not listening)…: the head waiter gets the real
        // errno; the others wait for the next readiness, so nothing spins
        // while nobody is asking.
        const { address, port } = this.#where();
        this.#waiters.shift()!.reject(fromNative(error, address, port));
        break;
      }
      if (fds.length === 0) {
        if (hangup) return this.#failAll(new SocketError({ errno: errnos.EINVAL, code: 'EINVAL', syscall: 'accept4', reason: 'Invalid argument', ...this.#where() }));
        break;
      }
      for (let i = 0; i < fds.length; ) {
        const waiter = this.#waiters.shift()!;
        waiter.resolve(fds.slice(i, i + waiter.max));
        i += waiter.max;
      }
    }
    if (this.#waiters.length > 0 && !this.#closed) this.#watch();
  }

  #failAll(error: SocketError): void {
    this.#stopWatching();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  #watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    native.pollStart(this.#handle, this.#onReadable);
  }

  #stopWatching(): void {
    if (!this.#watching) return;
    this.#watching = false;
    native.pollStop(this.#handle);
  }

  #remove(waiter: Waiter): void {
    const index = this.#waiters.indexOf(waiter);
    if (index >= 0) this.#waiters.splice(index, 1);
  }
}
