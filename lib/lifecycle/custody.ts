// Who else may hold a server's fd right now: a net.Server taking it
// (StreamServer.handOff) or another process a handover sent it to. One giving-away at a
// time; the offers still pending are withdrawn when the fd goes for good.
import { socketErrorOf, type Where } from '../binding/errors.js';

export class Custody {
  /** handOff() is between giving node:net the fd and node:net listening on it. */
  handingOff = false;
  #inFlight = 0;
  readonly #offers = new Set<AbortController>();

  /** A handover taker holds the fd and has not answered yet: a close() must keep the socket file. */
  get inFlight(): boolean {
    return this.#inFlight > 0;
  }

  setInFlight(on: boolean): void {
    this.#inFlight += on ? 1 : -1;
  }

  /** Runs one offer with a signal that withdraw() aborts. */
  offer<T>(run: (stop: AbortSignal) => Promise<T>): Promise<T> {
    const stop = new AbortController();
    this.#offers.add(stop);
    return run(stop.signal).finally(() => this.#offers.delete(stop));
  }

  withdrawOffers(): void {
    for (const offer of this.#offers) offer.abort();
  }

  /** Throws EALREADY while the fd is being given away. */
  checkFree(syscall: string, where: Where): void {
    if (!this.handingOff && !this.inFlight) return;
    const doing = this.handingOff ? 'a hand-off to a net.Server' : 'a handover to another process';
    throw socketErrorOf('EALREADY', syscall, `${doing} of this server is in progress`, where);
  }
}
