// Admission at accept, judged on the real client (the PROXY header's source
// when there is one, else the peer) before any net.Socket exists: at most N
// open connections per source address or prefix, and an admit() hook. A
// refused connection is closed by the caller and counted here by reason.
import { argumentError } from '../binding/errors.js';
import type { ProxyHeader } from './header.js';
import { formatIpv6, ipBytes } from '../net/ip-bytes.js';

export interface Peer {
  /** The client's address (the PROXY header's source if it sent one), or null for a unix peer. */
  address: string | null;
  port: number;
  proxy?: ProxyHeader | undefined;
}

export interface AdmissionOptions {
  /** At most this many open connections per source; or per prefix: { limit, prefix4: 24, prefix6: 64 }. */
  maxConnectionsPerSource?: number | { limit: number; prefix4?: number; prefix6?: number };
  /** Return false to refuse a connection (a throw refuses it too). */
  admit?: (peer: Peer) => boolean;
}

export type Entry = { admitted: true; release(): void } | { admitted: false; reason: 'maxConnectionsPerSource' | 'admit'; detail: string };

export class Admission {
  readonly #limit: number | undefined;
  readonly #prefix4: number;
  readonly #prefix6: number;
  readonly #admit: ((peer: Peer) => boolean) | undefined;
  readonly #open = new Map<string, number>();
  readonly refused = { maxConnectionsPerSource: 0, admit: 0 };

  constructor(options: AdmissionOptions = {}) {
    const max = options.maxConnectionsPerSource;
    const spec = typeof max === 'number' ? { limit: max } : max;
    if (spec !== undefined) {
      if (typeof spec !== 'object' || spec === null || !Number.isInteger(spec.limit) || spec.limit < 1) {
        throw argumentError(
          'range',
          'ERR_OUT_OF_RANGE',
          'maxConnectionsPerSource must be an integer >= 1, or { limit, prefix4?, prefix6? }',
        );
      }
      for (const [key, top] of [
        ['prefix4', 32],
        ['prefix6', 128],
      ] as const) {
        const bits = spec[key];
        if (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= top)) {
          throw argumentError('range', 'ERR_OUT_OF_RANGE', `maxConnectionsPerSource.${key} must be an integer in 0..${top}`);
        }
      }
    }
    if (options.admit !== undefined && typeof options.admit !== 'function')
      throw argumentError('type', 'ERR_INVALID_ARG_TYPE', 'admit must be a function');
    this.#limit = spec?.limit;
    this.#prefix4 = spec?.prefix4 ?? 32;
    this.#prefix6 = spec?.prefix6 ?? 128;
    this.#admit = options.admit;
  }

  /** Open connections per source key now (for stats). */
  get open(): ReadonlyMap<string, number> {
    return this.#open;
  }

  /** Judges one connection; an admitted one counts against its source until release(). */
  enter(peer: Peer): Entry {
    const key = this.#key(peer.address);
    if (this.#limit !== undefined && (this.#open.get(key) ?? 0) >= this.#limit) {
      this.refused.maxConnectionsPerSource++;
      return { admitted: false, reason: 'maxConnectionsPerSource', detail: `${key} has ${this.#limit} open connections` };
    }
    if (this.#admit !== undefined) {
      let yes: boolean;
      try {
        yes = this.#admit(peer) === true;
      } catch (error) {
        this.refused.admit++;
        return { admitted: false, reason: 'admit', detail: `admit() threw: ${(error as Error)?.message ?? String(error)}` };
      }
      if (!yes) {
        this.refused.admit++;
        return { admitted: false, reason: 'admit', detail: 'admit() said no' };
      }
    }
    this.#open.set(key, (this.#open.get(key) ?? 0) + 1);
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.#open.get(key) ?? 1) - 1;
        if (left > 0) this.#open.set(key, left);
        else this.#open.delete(key);
      },
    };
  }

  /** The source an address counts against: itself, or its prefix; an IPv4-mapped IPv6 address as the IPv4 it is. */
  #key(address: string | null): string {
    if (address === null) return 'unix';
    let bytes = ipBytes(address);
    if (bytes === undefined) return address;
    const mapped = bytes.length === 16 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
    if (mapped) bytes = bytes.slice(12);
    if (bytes.length === 4) return this.#prefix4 === 32 ? bytes.join('.') : `${mask(bytes, this.#prefix4).join('.')}/${this.#prefix4}`;
    // One spelling per address (RFC 5952), so "2001:DB8::1" and "2001:db8:0::1" share a count.
    return this.#prefix6 === 128 ? formatIpv6(bytes) : `${formatIpv6(mask(bytes, this.#prefix6))}/${this.#prefix6}`;
  }
}

function mask(bytes: number[], bits: number): number[] {
  return bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
}
