// The handshakes a TlsServer has in flight, and which one goes when there are
// too many. Not simply the oldest: clients that reconnect as soon as they are
// closed would then push every honest handshake out in turn. The victim is
// the oldest handshake whose client has not yet sent a whole ClientHello
// (silent, slowloris, truncated: an honest client sends it at once); only if
// every client has, the oldest of all.
import type * as tls from 'node:tls';

/** The server has read and processed a whole ClientHello: then it knows the signature algorithms both sides share. */
const sentHello = (secure: tls.TLSSocket): boolean => (secure.getSharedSigalgs()?.length ?? 0) > 0;

export class PendingHandshakes {
  /** Not yet seen past their ClientHello, oldest first (a Set keeps insertion order). */
  readonly #waitingHello = new Set<tls.TLSSocket>();
  /** Seen past it, in the order they were seen so. */
  readonly #helloDone = new Set<tls.TLSSocket>();

  get size(): number {
    return this.#waitingHello.size + this.#helloDone.size;
  }

  add(secure: tls.TLSSocket): void {
    this.#waitingHello.add(secure);
  }

  delete(secure: tls.TLSSocket): void {
    this.#waitingHello.delete(secure);
    this.#helloDone.delete(secure);
  }

  /**
   * Removes and returns the handshake to close for room. Each handshake is
   * looked at (and moved past its hello) at most once: amortised O(1).
   */
  evict(): tls.TLSSocket | undefined {
    for (const secure of this.#waitingHello) {
      this.#waitingHello.delete(secure);
      if (!sentHello(secure)) return secure;
      this.#helloDone.add(secure);
    }
    const oldest = this.#helloDone.values().next().value;
    if (oldest !== undefined) this.#helloDone.delete(oldest);
    return oldest;
  }

  /** Removes and returns every handshake (the server is closing). */
  clear(): tls.TLSSocket[] {
    const all = [...this.#waitingHello, ...this.#helloDone];
    this.#waitingHello.clear();
    this.#helloDone.clear();
    return all;
  }
}
