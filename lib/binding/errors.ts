// SocketError: the one error class for failing syscalls, carrying the real
// (positive) errno, its code, the syscall, and where it happened.

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

function isNativeErrnoError(error: unknown): error is { errno: number; code: string; syscall: string; reason: string } {
  return (
    error instanceof Error &&
    typeof (error as { errno?: unknown }).errno === 'number' &&
    typeof (error as { syscall?: unknown }).syscall === 'string' &&
    typeof (error as { reason?: unknown }).reason === 'string'
  );
}

/**
 * Turns an error thrown by the addon into a SocketError naming the address;
 * anything else (TypeError, RangeError) is returned unchanged.
 */
export function fromNative(error: unknown, address?: string, port?: number): unknown {
  if (!isNativeErrnoError(error) || error instanceof SocketError) return error;
  return new SocketError({ ...pick(error), address, port });
}

function pick(e: { errno: number; code: string; syscall: string; reason: string }): SocketErrorInit {
  return { errno: e.errno, code: e.code, syscall: e.syscall, reason: e.reason };
}

/** Runs a native call and rethrows its failure as a SocketError at `address`. */
export function call<T>(fn: () => T, address?: string, port?: number): T {
  try {
    return fn();
  } catch (error) {
    throw fromNative(error, address, port);
  }
}

/** A TypeError/RangeError with a Node-style `code`, for wrong arguments. */
export function argumentError(kind: 'type' | 'range', code: string, message: string): TypeError | RangeError {
  const error = kind === 'type' ? new TypeError(message) : new RangeError(message);
  Object.defineProperty(error, 'code', { value: code, enumerable: true });
  return error;
}
