// Connections whose handshake finished while nobody waited for them. A
// TlsServer runs more handshakes than it has waiters (so that one silent
// client never holds up the next), and what comes out of them must not sit
// in the heap for nobody: each has `ttlMs` to be taken, then is closed and
// counted as unclaimed.
import type * as tls from 'node:tls';

export class ReadyQueue {
  readonly #ttlMs: number;
  /** Oldest first (a Map keeps insertion order), each with the timer that closes it. */
  readonly #items = new Map<tls.TLSSocket, NodeJS.Timeout>();
  /** Connections closed because nobody took them within ttlMs. */
  unclaimed = 0;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  get length(): number {
    return this.#items.size;
  }

  push(socket: tls.TLSSocket): void {
    const timer = setTimeout(() => {
      this.#items.delete(socket);
      this.unclaimed++;
      socket.destroy();
    }, this.#ttlMs);
    timer.unref(); // the socket itself, and the server's keep-alive, decide about the process
    this.#items.set(socket, timer);
  }

  /** The oldest connection, no longer timed; undefined if none. */
  shift(): tls.TLSSocket | undefined {
    const first = this.#items.entries().next();
    if (first.done === true) return undefined;
    const [socket, timer] = first.value;
    clearTimeout(timer);
    this.#items.delete(socket);
    return socket;
  }

  /** Closes every connection still here (the server is closing): not counted as unclaimed. */
  clear(): void {
    for (const [socket, timer] of this.#items) {
      clearTimeout(timer);
      socket.destroy();
    }
    this.#items.clear();
  }
}
