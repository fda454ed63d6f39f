// DatagramServer: a bound udp or unix datagram socket. Receiving is driven by
// readiness and batched (recvmmsg), so a burst costs few Node-API trips.
import { isIP } from 'node:net';
import { BoundSocket } from '../socket/bound-socket.js';
import { argumentError, closedError } from '../binding/errors.js';
import { deadlineOf } from '../io/deadline.js';
import { isUnixEndpoint } from '../net/address.js';
import { C, native, type NativeEndpoint, type NativeHandle } from '../binding/native.js';
import { udpReceiveBufferErrors } from '../socket/netstat.js';
import { Readiness } from '../io/readiness.js';
import { flatten } from './flatten.js';
import { datagramsOf, senderInfo, toDatagram, type Datagram } from './received.js';
import { parseHostPort, splitScope } from '../net/address.js';
import { Custody } from '../lifecycle/custody.js';
import { offerHandover, type HandoverOptions, type HandoverResult, type Offerable } from '../lifecycle/handover-offer.js';

export type { Datagram };

export interface RecvOptions {
  /** MSG_PEEK: leave the datagram queued. */
  peek?: boolean;
  /** MSG_OOB. */
  oob?: boolean;
  signal?: AbortSignal;
  /** Milliseconds; then the promise rejects with an ETIMEDOUT SocketError. */
  timeout?: number;
}

export interface IterateOptions {
  /** Most datagrams per recvmmsg call (1..1024, default 64). */
  batch?: number;
  /** Buffer per datagram (default 65535); longer datagrams arrive truncated and are counted. */
  maxLength?: number;
}

export interface DatagramStats {
  /** Datagrams received by this object. */
  received: number;
  /** Of those, how many did not fit their buffer. */
  truncated: number;
  /** Trips across Node-API to receive (recvmmsg batches and single recvfrom calls that returned data). */
  receiveCalls: number;
  /** Datagrams the kernel dropped on this socket for want of buffer space (SO_RXQ_OVFL); -1 where the kernel does not say. */
  drops: number;
  /**
   * udp: UDP receive-buffer drops of the whole network namespace since this
   * server opened (/proc/net/snmp RcvbufErrors): other sockets add to it.
   * undefined for udg (unix datagrams are never dropped: the sender waits).
   */
  systemReceiveBufferErrors: number | undefined;
}

export type DatagramTarget = string | { address: string; port: number } | { path: string | Buffer };

const CREATE = Symbol('DatagramServer.create');

export class DatagramServer extends BoundSocket implements AsyncIterable<Datagram> {
  readonly #readiness: Readiness;
  readonly #custody = new Custody();
  #closed = false;
  #stats = { received: 0, truncated: 0, receiveCalls: 0, drops: -1 };
  readonly #systemBaseline: number | undefined;

  /** @internal Use openServer('udp://…') or openServer('udg://…'). */
  constructor(token: typeof CREATE, handle: NativeHandle, local: NativeEndpoint) {
    if (token !== CREATE) throw new TypeError('DatagramServer is created by openServer()');
    super(handle, local);
    this.#readiness = new Readiness(handle, () => this.where);
    this.#systemBaseline = isUnixEndpoint(local) ? undefined : udpReceiveBufferErrors();
    native.setKeepAlive(handle, true);
  }

