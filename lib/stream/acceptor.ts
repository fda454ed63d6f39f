// Pull-based accept: connections leave the kernel's queue only when someone
// asked for them. Waiters are served in order. While someone waits and the
// queue is empty, the listener is watched for readability; the watch is
// dropped lazily (at the first wake-up that finds nobody waiting), so a busy
// server does not pay two epoll_ctl calls per idle moment.
import { native, type NativeHandle } from '../binding/native.js';
import { socketErrorOf, withAddress, type SocketError, type Where } from '../binding/errors.js';
import type { AcceptErrorPolicy } from '../options/types.js';
import { Watch } from '../io/watch.js';
import { ResourceTrouble } from './accept-trouble.js';

/**
 * What to do when accept() fails for want of resources (EMFILE, ENFILE,
 * ENOBUFS, ENOMEM): the connection stays queued and the listener readable.
 * - pause (openServer's default): stop accepting for `pauseMs`, then retry (nginx, asyncio);
 *   waiters keep waiting, so a `for await` loop survives; one warning per episode.
 * - propagate (the PHP facade's: PHP's accept fails): the head waiter rejects with the real errno.
 * - shed: libuv's reserve-fd trick: free a spare fd, accept the connection and close it at
 *   once, so clients see a reset instead of hanging in the queue; waiters keep waiting.
 * Whatever the policy, no accept4 follows a resource error before `pauseMs` has passed
 * (unless a connection was just shed): never a busy loop, also not a caller's retry loop.
 */
export type { AcceptErrorPolicy };

export interface AcceptCounters {
  /** Connections handed to callers. */
  accepted: number;
  /** accept4() failures by code (EMFILE, ENFILE, EINVAL…). */
  errors: Record<string, number>;
  /** Back-offs after a resource error (any policy). */
  pauses: number;
  /** Connections accepted and closed by the 'shed' policy. */
  shed: number;
}

const RESOURCE_ERRORS = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']);

interface Waiter {
  /** How many fds this waiter takes at most. */
  max: number;
  resolve(fds: number[] | null): void;
  reject(error: unknown): void;
}

/**
 * After an accept4 met the empty queue, this many asks outside a wake-up
 * wait for the poll before one tries accept4 again.
 */
const SKIP_AFTER_EMPTY_ASK = 15;

/** Most fds taken from the kernel in one native call (the rest stay queued). */
export const MAX_BATCH = 64;

