// StreamServer: a listening (or bound) stream socket that hands out
// connections as net.Sockets, pulled one by one from the kernel's queue.
import type * as net from 'node:net';
import { optionAddress, SOCKET_OPTIONS, type OptionSpec, type SocketOptionName } from '../options/sockopts.js';
import { Acceptor, MAX_BATCH, type AcceptErrorPolicy } from './acceptor.js';
import type { AcceptOptions, ServerStats } from './server-types.js';
import { sampleOverflows, type AcceptQueue, type OverflowSample } from './observe.js';

export type { AcceptQueue, OverflowSample };
import { listenCounters, somaxconn, type ListenCounters } from '../socket/netstat.js';
import { BoundSocket } from '../socket/bound-socket.js';
import { argumentError, closedError, socketErrorOf, unavailableError } from '../binding/errors.js';
import { deadlineOf } from '../io/deadline.js';
import { C, native, type NativeEndpoint, type NativeHandle } from '../binding/native.js';
import { DEFAULT_BACKLOG, validateBacklog } from '../options/options.js';
import { wrapAccepted } from './socket-wrap.js';
import { checkTarget, listenOnFd, TargetClosed } from './hand-off.js';
import { isUnixEndpoint } from '../net/address.js';
import { removeBoundFile, type BoundFile } from '../socket/unix-file.js';

export type { AddressInfo, UnixAddressInfo } from '../net/address.js';

export type { AcceptOptions, ServerStats } from './server-types.js';

interface Bound {
  local?: NativeEndpoint;
  file?: BoundFile | undefined;
  acceptErrors?: AcceptErrorPolicy | undefined;
  acceptPauseMs?: number | undefined;
  allowHalfOpen?: boolean | undefined;
}

const CREATE = Symbol('StreamServer.create');

export class StreamServer extends BoundSocket implements AsyncIterable<net.Socket> {
  readonly #acceptor: Acceptor;
  readonly #file: BoundFile | undefined;
  #backlog: number | undefined;
  #closed = false;
  #handingOff = false;
  #refed = true;
  readonly #allowHalfOpen: boolean;

  /** @internal Use openServer(). */
  readonly #openedCounters: ListenCounters | undefined = listenCounters();

  constructor(token: typeof CREATE, handle: NativeHandle, backlog: number | undefined, bound: Bound = {}) {
    if (token !== CREATE) throw new TypeError('StreamServer is created by openServer()');
    super(handle, bound.local ?? native.getsockname(handle));
    this.#backlog = backlog;
    this.#file = bound.file;
    this.#allowHalfOpen = bound.allowHalfOpen === true;
    this.#acceptor = new Acceptor(handle, () => this.where, bound.acceptErrors, bound.acceptPauseMs);
    native.setKeepAlive(handle, true);
  }

  /** @internal Used by the openers (lib/open/). */
  static fromHandle(handle: NativeHandle, backlog: number | undefined, bound?: Bound): StreamServer {
    return new StreamServer(CREATE, handle, backlog, bound);
  }

  /** @internal For the PHP facade: shutdown(2) on the listener. */
  shutdown(how: number): void {
    this.syscall(() => native.shutdown(this.handle, how));
  }

  /** The backlog last passed to listen(), as requested; queue().limit is what the kernel applies. */
  get backlog(): number | undefined {
    return this.#backlog;
  }

