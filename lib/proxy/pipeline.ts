// Accepting when each connection must be looked at before it is handed out
// (its PROXY header read, its source admitted): while someone waits,
// connections are taken from the kernel and examined side by side, each on
// its own (ProxyReader gives each its own deadline), and handed out in the
// order they pass. A slow or silent sender costs a slot, never another
// client's turn. At most `maxPending` are examined at once: past that,
// accepting pauses (the kernel's queue holds the rest) until one finishes.

interface Waiter<T> {
  resolve(value: T | null): void;
  reject(error: unknown): void;
}

export interface PipelineSteps<T> {
  /** Up to `max` accepted fds (ours), or null once the listener closed. */
  accept(max: number, signal: AbortSignal): Promise<number[] | null>;
  /**
   * What to hand out for `fd` (which it owns from now on), or null if it was
   * refused: at once when the first look decides (the common case), else later.
   */
  examine(fd: number): T | null | Promise<T | null>;
  /** Ends one that passed but will never be handed out (the pipeline closed). */
  discard(passed: T): void;
}

/** Most fds taken from the kernel in one call (the acceptor's MAX_BATCH). */
const MAX_AT_ONCE = 64;

export class ProxyPipeline<T> {
  readonly #steps: PipelineSteps<T>;
  readonly #maxPending: number;
  readonly #ready: T[] = [];
  readonly #waiters: Waiter<T>[] = [];
  #pending = 0;
  #running: AbortController | undefined;
  /** No more accepting (the listener closed, or was handed on). */
  #stopped = false;
  /** Nothing more is handed out. */
  #closed = false;

  constructor(steps: PipelineSteps<T>, maxPending = 1024) {
    this.#steps = steps;
    this.#maxPending = maxPending;
  }

  /** Connections being examined now. */
  get pending(): number {
    return this.#pending;
  }

  /** Connections that passed and wait for someone to take them. */
  get ready(): number {
    return this.#ready.length;
  }

  /** The next connection that passed, or null once stopped and drained. `signal` gives up the wait (not the connection). */
  next(signal?: AbortSignal): Promise<T | null> {
    signal?.throwIfAborted();
    const ready = this.#ready.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#stopped && this.#pending === 0) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject };
      if (signal !== undefined) {
        const onAbort = (): void => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          if (this.#waiters.length === 0) this.#running?.abort(); // nobody waits: leave the rest queued in the kernel
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.resolve = (value) => (signal.removeEventListener('abort', onAbort), resolve(value));
        waiter.reject = (error) => (signal.removeEventListener('abort', onAbort), reject(error));
      }
      this.#waiters.push(waiter);
      void this.#run();
    });
  }

  /** No more accepting; what is being examined still finishes and is handed out, then waiters get null. */
  stop(): void {
    this.#stopped = true;
    this.#running?.abort();
    this.#settleIfDone();
  }

  /** Stops, and ends what passed but was not taken; later passes are discarded too. Waiters get null. */
  close(): void {
    this.#closed = true;
    this.stop();
    for (const passed of this.#ready.splice(0)) this.#steps.discard(passed);
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(null);
  }

  async #run(): Promise<void> {
    if (this.#running !== undefined || this.#stopped) return;
    const run = new AbortController();
    this.#running = run;
    try {
      // While anyone waits, keep accepting: one being examined (a slow sender) must not keep the
      // next client queued. No more at a time than there are waiters: what nobody asked for stays
      // in the kernel's queue (visible to queue() and poll, judged by admission when its turn comes).
      while (this.#waiters.length > 0 && this.#pending < this.#maxPending && !run.signal.aborted) {
        let fds: number[] | null;
        try {
          fds = await this.#steps.accept(Math.min(this.#waiters.length, this.#maxPending - this.#pending, MAX_AT_ONCE), run.signal);
        } catch (error) {
          if (run.signal.aborted) return;
          this.#waiters.shift()?.reject(error);
          continue;
        }
        if (fds === null) return this.stop();
        for (const fd of fds) this.#examine(fd);
      }
    } finally {
      if (this.#running === run) {
        this.#running = undefined;
        // Someone came to wait while this run was being stopped (nobody waited a moment ago): accept for them.
        if (run.signal.aborted && this.#waiters.length > 0 && !this.#stopped) void this.#run();
      }
    }
  }

  #examine(fd: number): void {
    this.#pending++;
    let outcome: T | null | Promise<T | null>;
    try {
      outcome = this.#steps.examine(fd);
    } catch {
      outcome = null; // examine() ends what it refuses; a throw is a refusal too
    }
    // Decided at once: the waiter is served before the loop asks whether anyone still waits.
    if (!(outcome instanceof Promise)) return this.#passed(outcome);
    outcome.then(
      (passed) => this.#passed(passed),
      () => this.#passed(null),
    );
  }

  #passed(passed: T | null): void {
    this.#pending--;
    if (passed !== null) {
      const waiter = this.#closed ? undefined : this.#waiters.shift();
      if (this.#closed) this.#steps.discard(passed);
      else if (waiter === undefined) this.#ready.push(passed);
      else waiter.resolve(passed);
    }
    // Nobody waits any more: an accept still in flight would take a connection for nobody
    // (and hold the server from the garbage collector while it waits).
    if (this.#waiters.length === 0) this.#running?.abort();
    this.#settleIfDone();
    // A slot came free, or a refused connection left its waiter waiting: accept on.
    if (this.#waiters.length > 0) void this.#run();
  }

  #settleIfDone(): void {
    if (!this.#stopped || this.#pending > 0) return;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(null);
  }
}
