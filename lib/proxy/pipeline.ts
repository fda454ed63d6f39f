// Accepting with the PROXY protocol: while someone waits, connections are
// taken from the kernel and their headers read side by side (each with its
// own deadline, in ProxyReader), and handed out in the order their headers
// complete. A slow or silent sender costs a slot, never another client's
// turn. At most `maxPending` headers are read at once: past that, accepting
// pauses (the kernel's queue holds the rest) until one finishes.
import type { ProxyHeader } from './header.js';
import type { ProxyReader } from './reader.js';

export interface Admitted {
  fd: number;
  header: ProxyHeader | undefined;
}

interface Waiter {
  resolve(value: Admitted | null): void;
  reject(error: unknown): void;
}

export class ProxyPipeline {
  readonly #accept: (signal: AbortSignal) => Promise<number[] | null>;
  readonly #reader: ProxyReader;
  readonly #maxPending: number;
  readonly #ready: Admitted[] = [];
  readonly #waiters: Waiter[] = [];
  #pending = 0;
  #running: AbortController | undefined;
  #closed = false;

  /** `accept` resolves some accepted fds (owned by us), or null once the listener closed. */
  constructor(accept: (signal: AbortSignal) => Promise<number[] | null>, reader: ProxyReader, maxPending = 1024) {
    this.#accept = accept;
    this.#reader = reader;
    this.#maxPending = maxPending;
  }

  get pending(): number {
    return this.#pending;
  }

  /** The next connection whose header was read (and its fd, ours to wrap), or null once closed and drained. */
  next(): Promise<Admitted | null> {
    const ready = this.#ready.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#closed && this.#pending === 0) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      void this.#run();
    });
  }

  /** No more accepting; headers in flight still finish and are handed out, then waiters get null. */
  close(): void {
    this.#closed = true;
    this.#running?.abort();
    this.#settleIfDone();
  }

  async #run(): Promise<void> {
    if (this.#running !== undefined || this.#closed) return;
    const run = new AbortController();
    this.#running = run;
    try {
      // While anyone waits, keep accepting: a header in flight (a slow sender's) must not keep the next client queued.
      while (this.#waiters.length > 0 && this.#pending < this.#maxPending && !run.signal.aborted) {
        let fds: number[] | null;
        try {
          fds = await this.#accept(run.signal);
        } catch (error) {
          if (run.signal.aborted) return;
          this.#waiters.shift()?.reject(error);
          continue;
        }
        if (fds === null) {
          this.#closed = true;
          return this.#settleIfDone();
        }
        for (const fd of fds) this.#read(fd);
      }
    } finally {
      if (this.#running === run) this.#running = undefined;
    }
  }

  #read(fd: number): void {
    this.#pending++;
    void this.#reader.take(fd).then((outcome) => {
      this.#pending--;
      if (outcome.fd !== null) {
        const admitted = { fd: outcome.fd, header: outcome.header };
        const waiter = this.#waiters.shift();
        if (waiter === undefined) this.#ready.push(admitted);
        else waiter.resolve(admitted);
      }
      this.#settleIfDone();
      // A slot came free, or a dropped connection left its waiter waiting: accept on.
      if (this.#waiters.length > 0) void this.#run();
    });
  }

  #settleIfDone(): void {
    if (!this.#closed || this.#pending > 0) return;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(null);
  }
}
