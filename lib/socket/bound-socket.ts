// What StreamServer and DatagramServer share: one owned socket handle bound
// to a local endpoint, and how that endpoint reads to users.
import { closeSync } from 'node:fs';
import { argumentError, unavailableError, withAddress } from '../binding/errors.js';
import { optionAddress, SOCKET_OPTIONS, type OptionSpec, type SocketOptionName } from '../options/sockopts.js';
import { describeEndpoint, nameOf, type AddressInfo, type UnixAddressInfo } from '../net/address.js';
import { C, native, type NativeEndpoint, type NativeHandle } from '../binding/native.js';

/** @internal The handle of a server, for the fd-level calls of socket/syscalls.ts. */
export let handleOf: (socket: BoundSocket) => NativeHandle;
/** @internal Records where an inherited listener came from (lifecycle/). */
export let setOrigin: (socket: BoundSocket, origin: Origin) => void;

/** Where a listener this process did not open came from: fd://, systemd:// (with its FileDescriptorName) or handover:// (the pid that gave it). */
export interface Origin {
  via: 'fd' | 'systemd' | 'handover';
  fd: number;
  name?: string;
  pid?: number;
}

export abstract class BoundSocket {
  static {
    handleOf = (socket) => socket.#handle;
    setOrigin = (socket, origin) => (socket.#origin = Object.freeze({ ...origin }));
  }
  #origin: Origin | undefined;
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

  /** Set when this listener was inherited or taken over (fd://, systemd://, handover://); undefined when this process opened it. */
  get origin(): Origin | undefined {
    return this.#origin;
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

  /** Reads an option back from the kernel (getsockopt), by its name in the options table. */
  getOption(name: SocketOptionName): boolean | number | string {
    const spec: OptionSpec = SOCKET_OPTIONS[name];
    if (spec === undefined) throw argumentError('type', 'ERR_INVALID_ARG_VALUE', `unknown option ${JSON.stringify(name)}`);
    const { level, name: constant } = optionAddress(spec, this.localEndpoint.family === C.AF_INET6);
    const l = C[level];
    const n = C[constant];
    if (l === undefined || n === undefined) {
      throw unavailableError('getsockopt', constant, this.where);
    }
    if (spec.kind === 'string') {
      const bytes = this.syscall(() => native.getsockoptBuffer(this.handle, l, n, 64));
      const nul = bytes.indexOf(0);
      return bytes.subarray(0, nul < 0 ? bytes.length : nul).toString();
    }
    const value = this.syscall(() => native.getsockopt(this.handle, l, n));
    return spec.kind === 'bool' ? value !== 0 : value;
  }

  /** Escape hatch: setsockopt(2) with an int value, e.g. setsockopt(C.SOL_SOCKET, C.SO_PRIORITY, 6). */
  setsockopt(level: number, name: number, value: number): void {
    this.syscall(() => native.setsockopt(this.handle, level, name, value));
  }

  /** Escape hatch: getsockopt(2) of an int option. */
  getsockopt(level: number, name: number): number {
    return this.syscall(() => native.getsockopt(this.handle, level, name));
  }

  /** Lets go of this process's copy of the fd, keeping the unix socket file: another process serves the socket now. */
  protected closeCopy(): void {
    closeSync(native.release(this.#handle));
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
