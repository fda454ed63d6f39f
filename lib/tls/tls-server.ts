// TlsServer: a StreamServer whose connections arrive as tls.TLSSockets,
// handshake done. Handshakes run concurrently beside the accept loop, each
// with its own deadline, so a silent or broken client never stalls another.
// Hostile clients that never finish cannot starve the others either: at
// maxPendingHandshakes, a new connection evicts a handshake in flight (the
// oldest of those still short of a ClientHello: pending.ts) instead of
// waiting in the kernel's queue behind them. And nothing is done for nobody:
// the accept loop runs only while someone waits, and a connection finished
// for nobody is closed after handshakeTimeout (ready.ts).
import type { Origin } from '../socket/bound-socket.js';
import type { HandoverOptions, HandoverResult } from '../lifecycle/handover-offer.js';
import type { DrainOptions, DrainResult } from '../lifecycle/drain.js';
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { closedError } from '../binding/errors.js';
import { deadlineOf } from '../io/deadline.js';
import type { AcceptOptions, StreamServer } from '../stream/server.js';
import type { TlsOptions } from '../options/types.js';
import { handshake, HandshakeEvicted, HandshakeTimeout } from './handshake.js';
import { PendingHandshakes } from './pending.js';
import { ReadyQueue } from './ready.js';
import { secureContextOf } from './context.js';
import type { TlsLimits } from './tls-options.js';
import { presentProxied, proxyOf } from '../stream/connections.js';

export type { TlsOptions };
export { secureContextOf, SESSION_ID_CONTEXT } from './context.js';
export { startTls } from './start-tls.js';

export interface TlsStats {
  /** Handshakes completed. */
  handshakes: number;
  /** Handshakes that failed, whatever the cause (timeouts and evictions included). */
  failures: number;
  /** Failures because handshakeTimeout ran out. */
  timeouts: number;
  /** Failures because maxPendingHandshakes was reached and this one was evicted for room. */
  evicted: number;
  /** Finished connections closed because no accept() took them within handshakeTimeout. */
  unclaimed: number;
  /** Handshakes in flight now. */
  pending: number;
  /** Finished connections waiting for an accept() now. */
  ready: number;
}

/**
 * Connections accepted in a row before the accept loop lets the event loop
 * turn: few against maxPendingHandshakes, so a handshake begun gets turns to
 * read its ClientHello before enough newer ones could evict it.
 */
const ACCEPT_TURN = 16;

interface Waiter {
  resolve(socket: tls.TLSSocket | null): void;
  reject(error: unknown): void;
}

export class TlsServer extends EventEmitter implements AsyncIterable<tls.TLSSocket> {
  readonly #stream: StreamServer;
  readonly #context: tls.SecureContext;
  readonly #sni: Map<string, tls.SecureContext>;
  readonly #options: TlsOptions;
  readonly #limits: TlsLimits;
  readonly #ready: ReadyQueue;
  readonly #waiters: Waiter[] = [];
  readonly #pending = new PendingHandshakes();
  /** The running accept loop's stop: aborted (the accept in flight with it) once nobody waits. */
  #accepting: AbortController | undefined;
  /** The look at whether anyone still waits, when one is due (#stopIfNobodyWaits). */
  #stopCheck: NodeJS.Immediate | undefined;
  #stats = { handshakes: 0, failures: 0, timeouts: 0, evicted: 0 };

  /** @internal Use openServer('tls://…', { tls }). */
  constructor(stream: StreamServer, options: TlsOptions, built = secureContextOf(options)) {
    super();
    this.#stream = stream;
    this.#options = options;
    this.#context = built.context;
    this.#sni = built.sni;
    this.#limits = built.limits;
    this.#ready = new ReadyQueue(built.limits.handshakeTimeout);
  }

  /** The TCP listener underneath (name, address, queue(), stats(), listen()…). */
  get tcp(): StreamServer {
    return this.#stream;
  }
  get name(): string {
    return this.#stream.name;
  }
  get port(): number {
    return this.#stream.port;
  }
  get closed(): boolean {
    return this.#stream.closed;
  }
  get origin(): Origin | undefined {
    return this.#stream.origin;
  }

