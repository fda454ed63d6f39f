// SocketError: the one error class for failing syscalls, carrying the real
// (positive) errno, its code, the syscall, and where it happened. The addon
// throws it itself (binding/native.ts hands it over at load); the errors the
// TypeScript decides on come from socketErrorOf().
import { constants } from 'node:os';

export interface SocketErrorInit {
  errno: number;
  code: string;
  syscall: string;
  reason: string;
  address?: string | undefined;
  port?: number | undefined;
}

/** Formats `host:port` the way stream_socket_get_name() does: IPv6 in brackets. */
export function formatHostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export class SocketError extends Error {
  /** The C errno, positive (Node's own `err.errno` is negative; this is not). 0 for resolver errors. */
  readonly errno: number;
  /** `EADDRINUSE`, `EACCES`…; `EAI_*` for name resolution failures. */
  readonly code: string;
  /** The syscall that failed: `socket`, `setsockopt`, `bind`, `listen`, `accept4`, `getaddrinfo`… */
  readonly syscall: string;
  /** The text of strerror() / gai_strerror(). */
  readonly reason: string;
  readonly address: string | undefined;
  readonly port: number | undefined;

  constructor(init: SocketErrorInit) {
    const where = init.address === undefined ? '' : ` ${init.port === undefined ? init.address : formatHostPort(init.address, init.port)}`;
    super(`${init.syscall} ${init.code}${where}: ${init.reason}`);
    this.name = 'SocketError';
    this.errno = init.errno;
    this.code = init.code;
    this.syscall = init.syscall;
    this.reason = init.reason;
    this.address = init.address;
    this.port = init.port;
  }
}

/** Where an error happened: the address (and port) its message names. */
export interface Where {
  address?: string | undefined;
  port?: number | undefined;
}

/** An errno name of this platform (`EBADF`, `ETIMEDOUT`…), or a resolver's `EAI_*`. */
export type ErrorCode = keyof typeof constants.errno | `EAI_${string}`;

/**
 * The one factory for the SocketErrors the TypeScript decides on itself: a
 * closed server (EBADF), a timeout (ETIMEDOUT), an option this platform
 * lacks (ENOPROTOOPT), a file in the way (EADDRINUSE)… `errno` is the
 * platform's number for `code` (os.constants.errno); 0 for `EAI_*`, as the
 * resolver's own failures have it. The addon makes the others itself.
 */
export function socketErrorOf(code: ErrorCode, syscall: string, reason: string, where: Where = {}): SocketError {
  const errno = (constants.errno as Record<string, number | undefined>)[code] ?? 0;
  return new SocketError({ errno, code, syscall, reason, address: where.address, port: where.port });
}

/** A call on a server that was closed: EBADF, "the server was closed". */
export function closedError(syscall: string, where: Where): SocketError {
  return socketErrorOf('EBADF', syscall, 'the server was closed', where);
}

/** A wait that ran out: ETIMEDOUT; `reason` says what did not come, e.g. `no connection within 50 ms`. */
export function timeoutError(syscall: string, reason: string, where: Where): SocketError {
  return socketErrorOf('ETIMEDOUT', syscall, reason, where);
}

/** A socket option (`constant`) this platform does not have: ENOPROTOOPT, as the kernel would say. */
export function unavailableError(syscall: string, constant: string, where: Where): SocketError {
  return socketErrorOf('ENOPROTOOPT', syscall, `${constant} is not available on ${process.platform}`, where);
}

/**
 * `error`, naming `where`: a SocketError that names no address yet (the
 * addon's own, for a call on a handle) comes back as a new one that does;
 * anything else (a TypeError, an error that already names its place) as is.
 */
export function withAddress(error: unknown, where: Where): unknown {
  if (!(error instanceof SocketError) || error.address !== undefined || where.address === undefined) return error;
  return new SocketError({
    errno: error.errno,
    code: error.code,
    syscall: error.syscall,
    reason: error.reason,
    address: where.address,
    port: where.port,
  });
}

/** A TypeError/RangeError with a Node-style `code`, for wrong arguments. */
export function argumentError(kind: 'type' | 'range', code: string, message: string): TypeError | RangeError {
  const error = kind === 'type' ? new TypeError(message) : new RangeError(message);
  Object.defineProperty(error, 'code', { value: code, enumerable: true });
  return error;
}
