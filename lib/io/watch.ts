// The one readiness watch: libuv's poll on a handle's fd, on while someone
// waits, off when nobody does. Both the acceptor and the readiness waits of
// datagram servers stand on it, so a poll error is turned into a SocketError
// in one place, and the watch knows that libuv stops a poll on an error.
import { socketErrorOf, withAddress, type SocketError, type Where } from '../binding/errors.js';
import { native, type NativeHandle } from '../binding/native.js';

/** Called when the fd is readable; `error` when the poll failed (libuv stopped it); `hangup` on POLLHUP. */
export type OnReady = (error: SocketError | null, hangup: boolean) => void;

/**
 * libuv reports POLLERR as EBADF, though the fd is fine (epoll forgets closed
 * fds): keep the code, say what it means.
 */
function pollError(error: SocketError, where: Where): SocketError {
  if (error.code !== 'EBADF') return withAddress(error, where) as SocketError;
  return socketErrorOf('EBADF', 'poll', 'POLLERR: the socket has an error pending (SO_ERROR or its error queue)', where);
}

/**
 * What the native poll holds (strongly, for as long as it polls). It reaches
 * the watch's callback strongly only while someone waits, weakly otherwise:
 * so switching between the two is a field write, not a native call per
 * wake-up, and a server nobody waits on and nobody references is collected
 * (its finalizer closes the fd) even with the poll on.
 */
interface Relay {
  strong: OnReady | undefined;
  readonly weak: WeakRef<OnReady>;
}

/**
 * The function the native poll calls. Made here, outside the class, so that
 * it closes over the relay alone (an arrow made in a method would hold the
 * watch). `false` tells the native side that nobody is left: it stops the poll.
 */
function relayCallback(relay: Relay): (error: SocketError | null, hangup: boolean) => boolean {
  return (error, hangup) => {
    const callback = relay.strong ?? relay.weak.deref();
    if (callback === undefined) return false;
    callback(error, hangup);
    return true;
  };
}

export class Watch {
  readonly #handle: NativeHandle;
  readonly #where: () => { address?: string | undefined; port?: number | undefined };
  readonly #onReady: OnReady;
  #on = false;
  readonly #callback: OnReady = (error, hangup) => {
    if (error === null) return this.#onReady(null, hangup);
    this.#on = false; // libuv stops a poll that reports an error
    this.#relay.strong = undefined;
    this.#onReady(pollError(error, this.#where()), hangup);
  };
  readonly #relay: Relay = { strong: undefined, weak: new WeakRef(this.#callback) };
  readonly #native = relayCallback(this.#relay);

  constructor(handle: NativeHandle, where: Watch['where'], onReady: OnReady) {
    this.#handle = handle;
    this.#where = where;
    this.#onReady = onReady;
  }

  /** Where the watched socket is, for error messages. */
  get where(): () => { address?: string | undefined; port?: number | undefined } {
    return this.#where;
  }

  /** Someone waits: watch, and hold the callback (and so whoever waits) strongly. */
  start(): void {
    if (!this.#on) {
      try {
        native.pollStart(this.#handle, this.#native);
      } catch (error) {
        throw withAddress(error, this.#where()); // nothing changed: the state is set only once it started
      }
      this.#on = true;
    }
    this.#relay.strong = this.#callback;
  }

  /**
   * Nobody waits for now: keep watching (stopping costs epoll_ctl calls a busy
   * server would pay per connection) but hold the callback weakly, so that a
   * server nobody references any more is collected and its fd closed.
   */
  idle(): void {
    this.#relay.strong = undefined;
  }

  stop(): void {
    this.#relay.strong = undefined;
    if (!this.#on) return;
    this.#on = false;
    native.pollStop(this.#handle);
  }
}
