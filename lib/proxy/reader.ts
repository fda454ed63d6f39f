// Reads the PROXY header of one accepted connection from its raw fd, before
// any net.Socket or TLS handshake exists: peeks until the header is whole,
// consumes exactly its bytes (the client's data after it stays queued), and
// hands the connection back. Each connection waits on its own, with its own deadline,
// so a slow or silent sender never holds up another. A connection that may
// not be handed out (untrusted, invalid, truncated, late, missing) is reset
// here (refuse.ts) and counted by reason.
import { setMaxListeners } from 'node:events';
import { closeSync } from 'node:fs';
import { argumentError } from '../binding/errors.js';
import { C, native, type NativeHandle } from '../binding/native.js';
import { Readiness } from '../io/readiness.js';
import { isUnixEndpoint } from '../net/address.js';
import { asRecord, readBool, readInt } from '../options/options.js';
import { parseProxyHeader, V1_MAX, V2_MAX, type ProxyHeader } from './header.js';
import { trustOf, type Trust } from './trusted.js';
import { refuse } from './refuse.js';

export interface ProxyProtocolOptions {
  /** Peers allowed to send a header: prefixes ("10.0.0.0/8", "::1") and "unix". */
  trusted: string[];
  /** ms a trusted peer has to send its whole header (default 5000). */
  timeout?: number;
  /** A connection without a header is closed (default true). With false it is handed out as it is. */
  required?: boolean;
}

export type DropReason = 'untrusted' | 'invalid' | 'truncated' | 'timeout' | 'missing';

/** The connection to hand out (its handle owns the fd), or why it was reset. */
export type ProxyOutcome =
  { handle: NativeHandle; header: ProxyHeader | undefined } | { handle: null; reason: DropReason | 'closed'; detail: string };

function withoutListenerLimit(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}

/** A look's result: decided, or what comes before the next look (data at all, more of it after a back-off, nothing). */
type Look = { outcome: ProxyOutcome } | { want: number; then: 'data' | 'more' | 'now' };

/** A first look of this many bytes decides v1 (at most 107) and v2's fixed part (16). */
const FIRST_LOOK = V1_MAX + 1;
/**
 * While a header is incomplete but some of it came, look again after a
 * back-off (a level-triggered poll would spin on the bytes already there):
 * 5 ms, doubling up to 200 ms for a sender that stalls.
 */
const FIRST_BACKOFF_MS = 5;
const LAST_BACKOFF_MS = 200;

export class ProxyReader {
  readonly #trust: Trust;
  readonly #timeout: number;
  readonly #required: boolean;
  readonly dropped: Record<DropReason, number> = { untrusted: 0, invalid: 0, truncated: 0, timeout: 0, missing: 0 };
  /** Headers read whole. */
  read = 0;
  /** Aborted by close(): every header still being read is given up (each one listens: no listener limit). */
  readonly #closing = withoutListenerLimit(new AbortController());

  constructor(options: unknown) {
    const opts = asRecord(options, ['trusted', 'timeout', 'required']);
    if (opts.trusted === undefined)
      throw argumentError('type', 'ERR_INVALID_ARG_VALUE', 'proxyProtocol.trusted is required: the peers that may send a header');
    this.#trust = trustOf(opts.trusted);
    this.#timeout = readInt(opts, 'timeout', 1, 600_000) ?? 5000;
    this.#required = readBool(opts, 'required') ?? true;
  }

