// The one readiness watch: libuv's poll on a handle's fd, on while someone
// waits, off when nobody does. Both the acceptor and the readiness waits of
// datagram servers stand on it, so a poll error is turned into a SocketError
// in one place, and the watch knows that libuv stops a poll on an error.
import { withAddress, type SocketError } from '../binding/errors.js';
import { native, type NativeHandle } from '../binding/native.js';

/** Called when the fd is readable; `error` when the poll failed (libuv stopped it); `hangup` on POLLHUP. */
export type OnReady = (error: SocketError | null, hangup: boolean) => void;

export class Watch {
  readonly #handle: NativeHandle;
  readonly #where: () => { address?: string | undefined; port?: number | undefined };
  readonly #onReady: OnReady;
  #on = false;
  #held = false;
  readonly #callback = (error: SocketError | null, hangup: boolean): void => {
    if (error === null) return this.#onReady(null, hangup);
    this.#on = false; // libuv stops a poll that reports an error
    this.#held = false;
    this.#onReady(withAddress(error, this.#where()) as SocketError, hangup);
  };

  constructor(handle: NativeHandle, where: Watch['where'], onReady: OnReady) {
    this.#handle = handle;
    this.#where = where;
    this.#onReady = onReady;
  }

  /** Where the watched socket is, for error messages. */
  get where(): () => { address?: string | undefined; port?: number | undefined } {
    return this.#where;
  }

  get on(): boolean {
    return this.#on;
  }

  /** Someone waits: watch, and hold the callback (and so whoever waits) strongly. */
  start(): void {
    if (this.#on && this.#held) return;
    native.pollStart(this.#handle, this.#callback);
    this.#on = true;
    this.#held = true;
  }

  /**
   * Nobody waits for now: keep watching (stopping costs epoll_ctl calls a busy
   * server would pay per connection) but hold the callback weakly, so that a
   * server nobody references any more is collected and its fd closed.
   */
  idle(): void {
    if (!this.#held) return;
    this.#held = false;
    native.pollIdle(this.#handle);
  }

  stop(): void {
    if (!this.#on) return;
    this.#on = false;
    this.#held = false;
    native.pollStop(this.#handle);
  }
}
