// Loads the addon once and declares its typed surface. The addon mirrors
// POSIX calls one to one; every policy lives in the TypeScript around it.
// At load it is handed SocketError, the class every failing call throws.
import { SocketError } from './errors.js';
import { loadAddon } from './load.js';

/** Opaque owner of one socket fd (a type-tagged native object). */
export interface NativeHandle {
  readonly __brand: 'SocketHandle';
}

export interface NativeInetEndpoint {
  family: number; // AF_INET or AF_INET6
  address: string;
  port: number;
  scopeId?: number;
}

export interface NativeUnixEndpoint {
  family: number; // AF_UNIX
  path: Buffer;
}

export type NativeEndpoint = NativeInetEndpoint | NativeUnixEndpoint;

/**
 * Every failing call throws a SocketError (errno, code, syscall, reason; the
 * resolver's also name the host); bad arguments are TypeError/RangeError.
 */
export interface Addon {
  socket(family: number, type: number, protocol: number): NativeHandle;
  setsockopt(h: NativeHandle, level: number, name: number, value: number): void;
  getsockopt(h: NativeHandle, level: number, name: number): number;
  setsockoptBuffer(h: NativeHandle, level: number, name: number, value: ArrayBufferView): void;
  getsockoptBuffer(h: NativeHandle, level: number, name: number, maxLength: number): Buffer;
  /** SO_ATTACH_REUSEPORT_CBPF: steer each connection to the group member whose index is the receiving CPU. */
  attachReuseportCpu(h: NativeHandle): void;
  bind(h: NativeHandle, endpoint: NativeEndpoint): void;
  /** Non-blocking connect(2); throws EINPROGRESS/EAGAIN/ECONNREFUSED… as errors. */
  connect(h: NativeHandle, endpoint: NativeEndpoint): void;
  listen(h: NativeHandle, backlog: number): void;
  getsockname(h: NativeHandle): NativeEndpoint;
  getpeername(h: NativeHandle): NativeEndpoint;
  shutdown(h: NativeHandle, how: number): void;
  /** On a listener: unacked = accept-queue length, sacked = its limit. */
  tcpInfo(h: NativeHandle): { state: number; unacked: number; sacked: number };
  /** A unix socket's queue via sock_diag netlink: for a listener, length = waiting connections, limit = backlog. */
  unixQueue(h: NativeHandle): { listening: boolean; length: number; limit: number };
  /** Is a socket (any state or type) bound to the socket file of this lstat dev/ino? From sock_diag, without connecting; ENOTSUP off Linux. */
  unixSocketBound(dev: bigint, ino: bigint): boolean;
  getaddrinfo(host: string, family: number, socktype: number, numericOnly: boolean): NativeInetEndpoint[];
  close(h: NativeHandle): void;
  /** The C library's strerror() text for a (positive) errno. */
  strerror(errno: number): string;
  release(h: NativeHandle): number;
  fd(h: NativeHandle): number;
  /** Up to `max` (1..1024) accepted fds, owned by the caller; [] when the queue is empty. */
  acceptBatch(h: NativeHandle, max: number): number[];
  /**
   * One receive, never blocking; null on EAGAIN. `length` is the real size (above data.length
   * when truncated); drops = SO_RXQ_OVFL counter (-1 unknown).
   */
  recvfrom(
    h: NativeHandle,
    max: number,
    flags: number,
  ): { data: Buffer; from: NativeEndpoint | null; length: number; drops: number } | null;
  /**
   * recvmmsg(2): up to maxMessages datagrams, as one Buffer of their kept bytes back to back
   * (each kept up to maxLength), their real sizes and their senders (one object per run of one
   * sender); drops = SO_RXQ_OVFL counter (-1 unknown); room = how many this call could take (the
   * receive memory budget may allow fewer than maxMessages).
   */
  recvBatch(
    h: NativeHandle,
    maxMessages: number,
    maxLength: number,
  ): { data: Buffer; sizes: number[]; from: Array<NativeEndpoint | null>; drops: number; room: number };
  /** One sendto(2), never blocking (MSG_DONTWAIT), never SIGPIPE; data: any ArrayBufferView. */
  sendto(h: NativeHandle, data: ArrayBufferView, flags: number, to: NativeEndpoint | null): number;
  /** An owning handle for a socket fd that is ours (not a live handle's, not watched by the event loop); EBADF/ENOTSOCK/EBUSY otherwise. */
  adopt(fd: number): NativeHandle;
  /** A borrowed handle on a socket Node owns: fd-level calls only (names, options, shutdown, send/receive); close() lets go without closing. */
  borrow(fd: number): NativeHandle;
  /** Remove the unix socket file at `path` whenever `h` closes its fd (if it is still the file bound now). */
  unlinkOnClose(h: NativeHandle, path: Buffer): void;
  /** One sendmsg(2) of `data` (not empty) with the fds of `handles` attached (SCM_RIGHTS); never blocks, never SIGPIPE. */
  sendHandles(h: NativeHandle, data: ArrayBufferView, handles: NativeHandle[]): number;
  /** One recvmsg(2), never blocking: null on EAGAIN; data empty at EOF; received fds come as owning handles, made non-blocking and close-on-exec (EMSGSIZE, all closed, if more than maxHandles). */
  recvHandles(h: NativeHandle, maxData: number, maxHandles: number): { data: Buffer; handles: NativeHandle[] } | null;
  /** poll(2) with a timeout (0..60000 ms), blocking the thread: true once readable (writable), or an error is pending. Synchronous openers only. */
  waitFor(h: NativeHandle, writable: boolean, timeoutMs: number): boolean;
  /** Calls back with null each time the fd is readable (or the poll's SocketError) until pollStop(), or until the callback returns false; hangup: POLLHUP seen. The callback is held strongly while polling. */
  pollStart(h: NativeHandle, callback: (error: SocketError | null, hangup: boolean) => boolean | void): void;
  pollStop(h: NativeHandle): void;
  setKeepAlive(h: NativeHandle, on: boolean): void;
  /** The class every failure above is an instance of, in this thread (main or worker); a TypeError for a non-function. */
  setErrorConstructor(constructor: typeof SocketError): void;
  constants: Readonly<Record<string, number | undefined>> & {
    AF_INET: number;
    AF_INET6: number;
    AF_UNIX: number;
    AF_UNSPEC: number;
    SOCK_STREAM: number;
    SOCK_DGRAM: number;
    SOL_SOCKET: number;
    IPPROTO_IPV6: number;
    IPPROTO_TCP: number;
    SO_REUSEADDR: number;
    SO_KEEPALIVE: number;
    SO_LINGER: number;
    TCP_NODELAY: number;
    IPV6_V6ONLY: number;
  };
}

function load(): Addon {
  const addon = loadAddon() as Addon;
  addon.setErrorConstructor(SocketError);
  return addon;
}

export const native: Addon = load();
export const C = native.constants;
