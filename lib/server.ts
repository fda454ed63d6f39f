// StreamServer: a listening (or bound) stream socket that hands out
// connections as net.Sockets, pulled one by one from the kernel's queue.
import type net from 'node:net';
import { constants } from 'node:os';
import { Acceptor, MAX_BATCH } from './acceptor.js';
import { argumentError, call, SocketError } from './errors.js';
import { C, native, type NativeEndpoint, type NativeHandle } from './native.js';
import { validateBacklog } from './options.js';
import { wrapAccepted } from './socket-wrap.js';
import { describeEndpoint, isUnixEndpoint, nameOf, type AddressInfo, type UnixAddressInfo } from './endpoint.js';
import { removeBoundFile, type BoundFile } from './unix-file.js';

export type { AddressInfo, UnixAddressInfo } from './endpoint.js';

export interface AcceptOptions {
  /** Abort the wait; the promise rejects with signal.reason. */
  signal?: AbortSignal;
  /** Milliseconds to wait; then the promise rejects with an ETIMEDOUT SocketError. */
  timeout?: number;
  /** accept() only: start the socket paused (node:net's pauseOnConnect): nothing is read from the kernel until `read()` or `resume()`. */
  paused?: boolean;
}

export interface AcceptQueue {
  /** Connections completed by the kernel and waiting for accept(). */
  length: number;
  /** The limit the kernel applies: the backlog, clamped to net.core.somaxconn (0 when not listening). */
  limit: number;
}

const { errno } = constants;
const CREATE = Symbol('StreamServer.create');

export class StreamServer implements AsyncIterable<net.Socket> {
  #handle: NativeHandle;
  readonly #acceptor: Acceptor;
  readonly #local: NativeEndpoint;
  readonly #where: { address: string; port: number | undefined };
  readonly #file: BoundFile | undefined;
  #backlog: number | undefined;
  #closed = false;
  #refed = true;

  /** @internal Use openServer(). */
  constructor(token: typeof CREATE, handle: NativeHandle, backlog: number | undefined, bound: { local?: NativeEndpoint; file?: BoundFile | undefined } = {}) {
    if (token !== CREATE) throw new TypeError('StreamServer is created by openServer()');
    this.#handle = handle;
    this.#backlog = backlog;
    this.#file = bound.file;
    this.#local = bound.local ?? native.getsockname(handle);
    this.#where = describeEndpoint(this.#local);
    this.#acceptor = new Acceptor(handle, () => this.#where);
    native.setKeepAlive(handle, true);
  }

  /** @internal Used by the openers (lib/open.ts). */
  static fromHandle(handle: NativeHandle, backlog: number | undefined, bound?: { local?: NativeEndpoint; file?: BoundFile | undefined }): StreamServer {
    return new StreamServer(CREATE, handle, backlog, bound);
  }

