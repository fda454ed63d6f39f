// StreamServer: a listening (or bound) stream socket that hands out
// connections as net.Sockets, pulled one by one from the kernel's queue.
import type * as net from 'node:net';
import { Acceptor, MAX_BATCH, type AcceptErrorPolicy } from './acceptor.js';
import { Connections } from './connections.js';
import { AcceptGate, type GateOptions } from '../proxy/gate.js';
import type { AcceptOptions, ServerStats } from './server-types.js';
import { acceptQueueOf, sampleOverflows, serverStats, type AcceptQueue, type OverflowSample } from './observe.js';

import { listenCounters, type ListenCounters } from '../socket/netstat.js';
import { BoundSocket } from '../socket/bound-socket.js';
import { closedError, socketErrorOf } from '../binding/errors.js';
import { C, native, type NativeEndpoint, type NativeHandle } from '../binding/native.js';
import { offerHandover, type HandoverOptions, type HandoverResult, type Offerable } from '../lifecycle/handover-offer.js';
import { drainListener, type Drainable, type DrainOptions, type DrainResult } from '../lifecycle/drain.js';
import { DEFAULT_BACKLOG, validateBacklog } from '../options/options.js';
import { checkTarget, listenOnFd, TargetClosed } from './hand-off.js';
import { Custody } from '../lifecycle/custody.js';
import { isUnixEndpoint } from '../net/address.js';
import { removeBoundFile, type BoundFile } from '../socket/unix-file.js';

export type { AcceptQueue, OverflowSample };
export type { AddressInfo, UnixAddressInfo } from '../net/address.js';
export type { AcceptOptions, ServerStats } from './server-types.js';

interface Bound {
  local?: NativeEndpoint;
  file?: BoundFile | undefined;
  acceptErrors?: AcceptErrorPolicy | undefined;
  acceptPauseMs?: number | undefined;
  allowHalfOpen?: boolean | undefined;
  /** proxyProtocol, maxConnectionsPerSource, admit (checked by planGate). */
  gate?: GateOptions | undefined;
}

const CREATE = Symbol('StreamServer.create');

export class StreamServer extends BoundSocket implements AsyncIterable<net.Socket> {
  readonly #acceptor: Acceptor;
  readonly #gate: AcceptGate | undefined;
  readonly #connections: Connections;
  readonly #file: BoundFile | undefined;
  #backlog: number | undefined;
  #closed = false;
  readonly #custody = new Custody();
  #refed = true;

  /** @internal Use openServer(). */
  readonly #openedCounters: ListenCounters | undefined = listenCounters();

