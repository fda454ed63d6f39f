// What a stream listener with proxyProtocol, maxConnectionsPerSource or
// admit() does between accept4() and the net.Socket: the PROXY header is
// read from the raw fd (reader.ts), then the real client is judged
// (admission.ts), both before anything is made of the connection; what may
// not pass is reset (refuse.ts) and counted. A listener without these
// options has no gate and pays nothing for it.
import { native, type NativeHandle } from '../binding/native.js';
import { isUnixEndpoint } from '../net/address.js';
import { GATE_KEYS } from '../options/options.js';
import { Admission, type AdmissionOptions, type Peer } from './admission.js';
import type { ProxyHeader } from './header.js';
import { ProxyPipeline } from './pipeline.js';
import { ProxyReader, type DropReason, type ProxyProtocolOptions } from './reader.js';
import { refuse } from './refuse.js';

export interface GateOptions extends AdmissionOptions {
  proxyProtocol?: ProxyProtocolOptions;
}

/** A connection that passed: its handle owns the fd; release() frees its admission slot (call it once it closes). */
export interface Passed {
  handle: NativeHandle;
  /** The PROXY header it came with (undefined: none, when not required). */
  proxy: ProxyHeader | undefined;
  /** The client as admission judged it: the header's source, else the peer. */
  peer: Peer;
  release(): void;
}

export interface GateStats {
  /** proxyProtocol: headers read, connections reset by reason, headers being read now. */
  proxy?: { read: number; dropped: Record<DropReason, number>; pending: number };
  /** maxConnectionsPerSource / admit(): connections reset by reason. */
  refused?: { maxConnectionsPerSource: number; admit: number };
}

/** The gate options among a server's options, checked now (before any socket exists); undefined when there are none. */
export function planGate(options: unknown): GateOptions | undefined {
  if (options === undefined || options === null || typeof options !== 'object') return undefined; // the caller's own check says why
  if (GATE_KEYS.every((key) => (options as Record<string, unknown>)[key] === undefined)) return undefined;
  const given = options as Record<string, unknown>;
  const plan = Object.fromEntries(GATE_KEYS.filter((key) => given[key] !== undefined).map((key) => [key, given[key]])) as GateOptions;
  if (plan.proxyProtocol !== undefined) new ProxyReader(plan.proxyProtocol); // throws what is wrong
  new Admission(plan);
  return plan;
}

/** The peer of a connection, as the client it stands for. */
function peerOf(handle: NativeHandle, header: ProxyHeader | undefined): Peer {
  const source = header?.command === 'proxy' ? header.source : undefined;
  if (source !== undefined && 'address' in source) return { address: source.address, port: source.port, proxy: header };
  if (source !== undefined) return { address: null, port: 0, proxy: header };
  const endpoint = native.getpeername(handle);
  if (isUnixEndpoint(endpoint)) return { address: null, port: 0, proxy: header };
  return { address: endpoint.address, port: endpoint.port, proxy: header };
}

export class AcceptGate {
  readonly #reader: ProxyReader | undefined;
  readonly #admission: Admission | undefined;
  readonly #pipeline: ProxyPipeline<Passed>;

  /** `accept` takes accepted fds from the listener (null once it closed). */
  constructor(accept: (max: number, signal: AbortSignal) => Promise<number[] | null>, options: GateOptions) {
    this.#reader = options.proxyProtocol === undefined ? undefined : new ProxyReader(options.proxyProtocol);
    const limits = options.maxConnectionsPerSource !== undefined || options.admit !== undefined;
    this.#admission = limits ? new Admission(options) : undefined;
    this.#pipeline = new ProxyPipeline<Passed>({
      accept,
      examine: (fd) => this.#examine(fd),
      discard: (passed) => (passed.release(), refuse(passed.handle)),
    });
  }

  /** The next connection that passed, or null once the listener closed and nothing is left. */
  next(signal?: AbortSignal): Promise<Passed | null> {
    return this.#pipeline.next(signal);
  }

  /** Connections that passed and wait for an accept(): acceptable now, though the kernel's queue may be empty. */
  get ready(): number {
    return this.#pipeline.ready;
  }

  /** The listener went on elsewhere (handover, drain): headers being read finish and are handed out. */
  stop(): void {
    this.#pipeline.stop();
  }

  /** The server closed: every connection not handed out yet is reset, also those a stop() let finish. */
  close(): void {
    this.#reader?.close();
    this.#pipeline.close();
  }

  stats(): GateStats {
    const reader = this.#reader;
    const refused = this.#admission?.refused;
    return {
      ...(reader && { proxy: { read: reader.read, dropped: { ...reader.dropped }, pending: this.#pipeline.pending } }),
      ...(refused && { refused: { ...refused } }),
    };
  }

  /** Reads the header (if any), then judges the client: at once when the header was whole at accept. */
  #examine(fd: number): Passed | null | Promise<Passed | null> {
    if (this.#reader === undefined) return this.#admit(native.adopt(fd), undefined);
    const outcome = this.#reader.take(fd);
    if (!(outcome instanceof Promise)) return outcome.handle === null ? null : this.#admit(outcome.handle, outcome.header);
    return outcome.then((later) => (later.handle === null ? null : this.#admit(later.handle, later.header)));
  }

  #admit(handle: NativeHandle, proxy: ProxyHeader | undefined): Passed | null {
    let peer: Peer;
    try {
      peer = peerOf(handle, proxy);
    } catch {
      refuse(handle); // the client left already (ENOTCONN)
      return null;
    }
    const entry = this.#admission?.enter(peer) ?? { admitted: true as const, release: () => {} };
    if (!entry.admitted) {
      refuse(handle);
      return null;
    }
    return { handle, proxy, peer, release: entry.release };
  }
}
