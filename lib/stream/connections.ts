// How a StreamServer hands out its connections: as net.Sockets (accept(),
// for await) or raw fds (acceptFd(s)). Without a gate, straight from the
// acceptor; with one (proxyProtocol, maxConnectionsPerSource, admit:
// proxy/gate.ts), only those that passed it, each presenting the client the
// PROXY header names and freeing its admission slot when it closes.
import { AsyncResource } from 'node:async_hooks';
import type * as net from 'node:net';
import { argumentError, type Where } from '../binding/errors.js';
import { native } from '../binding/native.js';
import { deadlineOf } from '../io/deadline.js';
import type { AcceptGate, Passed } from '../proxy/gate.js';
import type { ProxyHeader } from '../proxy/header.js';
import { MAX_BATCH, type Acceptor } from './acceptor.js';
import type { AcceptOptions } from './server-types.js';
import { wrapAccepted, type SocketKind } from './socket-wrap.js';

/** A connection that came through a balancer speaking the PROXY protocol. */
export interface ProxiedSocket extends net.Socket {
  /** The header it came with: version, command, family, source, destination, TLVs. */
  proxy: ProxyHeader;
}

/**
 * Presents `socket` as the client the header names: remoteAddress,
 * remotePort and remoteFamily as node users read them (node:http's
 * req.socket too), and the header as `socket.proxy`. A LOCAL header (a
 * health check) or one without addresses leaves the real peer.
 */
export function presentProxied(socket: net.Socket, header: ProxyHeader | undefined): void {
  if (header === undefined) return;
  const source = header.command === 'proxy' ? header.source : undefined;
  const own = (value: unknown) => ({ value, enumerable: true, configurable: true });
  Object.defineProperty(socket, 'proxy', own(header));
  if (source === undefined) return;
  if ('address' in source) {
    const family = header.family === 'tcp6' || header.family === 'udp6' ? 'IPv6' : 'IPv4';
    Object.defineProperties(socket, { remoteAddress: own(source.address), remotePort: own(source.port), remoteFamily: own(family) });
  } else {
    // A unix client: node:net reports no address for a unix peer; the header's path is the best name.
    Object.defineProperties(socket, { remoteAddress: own(source.path.toString('latin1')), remotePort: own(undefined) });
  }
}

/** The header `socket` was handed out with, if it came through a PROXY balancer. */
export function proxyOf(socket: net.Socket): ProxyHeader | undefined {
  return (socket as Partial<ProxiedSocket>).proxy;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

export class Connections {
  readonly #acceptor: Acceptor;
  readonly #gate: AcceptGate | undefined;
  readonly #kind: SocketKind;
  readonly #allowHalfOpen: boolean;
  readonly #where: () => Where;

  constructor(acceptor: Acceptor, gate: AcceptGate | undefined, kind: SocketKind, allowHalfOpen: boolean, where: () => Where) {
    this.#acceptor = acceptor;
    this.#gate = gate;
    this.#kind = kind;
    this.#allowHalfOpen = allowHalfOpen;
    this.#where = where;
  }

  /** One connection as a net.Socket, waiting if none is there; null once the server closed. */
  async socket(options: AcceptOptions = {}): Promise<net.Socket | null> {
    const wrap = { paused: options.paused, allowHalfOpen: options.allowHalfOpen ?? this.#allowHalfOpen };
    const deadline = deadlineOf(options);
    try {
      if (this.#gate === undefined) {
        const fds = await this.#acceptor.take(1, deadline.signal);
        return fds === null ? null : wrapAccepted(fds[0]!, this.#kind, wrap);
      }
      const passed = await this.#gate.next(deadline.signal);
      return passed === null ? null : this.#present(passed, wrap);
    } catch (error) {
      throw deadline.explain(error, 'accept4', 'connection', this.#where());
    }
  }

  /** Up to `max` raw fds (the caller owns them), or null once closed. Not with a gate: a bare fd cannot carry a header or free a slot. */
  async fds(max: number, options: AcceptOptions = {}): Promise<number[] | null> {
    if (!Number.isInteger(max) || max < 1 || max > MAX_BATCH) {
      throw argumentError('range', 'ERR_OUT_OF_RANGE', `max must be an integer in 1..${MAX_BATCH}, got ${max}`);
    }
    this.checkUngated('acceptFd()/acceptFds() hand out bare fds, which cannot carry a PROXY header or free an admission slot');
    const deadline = deadlineOf(options);
    try {
      return await this.#acceptor.take(max, deadline.signal);
    } catch (error) {
      throw deadline.explain(error, 'accept4', 'connection', this.#where());
    }
  }

  /** Ways around the gate (bare fds, libuv's own accept) are a TypeError on a listener that has one. */
  checkUngated(why: string): void {
    if (this.#gate === undefined) return;
    const message = `${why}: this listener reads PROXY headers or admits connections (proxyProtocol, maxConnectionsPerSource, admit); use accept() or for await`;
    throw argumentError('type', 'ERR_INVALID_STATE', message);
  }

  /** Yields connections until the server is closed; `break` leaves the server open. */
  iterator(): AsyncIterator<net.Socket> {
    if (this.#gate !== undefined) {
      return {
        next: async () => {
          const socket = await this.socket();
          return socket === null ? { done: true, value: undefined } : { done: false, value: socket };
        },
        return: async () => ({ done: true, value: undefined }),
      };
    }
    // The plain path: one promise per connection, resolved with the
    // iterator's result where the fd is accepted (no async step between).
    const acceptor = this.#acceptor;
    const kind = this.#kind;
    const wrapOptions = { allowHalfOpen: this.#allowHalfOpen };
    // The socket is made where the fd is accepted: within next() (the
    // consumer's own async context) when one is queued, else in the poll's
    // callback, where it is made in the consumer's context (where the loop
    // began), so its events carry the consumer's AsyncLocalStorage, not the
    // poll's.
    const scope = new AsyncResource('stream-socket-server:accept');
    let asking = false;
    const wrap = (fd: number): net.Socket =>
      asking ? wrapAccepted(fd, kind, wrapOptions) : scope.runInAsyncScope(wrapAccepted, null, fd, kind, wrapOptions);
    return {
      next: () =>
        new Promise<IteratorResult<net.Socket>>((resolve, reject) => {
          const hand = (fds: number[] | null): void => {
            if (fds === null) return resolve(DONE);
            try {
              resolve({ done: false, value: wrap(fds[0]!) });
            } catch (error) {
              reject(error);
            }
          };
          asking = true;
          try {
            acceptor.wait(1, hand, reject);
          } finally {
            asking = false;
          }
        }),
      return: () => Promise.resolve(DONE),
    };
  }

  #present(passed: Passed, wrap: { paused?: boolean | undefined; allowHalfOpen: boolean }): net.Socket {
    let socket: net.Socket;
    try {
      socket = wrapAccepted(native.release(passed.handle), this.#kind, wrap);
    } catch (error) {
      passed.release();
      throw error;
    }
    socket.once('close', passed.release);
    presentProxied(socket, passed.proxy);
    return socket;
  }
}