  constructor(token: typeof CREATE, handle: NativeHandle, backlog: number | undefined, bound: Bound = {}) {
    if (token !== CREATE) throw new TypeError('StreamServer is created by openServer()');
    super(handle, bound.local ?? native.getsockname(handle));
    this.#backlog = backlog;
    this.#file = bound.file;
    const acceptor = new Acceptor(handle, () => this.where, bound.acceptErrors, bound.acceptPauseMs);
    this.#acceptor = acceptor;
    this.#gate = bound.gate && new AcceptGate((max, signal) => acceptor.take(max, signal), bound.gate);
    this.#connections = new Connections(acceptor, this.#gate, this.#kind(), bound.allowHalfOpen === true, () => this.where);
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
    return this.syscall(() => acceptQueueOf(this.handle, this.localEndpoint));
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
    this.#custody.checkFree('handOff', this.where);
    this.#connections.checkUngated('handOff(): libuv would accept past them');
    checkTarget(target);
    const backlog = this.#backlog ?? DEFAULT_BACKLOG;
    this.listen(backlog); // as node:net will next: a failure fails here, on our fd
    this.#acceptor.suspend(); // libuv refuses an fd it already watches
    this.#custody.handingOff = true;
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
      this.#custody.handingOff = false;
    }
    this.#custody.withdrawOffers();
    const file = this.#file;
    if (file) target.once('close', () => removeBoundFile(file));
    return target;
  }

  /**
   * Offers this listener to a successor process (openServer('handover:///path'),
   * lifecycle/handover-offer.ts). Serves on until the successor serves the
   * socket, then stops pulling (iterators end) and closes its copy; the socket,
   * its queue and its unix socket file live on there. Resolves with the taker.
   */
  async offerHandover(path: string, options?: HandoverOptions): Promise<HandoverResult> {
    if (this.#closed) throw closedError('handover', this.where);
    this.#custody.checkFree('handover', this.where);
    return this.#custody.offer((stop) => offerHandover(this.#lifecycle(), path, options, stop));
  }

  /**
   * Stops taking new connections where the kernel allows, lets the queued ones
   * be served, then closes (lifecycle/drain.ts). Connections handed out are yours to finish.
   */
  async drain(options?: DrainOptions): Promise<DrainResult> {
    if (this.#closed) throw closedError('drain', this.where);
    this.#custody.checkFree('drain', this.where);
    return drainListener(this.#lifecycle(), options);
  }

  /** What lifecycle/ (handover, drain) needs of this listener. */
  #lifecycle(): Offerable & Drainable {
    const inGroup = () => this.#kind() === 'tcp' && C.SO_REUSEPORT !== undefined && this.getsockopt(C.SOL_SOCKET, C.SO_REUSEPORT) === 1;
    return {
      isClosed: () => this.#closed,
      handle: this.handle,
      where: () => this.where,
      describe: () => ({ kind: 'stream', backlog: this.#backlog, file: this.#file?.path }),
      // A successor serves the socket now: end our accepts, close our copy, keep the socket file.
      retire: () => {
        this.#custody.withdrawOffers();
        if (this.#closed) return; // close() came first and closed our copy
        this.#closed = true;
        this.#acceptor.close();
        this.#gate?.stop(); // headers being read finish and are handed out
        this.closeCopy();
      },
      inFlight: (on) => this.#custody.setInFlight(on),
      queue: () => this.queue(),
      accepted: () => this.#acceptor.counters.accepted,
      reusePortGroup: () => (inGroup() ? { address: this.where.address, port: this.port } : undefined),
      // Connections whose header is being read were accepted: they finish and are handed out.
      close: () => (this.#gate?.stop(), this.#closeListener()),
    };
  }

  /** Counters, the backlog as asked and as applied, the queue, and the namespace's overflow counters since open. */
  stats(): ServerStats {
    const stats = serverStats(this.#acceptor.counters, this.#backlog, this.#closed ? undefined : this.queue(), this.#openedCounters);
    return this.#gate ? { ...stats, ...this.#gate.stats() } : stats;
  }

  /**
   * Samples the accept queue and the namespace's ListenOverflows every
   * `interval` ms and yields a sample whenever overflows were added or the
   * queue is full (stream/observe.ts). Ends when the server closes or `signal` aborts.
   */
  overflows(options: { interval?: number; signal?: AbortSignal } = {}): AsyncGenerator<OverflowSample, void, undefined> {
    return sampleOverflows(this, options);
  }

  /** Takes one connection from the queue, waiting if it is empty (with a gate: the next one that passed it). */
  async accept(options: AcceptOptions = {}): Promise<net.Socket> {
    const socket = await this.#connections.socket(options);
    if (socket === null) throw closedError('accept4', this.where);
    return socket;
  }

  /**
   * Resolves true once a connection is queued, without accepting it (what
   * poll() or PHP's stream_select() report for a listener); false once closed.
   */
  waitAcceptable(signal?: AbortSignal): Promise<boolean> {
    if ((this.#gate?.ready ?? 0) > 0) return Promise.resolve(true);
    return this.#acceptor.ready(signal);
  }

  /** @internal For the PHP facade's stream_select(): a connection is queued in the kernel, or passed the gate already. */
  acceptableNow(): boolean {
    return (this.#gate?.ready ?? 0) > 0 || this.queue().length > 0;
  }

  /** Takes one connection and returns its raw fd: the caller owns (and must close) it. Null once closed. */
  async acceptFd(options: AcceptOptions = {}): Promise<number | null> {
    const fds = await this.#connections.fds(1, options);
    return fds === null ? null : fds[0]!;
  }

  /**
   * Takes up to `max` (1..64) connections already queued, waiting for the
   * first if none is; returns their raw fds (the caller owns them), or null
   * once closed. For accept loops that do not need net.Sockets.
   */
  acceptFds(max = MAX_BATCH, options: AcceptOptions = {}): Promise<number[] | null> {
    return this.#connections.fds(max, options);
  }

  /** Yields connections until the server is closed; `break` leaves the server open. */
  [Symbol.asyncIterator](): AsyncIterator<net.Socket> {
    return this.#connections.iterator();
  }

  /** Closes the listening fd now. Pending accept() calls reject with EBADF; iterators end; a unix socket file we created is removed. Idempotent. */
  close(): void {
    this.#gate?.close(); // also what a handover or drain let finish and nobody took
    this.#closeListener();
  }

  #closeListener(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#acceptor.close();
    this.#gate?.close();
    this.#custody.withdrawOffers();
    // During a hand-off node:net holds the fd too: closing it under libuv would abort the
    // process. handOff() closes it (or gives it away) once node:net's listen() settled.
    if (this.#custody.handingOff) return;
    // A handover taker may serve the socket now: its file stays (offerHandover() tells the taker to serve).
    if (this.#custody.inFlight) return this.closeCopy();
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