  get listening(): boolean {
    return this.#backlog !== undefined && !this.#closed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * listen(2): starts listening on a bound-only server, or changes the
   * backlog of a listening one at run time (queued connections stay).
   */
  listen(backlog: number = this.#backlog ?? DEFAULT_BACKLOG): this {
    validateBacklog(backlog);
    this.syscall(() => native.listen(this.handle, backlog));
    this.#backlog = backlog;
    return this;
  }

  /** The accept queue as the kernel sees it: TCP_INFO for tcp, sock_diag netlink for unix (what ss shows). */
  queue(): AcceptQueue {
    if (isUnixEndpoint(this.localEndpoint)) {
      const q = this.syscall(() => native.unixQueue(this.handle));
      return q.listening ? { length: q.length, limit: q.limit } : { length: 0, limit: 0 };
    }
    const info = this.syscall(() => native.tcpInfo(this.handle));
    if (info.state !== C.TCP_STATE_LISTEN) return { length: 0, limit: 0 };
    return { length: info.unacked, limit: info.sacked };
  }

  /** Reads an option back from the kernel (getsockopt), by its name in the options table. */
  getOption(name: SocketOptionName): boolean | number | string {
    const spec: OptionSpec = SOCKET_OPTIONS[name];
    if (spec === undefined) throw argumentError('type', 'ERR_INVALID_ARG_VALUE', `unknown option ${JSON.stringify(name)}`);
    const { level, name: constant } = optionAddress(spec, this.localEndpoint.family === C.AF_INET6);
    const l = C[level];
    const n = C[constant];
    if (l === undefined || n === undefined) {
      throw unavailableError('getsockopt', constant, this.where);
    }
    if (spec.kind === 'string') {
      const bytes = this.syscall(() => native.getsockoptBuffer(this.handle, l, n, 64));
      const nul = bytes.indexOf(0);
      return bytes.subarray(0, nul < 0 ? bytes.length : nul).toString();
    }
    const value = this.syscall(() => native.getsockopt(this.handle, l, n));
    return spec.kind === 'bool' ? value !== 0 : value;
  }

  /** Escape hatch: setsockopt(2) with an int value, e.g. setsockopt(C.SOL_SOCKET, C.SO_PRIORITY, 6). */
  setsockopt(level: number, name: number, value: number): void {
    this.syscall(() => native.setsockopt(this.handle, level, name, value));
  }

  /** Escape hatch: getsockopt(2) of an int option. */
  getsockopt(level: number, name: number): number {
    return this.syscall(() => native.getsockopt(this.handle, level, name));
  }

  /**
   * Hands the listening socket to a net.Server (so to http.createServer(),
   * express, fastify): libuv accepts on it from now on, with our backlog and
   * options (node:net would call listen(fd, 511) on an adopted fd, 0 included;
   * we pass ours and set it again). Nothing is given up before the target is
   * known to be a net.Server that does not listen yet; until it listens, the
   * fd stays ours, so a failure leaves this server open and usable. Then this
   * StreamServer is closed, and a unix socket file we created is removed when
   * the net.Server closes. Resolves once it listens.
   */
  async handOff<T extends net.Server>(target: T): Promise<T> {
    if (this.#closed) throw closedError('accept4', this.where);
    if (this.#handingOff) throw socketErrorOf('EALREADY', 'handOff', 'a hand-off of this server is already in progress', this.where);
    checkTarget(target);
    const backlog = this.#backlog ?? DEFAULT_BACKLOG;
    this.listen(backlog); // as node:net will next: a failure fails here, on our fd
    this.#acceptor.suspend(); // libuv refuses an fd it already watches
    this.#handingOff = true;
    try {
      // In the 'listening' tick: releasing closes our poll, which drops the fd from
      // epoll; node:net's own watcher is registered only at libuv's next poll.
      await listenOnFd(target, this.fd, backlog, () => {
        native.listen(this.handle, backlog); // node:net passed `backlog || 511`
        this.#closed = true;
        this.#acceptor.close();
        native.release(this.handle);
      });
    } catch (error) {
      if (error instanceof TargetClosed) {
        // node:net had opened the fd and closed it with its handle: the number is no longer ours to close.
        this.#closed = true;
        this.#acceptor.close();
        native.release(this.handle);
        if (this.#file) removeBoundFile(this.#file);
        throw socketErrorOf('ECANCELED', 'handOff', error.message, this.where);
      }
      if (this.#closed)
        native.close(this.handle); // close() came while we waited: now it can
      else this.#acceptor.resume();
      throw error;
    } finally {
      this.#handingOff = false;
    }
    const file = this.#file;
    if (file) target.once('close', () => removeBoundFile(file));
    return target;
  }

  /** Counters, the backlog as asked and as applied, the queue, and the namespace's overflow counters since open. */
  stats(): ServerStats {
    const queue = this.#closed ? undefined : this.queue();
    const max = somaxconn();
    const applied = queue?.limit;
    const clamped = this.#backlog !== undefined && max !== undefined && this.#backlog > max;
    const now = listenCounters();
    const base = this.#openedCounters;
    return {
      ...this.#acceptor.counters,
      errors: { ...this.#acceptor.counters.errors },
      backlog: { requested: this.#backlog, applied, somaxconn: max, clampedBy: clamped ? 'net.core.somaxconn' : null },
      queue,
      system:
        now && base
          ? { listenOverflows: now.listenOverflows - base.listenOverflows, listenDrops: now.listenDrops - base.listenDrops }
          : undefined,
    };
  }

  /**
   * Samples the accept queue and the namespace's ListenOverflows every
   * `interval` ms and yields a sample whenever overflows were added or the
   * queue is full (stream/observe.ts). Ends when the server closes or `signal` aborts.
   */
  overflows(options: { interval?: number; signal?: AbortSignal } = {}): AsyncGenerator<OverflowSample, void, undefined> {
    return sampleOverflows(this, options);
  }

  /** Takes one connection from the queue, waiting if it is empty. */
  async accept(options: AcceptOptions = {}): Promise<net.Socket> {
    const fds = await this.#take(1, options);
    if (fds === null) throw closedError('accept4', this.where);
    return wrapAccepted(fds[0]!, this.#kind(), { paused: options.paused, allowHalfOpen: options.allowHalfOpen ?? this.#allowHalfOpen });
  }

  /**
   * Resolves true once a connection is queued, without accepting it (what
   * poll() or PHP's stream_select() report for a listener); false once closed.
   */
  waitAcceptable(signal?: AbortSignal): Promise<boolean> {
    return this.#acceptor.ready(signal);
  }

  /** Takes one connection and returns its raw fd: the caller owns (and must close) it. Null once closed. */
  async acceptFd(options: AcceptOptions = {}): Promise<number | null> {
    const fds = await this.#take(1, options);
    return fds === null ? null : fds[0]!;
  }

  /**
   * Takes up to `max` (1..64) connections already queued, waiting for the
   * first if none is; returns their raw fds (the caller owns them), or null
   * once closed. For accept loops that do not need net.Sockets.
   */
  async acceptFds(max = MAX_BATCH, options: AcceptOptions = {}): Promise<number[] | null> {
    if (!Number.isInteger(max) || max < 1 || max > MAX_BATCH) {
      throw argumentError('range', 'ERR_OUT_OF_RANGE', `max must be an integer in 1..${MAX_BATCH}, got ${max}`);
    }
    return this.#take(max, options);
  }

  async #take(max: number, options: AcceptOptions): Promise<number[] | null> {
    const deadline = deadlineOf(options);
    try {
      return await this.#acceptor.take(max, deadline.signal);
    } catch (error) {
      throw deadline.explain(error, 'accept4', 'connection', this.where);
    }
  }

  /** Yields connections until the server is closed; `break` leaves the server open. */
  [Symbol.asyncIterator](): AsyncIterator<net.Socket> {
    const acceptor = this.#acceptor;
    const kind = this.#kind();
    const wrapOptions = { allowHalfOpen: this.#allowHalfOpen };
    return {
      async next(): Promise<IteratorResult<net.Socket>> {
        const fds = await acceptor.take(1);
        return fds === null ? { done: true, value: undefined } : { done: false, value: wrapAccepted(fds[0]!, kind, wrapOptions) };
      },
      async return(): Promise<IteratorResult<net.Socket>> {
        return { done: true, value: undefined };
      },
    };
  }

  /** Closes the listening fd now. Pending accept() calls reject with EBADF; iterators end; a unix socket file we created is removed. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#acceptor.close();
    // During a hand-off node:net holds the fd too: closing it under libuv would abort the
    // process. handOff() closes it (or gives it away) once node:net's listen() settled.
    if (this.#handingOff) return;
    native.close(this.handle); // and removes the unix socket file we created (native/handle.cc)
  }

  /** Keep the process alive while the server is open (the default, as net.Server). */
  ref(): this {
    this.#refed = true;
    if (!this.#closed) native.setKeepAlive(this.handle, true);
    return this;
  }

  /** Let the process exit even though the server is open (and even with accept() pending). */
  unref(): this {
    this.#refed = false;
    native.setKeepAlive(this.handle, false);
    return this;
  }

  get refed(): boolean {
    return this.#refed;
  }

  #kind(): 'tcp' | 'pipe' {
    return isUnixEndpoint(this.localEndpoint) ? 'pipe' : 'tcp';
  }
}
