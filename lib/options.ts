// Node-style options -> one validated plan: the socket options to set before
// bind (in order), what to do with a unix socket file, and for stream
// servers the backlog and whether to listen. Pure.
import { argumentError } from './errors.js';

/** Options every server takes (each only where it applies). */
export interface SocketOptions {
  /** SO_REUSEADDR before bind. Default: true for stream servers (as PHP and libuv), false for udp. */
  reuseAddr?: boolean;
  /** SO_REUSEPORT before bind: several sockets share one port. */
  reusePort?: boolean;
  /** IPV6_V6ONLY before bind (IPv6 sockets only; ignored for IPv4). */
  ipv6Only?: boolean;
  /** SO_RCVBUF / SO_SNDBUF in bytes (the kernel doubles and clamps them). */
  recvBufferSize?: number;
  sendBufferSize?: number;
  /** Unix socket files: permission bits applied before anyone can connect (default: by the umask). */
  mode?: number;
  /** Unix socket files: remove a stale socket file (one nobody listens on) in the way. Default false. */
  removeStale?: boolean;
}

export interface ServerOptions extends SocketOptions {
  /** listen(2) backlog, 0..2**31-1; default 511 as in node:net. 0 means 0. The kernel clamps it to net.core.somaxconn. */
  backlog?: number;
  /** false: bind only, call listen() later. Default true. */
  listen?: boolean;
}

export interface DatagramOptions extends SocketOptions {
  /** SO_BROADCAST (udp). */
  broadcast?: boolean;
}

export const DEFAULT_BACKLOG = 511;
export const MAX_BACKLOG = 2 ** 31 - 1;

/** A socket option by name; the number comes from the platform's constants. */
export interface SockOptPlan {
  option: string;
  level: 'SOL_SOCKET' | 'IPPROTO_IPV6';
  name: 'SO_REUSEADDR' | 'SO_REUSEPORT' | 'IPV6_V6ONLY' | 'SO_BROADCAST' | 'SO_RCVBUF' | 'SO_SNDBUF' | 'SO_RXQ_OVFL';
  value: number;
  /** PHP sets some options blindly and ignores the failure (IPV6_V6ONLY on IPv4). */
  ignoreFailure?: boolean;
}

export interface UnixFilePlan {
  mode: number | undefined;
  removeStale: boolean;
  /** Remove the file we created on close() (the core does; PHP never does). */
  removeOnClose: boolean;
}

export interface SocketPlan {
  /** Applied in order, between socket() and bind(). */
  beforeBind: SockOptPlan[];
  /** Unix pathname sockets only. */
  file: UnixFilePlan | undefined;
}

export interface ServerPlan extends SocketPlan {
  backlog: number;
  listen: boolean;
}

export type Family = 4 | 6 | 'unix';

export function validateBacklog(backlog: unknown, what = 'backlog'): number {
  if (typeof backlog !== 'number') {
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', `${what} must be a number, got ${typeof backlog}`);
  }
  if (!Number.isInteger(backlog) || backlog < 0 || backlog > MAX_BACKLOG) {
    throw argumentError('range', 'ERR_OUT_OF_RANGE', `${what} must be an integer in 0..${MAX_BACKLOG}, got ${backlog}`);
  }
  return backlog;
}

function asRecord(options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', 'options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw argumentError('type', 'ERR_INVALID_ARG_VALUE', `Unknown option "${key}" (known: ${known.join(', ')})`);
    }
  }
  return options as Record<string, unknown>;
}

function readBool(opts: Record<string, unknown>, key: string): boolean | undefined {
  const value = opts[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw argumentError('type', 'ERR_INVALID_ARG_TYPE', `options.${key} must be a boolean, got ${typeof value}`);
  return value;
}

function readInt(opts: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = opts[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw argumentError('type', 'ERR_INVALID_ARG_TYPE', `options.${key} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw argumentError('range', 'ERR_OUT_OF_RANGE', `options.${key} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

const INET_ONLY = ['reuseAddr', 'reusePort', 'ipv6Only', 'broadcast'] as const;
const UNIX_ONLY = ['mode', 'removeStale'] as const;

/** The socket-level part shared by stream and datagram servers. */
function planSocket(opts: Record<string, unknown>, family: Family, reuseAddrDefault: boolean): SocketPlan {
  const misplaced = family === 'unix' ? INET_ONLY : UNIX_ONLY;
  for (const key of misplaced) {
    if (opts[key] !== undefined) {
      throw argumentError('type', 'ERR_INVALID_ARG_VALUE', `options.${key} does not apply to ${family === 'unix' ? 'unix' : 'IP'} sockets`);
    }
  }
  const beforeBind: SockOptPlan[] = [];
  if (family !== 'unix') {
    const reuseAddr = readBool(opts, 'reuseAddr') ?? reuseAddrDefault;
    if (reuseAddr) beforeBind.push({ option: 'reuseAddr', level: 'SOL_SOCKET', name: 'SO_REUSEADDR', value: 1 });
    if (readBool(opts, 'reusePort')) beforeBind.push({ option: 'reusePort', level: 'SOL_SOCKET', name: 'SO_REUSEPORT', value: 1 });
    const ipv6Only = readBool(opts, 'ipv6Only');
    if (ipv6Only !== undefined && family === 6) beforeBind.push({ option: 'ipv6Only', level: 'IPPROTO_IPV6', name: 'IPV6_V6ONLY', value: +ipv6Only });
    if (readBool(opts, 'broadcast')) beforeBind.push({ option: 'broadcast', level: 'SOL_SOCKET', name: 'SO_BROADCAST', value: 1 });
  }
  const rcv = readInt(opts, 'recvBufferSize', 1, 2 ** 31 - 1);
  if (rcv !== undefined) beforeBind.push({ option: 'recvBufferSize', level: 'SOL_SOCKET', name: 'SO_RCVBUF', value: rcv });
  const snd = readInt(opts, 'sendBufferSize', 1, 2 ** 31 - 1);
  if (snd !== undefined) beforeBind.push({ option: 'sendBufferSize', level: 'SOL_SOCKET', name: 'SO_SNDBUF', value: snd });
  const file: UnixFilePlan | undefined =
    family === 'unix' ? { mode: readInt(opts, 'mode', 0, 0o777), removeStale: readBool(opts, 'removeStale') ?? false, removeOnClose: true } : undefined;
  return { beforeBind, file };
}

const STREAM_KEYS = ['backlog', 'listen', 'reuseAddr', 'reusePort', 'ipv6Only', 'recvBufferSize', 'sendBufferSize', 'mode', 'removeStale'] as const;
const DATAGRAM_KEYS = ['reuseAddr', 'reusePort', 'ipv6Only', 'broadcast', 'recvBufferSize', 'sendBufferSize', 'mode', 'removeStale'] as const;

/** Validates `options` and plans a stream server for an endpoint of `family`. */
export function planServer(options: unknown, family: Family): ServerPlan {
  const opts = asRecord(options, STREAM_KEYS);
  const backlog = opts.backlog === undefined ? DEFAULT_BACKLOG : validateBacklog(opts.backlog, 'options.backlog');
  return { ...planSocket(opts, family, true), backlog, listen: readBool(opts, 'listen') ?? true };
}

/** Validates `options` and plans a datagram server. SO_REUSEADDR is off by default: on UDP it lets two servers share a port silently. */
export function planDatagram(options: unknown, family: Family): SocketPlan {
  return planSocket(asRecord(options, DATAGRAM_KEYS), family, false);
}