export class Acceptor {
  readonly #handle: NativeHandle;
  readonly #where: () => Where;
  readonly #policy: AcceptErrorPolicy;
  readonly #pauseMs: number;
  readonly counters: AcceptCounters = { accepted: 0, errors: {}, pauses: 0, shed: 0 };
  #waiters: Waiter[] = [];
  /** ready() callers: woken by the next readiness, nothing taken. */
  #peekers = new Set<(queued: boolean) => void>();
  readonly #watch: Watch;
  #closed = false;
  #suspended = false;
  #backOff: NodeJS.Timeout | undefined;
  readonly #trouble: ResourceTrouble;
  /** Asks outside a wake-up that will not try accept4 (the last accept4 met the empty queue). */
  #asksToSkip = 0;
  readonly #onReady = (error: SocketError | null, hangup: boolean): void => {
    // A poll error also answers "something is there": the accept that follows reports it.
    for (const wake of this.#peekers) wake(true);
    this.#peekers.clear();
    if (this.#waiters.length === 0) return this.#watch.stop();
    // libuv stopped the poll: the head waiter learns why; the others restart it (#drain).
    if (error !== null) this.#waiters.shift()!.reject(error);
    this.#drain(true, hangup); // woken: the poll says something is there
  };

  constructor(handle: NativeHandle, where: () => Where, policy: AcceptErrorPolicy = 'propagate', pauseMs = 100) {
    this.#handle = handle;
    this.#where = where;
    this.#policy = policy;
    this.#pauseMs = pauseMs;
    this.#watch = new Watch(handle, where, this.#onReady);
    this.#trouble = new ResourceTrouble(policy, pauseMs); // 'shed': EMFILE here fails the open
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
      // With a signal (a deadline: accept({ timeout: 0 }) means "if one is queued") always ask at once.
      this.#enqueue(waiter, signal !== undefined);
    });
  }

  /**
   * take() with callbacks instead of a promise of its own, for the
   * iterator, which makes one promise per connection and no more.
   * `resolve` must not throw.
   */
  wait(max: number, resolve: (fds: number[] | null) => void, reject: (error: unknown) => void): void {
    if (this.#closed) return resolve(null);
    this.#enqueue({ max, resolve, reject }, false);
  }

  #enqueue(waiter: Waiter, askNow: boolean): void {
    this.#waiters.push(waiter);
    // Only the first waiter starts the machinery; later ones queue behind it.
    if (this.#waiters.length === 1) this.#drain(askNow, false);
  }

  /** Resolves true once a connection is queued (nothing is taken), false once closed. */
  ready(signal?: AbortSignal): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    signal?.throwIfAborted();
    return new Promise<boolean>((resolve, reject) => {
      const wake = (queued: boolean): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(queued);
      };
      const onAbort = (): void => {
        this.#peekers.delete(wake);
        if (this.#peekers.size === 0 && this.#waiters.length === 0) this.#watch.idle();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#peekers.add(wake);
      // Level-triggered: a connection already queued wakes it at the next poll.
      if (!this.#suspended && this.#backOff === undefined) this.#watch.start();
    });
  }

  /** Ends every pending take() with null and stops watching. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch.stop();
    clearTimeout(this.#backOff);
    this.#trouble.close();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.resolve(null);
    for (const wake of this.#peekers) wake(false);
    this.#peekers.clear();
  }

  /** Stops watching and accepting (waiters keep waiting) until resume(): the fd is being handed to someone else. */
  suspend(): void {
    this.#suspended = true;
    this.#watch.stop();
  }

  resume(): void {
    this.#suspended = false;
    if (this.#waiters.length > 0) this.#drain(false, false);
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
  #drain(askNow: boolean, hangup: boolean): void {
    if (this.#backOff !== undefined || this.#suspended) return;
    // Asked outside a wake-up, after asks that found the queue empty: leave it
    // to the poll (level-triggered: a queued connection wakes it at the next
    // turn) instead of an accept4 that would likely find nothing, and costs
    // more then than when it finds a connection (it allocates a socket first).
    // One connection at a time meets an empty queue at every ask; a busy
    // server's asks find connections and go on asking.
    if (!askNow && this.#asksToSkip > 0) {
      this.#asksToSkip--;
      return this.#watchFor();
    }
    while (this.#waiters.length > 0 && !this.#closed) {
      let fds: number[];
      const wanted = this.#wanted();
      try {
        fds = native.acceptBatch(this.#handle, wanted);
      } catch (caught) {
        const error = withAddress(caught, this.#where()) as SocketError;
        const code = error.code ?? 'UNKNOWN';
        this.counters.errors[code] = (this.counters.errors[code] ?? 0) + 1;
        if (!RESOURCE_ERRORS.has(code)) {
          // EINVAL when not listening…: the head waiter gets the real errno; the
          // others wait for the next readiness, so nothing spins while nobody asks.
          this.#waiters.shift()!.reject(error);
          break;
        }
        if (this.#policy === 'propagate') this.#waiters.shift()!.reject(error);
        else this.#trouble.warnOnce(error);
        if (this.#policy === 'shed' && this.#trouble.shedOne(this.#handle, this.counters)) continue;
        return this.#pause(); // also when shedding was impossible (no reserve, nothing queued)
      }
      // Fewer than wanted: accept4 met the empty queue. All of them on a plain
      // ask: a busy queue, go on asking.
      if (fds.length < wanted) this.#asksToSkip = SKIP_AFTER_EMPTY_ASK;
      else if (!askNow) this.#asksToSkip = 0;
      if (fds.length === 0) {
        if (hangup) return this.#failAll(socketErrorOf('EINVAL', 'accept4', 'Invalid argument', this.#where()));
        break;
      }
      this.#trouble.recovered();
      this.counters.accepted += fds.length;
      for (let i = 0; i < fds.length;) {
        const waiter = this.#waiters.shift()!;
        waiter.resolve(i === 0 && fds.length <= waiter.max ? fds : fds.slice(i, i + waiter.max));
        i += waiter.max;
      }
      if (fds.length < wanted) break; // the queue is empty: the others wait for the poll
    }
    this.#watchFor();
  }

  /** Watches while anyone waits; idles (no native call) when nobody does. */
  #watchFor(): void {
    if (this.#closed) return;
    if (this.#waiters.length === 0 && this.#peekers.size === 0) return this.#watch.idle();
    try {
      this.#watch.start();
    } catch (error) {
      // No poll (the fd is gone, or someone else's watcher has it): nobody would wake them.
      this.#failAll(error as SocketError);
    }
  }

  /** Back-off after a resource error: no watch and no accept4 for pauseMs, then retry. */
  #pause(): void {
    this.counters.pauses++;
    this.#watch.stop();
    this.#backOff = setTimeout(() => {
      this.#backOff = undefined;
      this.#drain(false, false);
    }, this.#pauseMs);
    this.#backOff.unref(); // the server's keep-alive decides about the process
  }

  #failAll(error: SocketError): void {
    this.#watch.stop();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  #remove(waiter: Waiter): void {
    const index = this.#waiters.indexOf(waiter);
    if (index >= 0) this.#waiters.splice(index, 1);
    if (this.#waiters.length === 0) this.#watch.idle();
  }
}
