// What StreamServer and DatagramServer share: one owned socket handle bound
// to a local endpoint, and how that endpoint reads to users.
import { withAddress } from '../binding/errors.js';
import { describeEndpoint, nameOf, type AddressInfo, type UnixAddressInfo } from '../net/address.js';
import { native, type NativeEndpoint, type NativeHandle } from '../binding/native.js';

/** @internal The handle of a server, for the fd-level calls of socket/syscalls.ts. */
export let handleOf: (socket: BoundSocket) => NativeHandle;

export abstract class BoundSocket {
  static {
    handleOf = (socket) => socket.#handle;
  }
  readonly #handle: NativeHandle;
  readonly #local: NativeEndpoint;
  readonly #where: { address: string; port: number | undefined };

  protected constructor(handle: NativeHandle, local: NativeEndpoint) {
    this.#handle = handle;
    this.#local = local;
    this.#where = describeEndpoint(local);
  }

  /**
   * The local address as PHP's stream_socket_get_name() prints it:
   * `127.0.0.1:8000`, `[::1]:8000`, a unix path; `@name` for an abstract unix name.
   */
  get name(): string {
    return nameOf(this.#local);
  }

  /** `{ family: 'IPv4' | 'IPv6', address, port }`, or `{ family: 'unix', path }`. */
  get address(): AddressInfo | UnixAddressInfo {
    return describeEndpoint(this.#local).info;
  }

  /** The bound port (0 for unix sockets). */
  get port(): number {
    return this.#where.port ?? 0;
  }

  /** The socket's fd, or -1 once closed. */
  get fd(): number {
    return native.fd(this.#handle);
  }

  /** @internal The bound endpoint. */
  get localEndpoint(): NativeEndpoint {
    return this.#local;
  }

  /** @internal */
  protected get handle(): NativeHandle {
    return this.#handle;
  }

  /** @internal Where errors happen: the address and port SocketErrors name. */
  protected get where(): { address: string; port: number | undefined } {
    return this.#where;
  }

  /** Runs a native call on this socket; its SocketError names this socket's address. */
  protected syscall<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw withAddress(error, this.#where);
    }
  }
}