  stats(): TlsStats {
    return { ...this.#stats, unclaimed: this.#ready.unclaimed, pending: this.#pending.size, ready: this.#ready.length };
  }

  /** The next connection whose handshake completed. `timeout` covers the whole wait. */
  async accept(options: AcceptOptions = {}): Promise<tls.TLSSocket> {
    const socket = await this.#next(options); // a wrong timeout or signal rejects, as StreamServer's accept() does
    if (socket === null) throw closedError('accept4', { address: this.name });
    return socket;
  }

  [Symbol.asyncIterator](): AsyncIterator<tls.TLSSocket> {
    return {
      next: async () => {
        const socket = await this.#next({});
        return socket === null ? { done: true, value: undefined } : { done: false, value: socket };
      },
      return: async () => ({ done: true, value: undefined }),
    };
  }

  /**
   * Offers the TCP listener to a successor (StreamServer.offerHandover); the
   * successor brings its own certificate. Handshakes already begun here
   * finish and are handed out; then the iterators end.
   */
  async offerHandover(path: string, options?: HandoverOptions): Promise<HandoverResult> {
    const result = await this.#stream.offerHandover(path, options);
    this.#endIfDone();
    return result;
  }

  /** Drains the TCP listener (StreamServer.drain); handshakes already begun finish and are handed out. */
  async drain(options?: DrainOptions): Promise<DrainResult> {
    const result = await this.#stream.drain(options);
    this.#endIfDone();
    return result;
  }

  /** The listener has gone (handover, drain) and no handshake is left: waiters get null. */
  #endIfDone(): void {
    if (!this.#stream.closed || this.#pending.size > 0) return;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(null);
  }

  /** Closes the listener and every handshake still in flight. Idempotent. */
  close(): void {
    this.#stream.close();
    for (const socket of this.#pending.clear()) socket.destroy();
    this.#ready.clear();
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(null);
  }

  ref(): this {
    this.#stream.ref();
    return this;
  }
  unref(): this {
    this.#stream.unref();
    return this;
  }

  #next(options: AcceptOptions): Promise<tls.TLSSocket | null> {
    const deadline = deadlineOf(options);
    deadline.signal?.throwIfAborted();
    const ready = this.#ready.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#stream.closed && this.#pending.size === 0) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      const signal = deadline.signal;
      const onAbort = () => this.#drop(waiter, deadline.explain(signal!.reason, 'accept4', 'TLS connection', { address: this.name }));
      signal?.addEventListener('abort', onAbort, { once: true });
      waiter.resolve = (s) => (signal?.removeEventListener('abort', onAbort), resolve(s));
      waiter.reject = (e) => (signal?.removeEventListener('abort', onAbort), reject(e));
      this.#waiters.push(waiter);
      void this.#acceptLoop();
    });
  }

  #drop(waiter: Waiter, error: unknown): void {
    const i = this.#waiters.indexOf(waiter);
    if (i >= 0) this.#waiters.splice(i, 1);
    waiter.reject(error);
    this.#stopIfNobodyWaits();
  }

  /**
   * Nobody waits: the accept in flight ends, and new connections stay in the
   * kernel's queue. After a waiter was served (`later`), looked at once this
   * turn's callbacks have run: a `for await` loop asks again within them,
   * and stopping and restarting the accept loop for every connection costs
   * an abort and a new loop each time.
   */
  #stopIfNobodyWaits(later = false): void {
    if (this.#waiters.length > 0) return;
    if (!later) {
      this.#accepting?.abort();
      this.#accepting = undefined;
      return;
    }
    if (this.#stopCheck !== undefined) return;
    this.#stopCheck = setImmediate(() => {
      this.#stopCheck = undefined;
      this.#stopIfNobodyWaits();
    });
  }

  /**
   * Accepts while someone waits, several connections per waiter when they
   * come: their handshakes run side by side, so a slow one never holds up
   * the waiter. A full set of handshakes in flight does not stop it (see
   * #handshake). Every ACCEPT_TURN connections it lets one event-loop turn
   * pass: accepts that follow each other in microtasks would otherwise starve
   * the reads of the handshakes already begun, and under a flood of clients
   * that reconnect at once, each would be evicted before its ClientHello was
   * ever read.
   */
  async #acceptLoop(): Promise<void> {
    if (this.#accepting !== undefined) return;
    const run = new AbortController();
    this.#accepting = run;
    let turn = 0;
    try {
      while (this.#waiters.length > 0 && !run.signal.aborted && !this.#stream.closed) {
        if (++turn % ACCEPT_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
        if (this.#waiters.length === 0 || run.signal.aborted || this.#stream.closed) return;
        let socket: net.Socket;
        try {
          socket = await this.#stream.accept({ signal: run.signal });
        } catch (error) {
          if (this.#stream.closed || run.signal.aborted) return;
          this.#waiters.shift()?.reject(error);
          continue;
        }
        this.#handshake(socket);
      }
    } finally {
      if (this.#accepting === run) this.#accepting = undefined;
    }
  }

  #handshake(socket: net.Socket): void {
    // At the cap, a handshake in flight makes room: leaving new clients in the
    // kernel's queue until one ends would let a few hundred silent clients
    // hold every honest one for a whole handshakeTimeout.
    if (this.#pending.size >= this.#limits.maxPendingHandshakes) {
      this.#pending.evict()?.destroy(new HandshakeEvicted(this.#limits.maxPendingHandshakes)); // its handshake() rejects with it
    }
    const o = this.#options;
    const certs = o.clientCertificates ?? 'none';
    const secure = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: this.#context,
      requestCert: certs !== 'none',
      rejectUnauthorized: certs === 'required',
      ALPNProtocols: o.alpnProtocols,
      SNICallback: this.#sni.size > 0 ? (name, cb) => cb(null, this.#sni.get(name.toLowerCase()) ?? this.#context) : undefined,
    });
    presentProxied(secure, proxyOf(socket)); // the client a PROXY header named, read before the handshake
    this.#pending.add(secure);
    // Up to 10% more, at random: clients that came together (a flood) do not
    // all time out, and reconnect, in the same instant, a burst that stalls
    // the event loop for every honest handshake beside them.
    handshake(secure, { timeoutMs: this.#limits.handshakeTimeout * (1 + Math.random() / 10) }).then(
      () => {
        this.#pending.delete(secure);
        this.#stats.handshakes++;
        const waiter = this.#waiters.shift();
        if (waiter === undefined) return this.#ready.push(secure);
        waiter.resolve(secure);
        this.#stopIfNobodyWaits(true);
        this.#endIfDone();
      },
      (error: Error) => {
        this.#pending.delete(secure);
        if (error instanceof HandshakeTimeout) this.#stats.timeouts++;
        if (error instanceof HandshakeEvicted) this.#stats.evicted++;
        this.#stats.failures++;
        secure.destroy();
        this.emit('tlsClientError', error, secure);
        this.#endIfDone();
      },
    );
  }
}