  /**
   * Reads the header of accepted `fd` (ours from now on): the connection to
   * hand out, or why it was reset. At once when the first look decides (the
   * header was whole at accept, or wrong), else a promise.
   */
  take(fd: number): ProxyOutcome | Promise<ProxyOutcome> {
    let handle: NativeHandle;
    try {
      handle = native.adopt(fd);
    } catch (error) {
      closeSync(fd); // never ours to serve: not a socket we can hold
      return { handle: null, reason: 'truncated', detail: (error as Error).message };
    }
    if (this.#closing.signal.aborted) return this.#drop(handle, 'closed', 'the server closed');
    let peer: string | null;
    try {
      const endpoint = native.getpeername(handle);
      peer = isUnixEndpoint(endpoint) ? null : endpoint.address;
    } catch (error) {
      return this.#drop(handle, 'truncated', `the peer left before its header: ${(error as Error).message}`);
    }
    if (!this.#trust(peer)) return this.#untrusted(handle, peer);
    // Most headers are whole by the time their connection is accepted: the first look
    // decides, with no watch, timer or signal made for it.
    let look: Look;
    try {
      look = this.#look(handle, FIRST_LOOK);
    } catch (error) {
      return this.#drop(handle, 'truncated', (error as Error).message);
    }
    return 'outcome' in look ? look.outcome : this.#wait(handle, look);
  }

  /** One peek at the first `want` bytes: the outcome, or what to wait for before the next look. */
  #look(handle: NativeHandle, want: number): Look {
    const got = native.recvfrom(handle, want, C.MSG_PEEK!);
    if (got === null) return { want, then: 'data' };
    if (got.data.length === 0) return { outcome: this.#drop(handle, 'truncated', 'the peer closed before its header was whole') };
    const parsed = parseProxyHeader(got.data);
    if (parsed.state === 'done') return { outcome: this.#consume(handle, parsed.length, parsed.header) };
    if (parsed.state === 'invalid') {
      const none = parsed.reason.startsWith('no PROXY');
      if (none && !this.#required) return { outcome: this.#handOut(handle, undefined) };
      return { outcome: this.#drop(handle, none ? 'missing' : 'invalid', parsed.reason) };
    }
    // More is needed: a bigger look (never more than a header can be): at once if this look came
    // back full (the rest may be there), else once more has come.
    const next = Math.min(Math.max(parsed.need, want), V2_MAX);
    return { want: next, then: got.data.length < want ? 'more' : 'now' };
  }

  /** The slow path: part of the header, or none of it, is there yet. Waits under the connection's own deadline. */
  async #wait(handle: NativeHandle, first: Extract<Look, { want: number }>): Promise<ProxyOutcome> {
    const readiness = new Readiness(handle);
    const stop = new AbortController();
    const deadline = stop.signal;
    const timer = setTimeout(() => stop.abort(), this.#timeout).unref();
    const onClose = (): void => stop.abort();
    this.#closing.signal.addEventListener('abort', onClose, { once: true });
    let look = first;
    try {
      for (let pause = FIRST_BACKOFF_MS; ;) {
        if (look.then === 'data' && !(await readiness.wait(deadline))) return this.#drop(handle, 'truncated', 'closed while waiting');
        if (look.then === 'more') {
          if (peerFinished(handle)) return this.#drop(handle, 'truncated', 'the peer closed before its header was whole');
          await backOff(deadline, pause);
          pause = Math.min(pause * 2, LAST_BACKOFF_MS); // a stalled sender costs less the longer it stalls
        }
        const next = this.#look(handle, look.want);
        if ('outcome' in next) return next.outcome;
        look = next;
      }
    } catch (error) {
      if (this.#closing.signal.aborted) return this.#drop(handle, 'closed', 'the server closed');
      // Not required, and not one byte came: a client of a server-speaks-first protocol, served as it is.
      if (deadline.aborted && !this.#required && look.then === 'data') return this.#handOut(handle, undefined);
      if (deadline.aborted) return this.#drop(handle, 'timeout', `no whole header within ${this.#timeout} ms`);
      return this.#drop(handle, 'truncated', (error as Error).message);
    } finally {
      clearTimeout(timer);
      this.#closing.signal.removeEventListener('abort', onClose);
      readiness.close();
    }
  }

  /** Gives up every header still being read (the server closes): those connections are reset. */
  close(): void {
    this.#closing.abort();
  }

  /** An untrusted peer: closed if a header is required, or if what it already sent looks like one. */
  #untrusted(handle: NativeHandle, peer: string | null): ProxyOutcome {
    const who = peer ?? 'a unix peer';
    if (this.#required) return this.#drop(handle, 'untrusted', `${who} is not a trusted sender of PROXY headers`);
    let first: { data: Buffer } | null;
    try {
      first = native.recvfrom(handle, 16, C.MSG_PEEK!);
    } catch (error) {
      return this.#drop(handle, 'truncated', (error as Error).message);
    }
    if (first !== null && first.data.length > 0 && parseProxyHeader(first.data).state !== 'invalid') {
      return this.#drop(handle, 'untrusted', `${who} sent a PROXY header but is not trusted to`);
    }
    return this.#handOut(handle, undefined);
  }

  /** Takes exactly the header's bytes off the socket (all peeked already), then hands the fd out. */
  #consume(handle: NativeHandle, length: number, header: ProxyHeader): ProxyOutcome {
    for (let left = length; left > 0;) {
      const got = native.recvfrom(handle, left, 0);
      if (got === null || got.data.length === 0) return this.#drop(handle, 'truncated', 'the header went away after it was seen');
      left -= got.data.length;
    }
    this.read++;
    return this.#handOut(handle, header);
  }

  #handOut(handle: NativeHandle, header: ProxyHeader | undefined): ProxyOutcome {
    return { handle, header };
  }

  #drop(handle: NativeHandle, reason: DropReason | 'closed', detail: string): ProxyOutcome {
    refuse(handle);
    if (reason !== 'closed') this.dropped[reason]++;
    return { handle: null, reason, detail };
  }
}

/**
 * A peer that sent part of its header and then its FIN: a peek sees the
 * data but never the FIN behind it; TCP_INFO's state does (CLOSE_WAIT).
 */
function peerFinished(handle: NativeHandle): boolean {
  try {
    return native.tcpInfo(handle).state === C.TCP_STATE_CLOSE_WAIT;
  } catch {
    return false; // a unix peer, or no TCP_INFO here: the deadline decides
  }
}

function backOff(signal: AbortSignal, ms: number): Promise<void> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