  /** @internal */
  static fromHandle(handle: NativeHandle, local: NativeEndpoint): DatagramServer {
    return new DatagramServer(CREATE, handle, local);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Receives one datagram (up to `maxLength` bytes), waiting for one if none is queued. */
  async recvfrom(maxLength = 65535, options: RecvOptions = {}): Promise<Datagram> {
    let flags = C.MSG_DONTWAIT! | C.MSG_TRUNC!;
    if (options.peek) flags |= C.MSG_PEEK!;
    if (options.oob) flags |= C.MSG_OOB!;
    const deadline = deadlineOf(options);
    for (;;) {
      this.#ensureOpen();
      const got = this.syscall(() => native.recvfrom(this.handle, maxLength, flags));
      if (got !== null) {
        this.#noteDrops(got);
        this.#stats.receiveCalls++;
        return this.#count(toDatagram(got, this.#senderInfo()));
      }
      try {
        if (!(await this.#readiness.wait(deadline.signal))) this.#ensureOpen();
      } catch (error) {
        throw deadline.explain(error, 'recvfrom', 'datagram', this.where);
      }
    }
  }

  /** Resolves once a datagram is queued (without taking it), or false when closed. */
  async waitReadable(signal?: AbortSignal): Promise<boolean> {
    return this.#readiness.wait(signal);
  }

  /**
   * Sends one datagram; returns the bytes sent. `to`: "1.2.3.4:53", "[::1]:53",
   * "[fe80::1%eth0]:53", {address, port} (a `from` as is), a unix path or {path}.
   */
  sendto(data: Buffer | string, to: DatagramTarget, flags = 0): number {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (!Buffer.isBuffer(bytes)) throw argumentError('type', 'ERR_INVALID_ARG_TYPE', 'data must be a Buffer or a string');
    return this.syscall(() => native.sendto(this.handle, bytes, flags, this.#target(to)));
  }

  /** Yields datagrams until close(), reading up to `batch` per system call. */
  messages(options: IterateOptions = {}): AsyncGenerator<Datagram, void, undefined> {
    return flatten(this.batches(options));
  }

  /**
   * Yields arrays of the datagrams each recvmmsg call returned (one promise
   * per batch, not per datagram). The datagrams of one batch are views of one
   * Buffer (one copy out of the kernel's buffers per batch, as a stream's
   * chunks are): keep a `Buffer.from(d.data)` copy to let the rest go.
   */
  async *batches(options: IterateOptions = {}): AsyncGenerator<Datagram[], void, undefined> {
    const batch = options.batch ?? 64;
    const maxLength = options.maxLength ?? 65535;
    const sender = this.#senderInfo();
    // After a batch that was not full the queue was empty a moment ago: wait
    // for readiness (level-triggered, so nothing is missed) instead of a
    // receive that would likely find nothing.
    let full = true;
    for (;;) {
      if (this.#closed) return;
      if (!full && !(await this.#readiness.wait())) return;
      const got = this.syscall(() => native.recvBatch(this.handle, batch, maxLength));
      this.#noteDrops(got);
      const count = got.sizes.length;
      full = count === got.room;
      if (count === 0) continue;
      this.#stats.receiveCalls++;
      const datagrams = datagramsOf(got, maxLength, sender);
      this.#stats.received += count;
      for (const d of datagrams) if (d.truncated) this.#stats.truncated++;
      yield datagrams;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Datagram> {
    return this.messages();
  }

  stats(): DatagramStats {
    const now = this.#systemBaseline === undefined ? undefined : udpReceiveBufferErrors();
    return { ...this.#stats, systemReceiveBufferErrors: now === undefined ? undefined : now - this.#systemBaseline! };
  }

  /** Closes the socket; pending receives reject with EBADF, iterators end; removes the socket file we created. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#readiness.close();
    this.#custody.withdrawOffers();
    // A handover taker may serve the socket now: its file stays (offerHandover() tells the taker to serve).
    if (this.#custody.inFlight) return this.closeCopy();
    native.close(this.handle); // and removes the unix socket file we created (native/handle.cc)
  }

  /**
   * Offers this socket to a successor process, as StreamServer.offerHandover()
   * does (lifecycle/handover-offer.ts): datagrams already queued stay queued
   * for it. A udg socket file stays where it is.
   */
  async offerHandover(path: string, options?: HandoverOptions): Promise<HandoverResult> {
    if (this.#closed) throw closedError('handover', this.where);
    this.#custody.checkFree('handover', this.where);
    const source: Offerable = {
      isClosed: () => this.#closed,
      handle: this.handle,
      where: () => this.where,
      describe: () => ({ kind: 'datagram' }),
      retire: () => {
        this.#custody.withdrawOffers();
        if (this.#closed) return; // close() came first and closed our copy
        this.#closed = true;
        this.#readiness.close();
        this.closeCopy();
      },
      inFlight: (on) => this.#custody.setInFlight(on),
    };
    return this.#custody.offer((stop) => offerHandover(source, path, options, stop));
  }

  ref(): this {
    if (!this.#closed) native.setKeepAlive(this.handle, true);
    return this;
  }

  unref(): this {
    native.setKeepAlive(this.handle, false);
    return this;
  }

  #senderInfo(): ReturnType<typeof senderInfo> {
    return senderInfo(isUnixEndpoint(this.localEndpoint) ? { family: 'unix', path: '' } : null);
  }

  /**
   * The socket's drop count (SO_RXQ_OVFL), from whichever receive reports it:
   * recvmmsg always does, recvfrom once the addon passes it on as `drops`.
   */
  #noteDrops(got: object): void {
    const { drops } = got as { drops?: unknown };
    if (typeof drops === 'number' && drops >= 0) this.#stats.drops = drops;
  }

  #count(d: Datagram): Datagram {
    this.#stats.received++;
    if (d.truncated) this.#stats.truncated++;
    return d;
  }

  #target(to: DatagramTarget): NativeEndpoint {
    if (typeof to === 'object' && to !== null && 'path' in to)
      return { family: C.AF_UNIX, path: Buffer.isBuffer(to.path) ? to.path : Buffer.from(to.path) };
    if (typeof to === 'object' && to !== null && 'address' in to) return this.#inet(to.address, to.port);
    if (typeof to !== 'string') throw argumentError('type', 'ERR_INVALID_ARG_TYPE', 'to must be "host:port", {address, port} or {path}');
    if (isUnixEndpoint(this.localEndpoint)) return { family: C.AF_UNIX, path: Buffer.from(to) };
    let target: { host: string; port: number };
    try {
      target = parseHostPort(to, to); // the one strict host:port grammar (net/address.ts)
    } catch (error) {
      if (error instanceof RangeError) throw error; // ERR_SOCKET_BAD_PORT
      throw argumentError('type', 'ERR_INVALID_ARG_VALUE', `to must be "ip:port" or "[ipv6]:port", got ${JSON.stringify(to)}`);
    }
    return this.#inet(target.host, target.port);
  }

  #inet(text: string, port: number): NativeEndpoint {
    const { address, scopeId } = splitScope(text); // fe80::1%eth0, as `from` has it
    const version = isIP(address);
    if (version === 0 || (version === 4 && text.includes('%')))
      throw argumentError('type', 'ERR_INVALID_ARG_VALUE', `sendto needs a numeric address, got ${JSON.stringify(text)}`);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw argumentError('range', 'ERR_SOCKET_BAD_PORT', `port must be in 0..65535, got ${port}`);
    return version === 6 ? { family: C.AF_INET6, address, port, scopeId } : { family: C.AF_INET, address, port };
  }

  #ensureOpen(): void {
    if (this.#closed) throw closedError('recvfrom', this.where);
  }
}
