// TlsServer: a StreamServer whose connections arrive as tls.TLSSockets,
// handshake done. Handshakes run concurrently beside the accept loop, each
// with its own deadline, so a silent or broken client never stalls another.
// Nothing is done for nobody: the accept loop runs only while someone waits,
// and a connection finished for nobody is closed after handshakeTimeout
// (ready.ts).
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import tls from 'node:tls';
import { closedError } from '../binding/errors.js';
import { deadlineOf } from '../io/deadline.js';
import type { AcceptOptions, StreamServer } from '../stream/server.js';
import type { TlsOptions } from '../options/types.js';
import { handshake, HandshakeTimeout } from './handshake.js';
import { ReadyQueue } from './ready.js';
import { secureContextOf } from './context.js';
import type { TlsLimits } from './tls-options.js';

export type { TlsOptions };
export { secureContextOf, SESSION_ID_CONTEXT } from './context.js';

export interface TlsStats {
  /** Handshakes completed. */
  handshakes: number;
  /** Handshakes that failed, whatever the cause (timeouts included). */
  failures: number;
  /** Failures because handshakeTimeout ran out. */
  timeouts: number;
  /** Finished connections closed because no accept() took them within handshakeTimeout. */
  unclaimed: number;
  /** Handshakes in flight now. */
  pending: number;
  /** Finished connections waiting for an accept() now. */
  ready: number;
}

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
  readonly #pending = new Set<tls.TLSSocket>();
  /** The running accept loop's stop: aborted (the accept in flight with it) once nobody waits. */
  #accepting: AbortController | undefined;
  #stats = { handshakes: 0, failures: 0, timeouts: 0 };

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

  /** Closes the listener and every handshake still in flight. Idempotent. */
  close(): void {
    this.#stream.close();
    for (const socket of this.#pending) socket.destroy();
    this.#pending.clear();
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
    if (this.#stream.closed) return Promise.resolve(null);
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

  /** Nobody waits: the accept in flight ends, and new connections stay in the kernel's queue. */
  #stopIfNobodyWaits(): void {
    if (this.#waiters.length > 0) return;
    this.#accepting?.abort();
    this.#accepting = undefined;
  }

  /**
   * Accepts while someone waits and there is room for another handshake,
   * several connections per waiter when they come: their handshakes run side
   * by side, so a slow one never holds up the waiter.
   */
  async #acceptLoop(): Promise<void> {
    if (this.#accepting !== undefined) return;
    const run = new AbortController();
    this.#accepting = run;
    const max = this.#limits.maxPendingHandshakes;
    try {
      while (this.#waiters.length > 0 && this.#pending.size < max && !run.signal.aborted && !this.#stream.closed) {
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
    this.#pending.add(secure);
    handshake(secure, { timeoutMs: this.#limits.handshakeTimeout }).then(
      () => {
        this.#pending.delete(secure);
        this.#stats.handshakes++;
        const waiter = this.#waiters.shift();
        if (waiter === undefined) return this.#ready.push(secure);
        waiter.resolve(secure);
        this.#stopIfNobodyWaits();
        void this.#acceptLoop(); // room for the next one, if someone still waits
      },
      (error: Error) => {
        this.#pending.delete(secure);
        if (error instanceof HandshakeTimeout) this.#stats.timeouts++;
        this.#stats.failures++;
        secure.destroy();
        this.emit('tlsClientError', error, secure);
        void this.#acceptLoop(); // room for the next one
      },
    );
  }
}

/**
 * STARTTLS: upgrades an accepted plain connection (e.g. after SMTP's
 * "STARTTLS" line) and resolves once the handshake completed; rejects on a
 * failed or timed-out handshake (the socket is then destroyed).
 */
export function startTls(socket: net.Socket, options: TlsOptions): Promise<tls.TLSSocket> {
  let built: ReturnType<typeof secureContextOf>;
  try {
    built = secureContextOf(options);
  } catch (error) {
    return Promise.reject(error); // the caller's socket stays as it was
  }
  const { context, limits } = built;
  const certs = options.clientCertificates ?? 'none';
  const secure = new tls.TLSSocket(socket, {
    isServer: true,
    secureContext: context,
    requestCert: certs !== 'none',
    rejectUnauthorized: certs === 'required',
    ALPNProtocols: options.alpnProtocols,
  });
  return handshake(secure, { timeoutMs: limits.handshakeTimeout }).then(
    () => secure,
    (error: unknown) => {
      secure.destroy();
      throw error;
    },
  );
}