  /**
   * The local address as PHP's stream_socket_get_name() prints it:
   * `127.0.0.1:8000`, `[::1]:8000`, a unix path; `@name` for an abstract unix name.
   */
  get name(): string {
    return nameOf(this.#local);
  }

  /** `{ family: 'IPv4' | 'IPv6', address, port }`, or `{ family: 'unix', path }`. */
  get address(): AddressInfo | UnixAddressInfo {
    return describeEndpoint(this.#local).info;
  }

  /** The bound port (0 for unix sockets). */
  get port(): number {
    return this.#where.port ?? 0;
  }

  /** @internal The bound endpoint as the kernel reports it. */
  get localEndpoint(): NativeEndpoint {
    return this.#local;
  }

  /** @internal For the PHP facade: shutdown(2) on the listener. */
  shutdown(how: number): void {
    this.#call(() => native.shutdown(this.#handle, how));
  }

  /** The listening fd, or -1 once closed. */
  get fd(): number {
    return native.fd(this.#handle);
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
  listen(backlog: number = this.#backlog ?? 511): this {
    validateBacklog(backlog);
    this.#call(() => native.listen(this.#handle, backlog));
    this.#backlog = backlog;
    return this;
  }

  /** The accept queue as the kernel sees it (TCP_INFO; TCP only). */
  queue(): AcceptQueue {
    if (isUnixEndpoint(this.#local)) {
      throw new SocketError({ errno: errno.EOPNOTSUPP, code: 'EOPNOTSUPP', syscall: 'getsockopt', reason: 'TCP_INFO reports the accept queue of TCP listeners only', ...this.#where });
    }
    const info = this.#call(() => native.tcpInfo(this.#handle));
    if (info.state !== C.TCP_STATE_LISTEN) return { length: 0, limit: 0 };
    return { length: info.unacked, limit: info.sacked };
  }

  /** Takes one connection from the queue, waiting if it is empty. */
  async accept(options: AcceptOptions = {}): Promise<net.Socket> {
    const fds = await this.#take(1, options);
    if (fds === null) throw this.#error(errno.EBADF, 'EBADF', 'the server was closed');
    return wrapAccepted(fds[0]!, this.#kind(), options.paused === true);
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
    const { signal, timer } = acceptSignal(options);
    try {
      return await this.#acceptor.take(max, signal);
    } catch (error) {
      if (timer?.aborted && error === timer.reason) {
        throw this.#error(errno.ETIMEDOUT, 'ETIMEDOUT', `no connection within ${options.timeout} ms`);
      }
      throw error;
    }
  }

  /** Yields connections until the server is closed; `break` leaves the server open. */
  [Symbol.asyncIterator](): AsyncIterator<net.Socket> {
    const acceptor = this.#acceptor;
    const kind = this.#kind();
    return {
      async next(): Promise<IteratorResult<net.Socket>> {
        const fds = await acceptor.take(1);
        return fds === null ? { done: true, value: undefined } : { done: false, value: wrapAccepted(fds[0]!, kind) };
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
    native.close(this.#handle);
    if (this.#file) removeBoundFile(this.#file);
  }

  /** Keep the process alive while the server is open (the default, as net.Server). */
  ref(): this {
    this.#refed = true;
    if (!this.#closed) native.setKeepAlive(this.#handle, true);
    return this;
  }

  /** Let the process exit even though the server is open (and even with accept() pending). */
  unref(): this {
    this.#refed = false;
    native.setKeepAlive(this.#handle, false);
    return this;
  }

  get refed(): boolean {
    return this.#refed;
  }

  #kind(): 'tcp' | 'pipe' {
    return isUnixEndpoint(this.#local) ? 'pipe' : 'tcp';
  }

  #error(errnoValue: number, code: string, reason: string): SocketError {
    return new SocketError({ errno: errnoValue, code, syscall: 'accept4', reason, ...this.#where });
  }

  #call<T>(fn: () => T): T {
    return call(fn, this.#where.address, this.#where.port);
  }
}

/** Validates accept() options into one AbortSignal (or none). */
function acceptSignal(options: AcceptOptions): { signal: AbortSignal | undefined; timer: AbortSignal | undefined } {
  if (typeof options !== 'object' || options === null) {
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', 'accept() options must be an object');
  }
  const { signal, timeout } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', 'options.signal must be an AbortSignal');
  }
  if (timeout === undefined) return { signal, timer: undefined };
  if (typeof timeout !== 'number' || !(timeout >= 0) || timeout > 2 ** 31 - 1) {
    throw argumentError('range', 'ERR_OUT_OF_RANGE', `options.timeout must be a number of milliseconds in 0..${2 ** 31 - 1}`);
  }
  // AbortSignal.timeout's timer does not hold the process open and is
  // released with the signal: nothing to clear after an early accept.
  const timer = AbortSignal.timeout(timeout);
  return { signal: signal === undefined ? timer : AbortSignal.any([signal, timer]), timer };
}
