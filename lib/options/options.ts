// Node-style options -> one validated plan: the socket options to set before
// bind (in order), what to do with a unix socket file, and for stream
// servers the backlog and whether to listen. Pure.
import type { AcceptErrorPolicy, TlsOptions } from './types.js';
import { argumentError } from '../binding/errors.js';
import { optionAddress, SOCKET_OPTIONS, type OptionPhase, type OptionSpec } from './sockopts.js';

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
  /**
   * Unix socket files: remove a stale socket file in the way — one no socket is bound to, in any
   * state (a process that has bound but not yet listened counts as live). Linux only: the check
   * asks sock_diag by the file's device and inode and never connects; elsewhere the file is kept
   * and the open fails with EADDRINUSE. sock_diag sees only this network namespace: a socket bound
   * by a process in another one (e.g. a container sharing the directory) looks stale and its file
   * is removed — leave this off for directories shared across network namespaces. Default false.
   */
  removeStale?: boolean;
  /** SO_INCOMING_CPU. */
  incomingCpu?: number;
  /** IP_FREEBIND / IPV6_FREEBIND: bind to an address this host does not (yet) have. */
  freeBind?: boolean;
  /** IP_TRANSPARENT / IPV6_TRANSPARENT (needs CAP_NET_ADMIN). */
  transparent?: boolean;
  /** SO_BINDTODEVICE: only this interface (needs CAP_NET_RAW). */
  bindToDevice?: string;
}

/**
 * TCP-only options of stream servers; accepted sockets inherit them on Linux.
 * Units rule: each takes the unit of the kernel option it sets (seconds for
 * TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_DEFER_ACCEPT; ms for TCP_USER_TIMEOUT);
 * every other duration of the API is in ms.
 */
export interface TcpOptions {
  /** SO_KEEPALIVE. */
  keepAlive?: boolean;
  /** TCP_KEEPIDLE, in seconds (the kernel's unit). */
  keepAliveIdle?: number;
  /** TCP_KEEPINTVL, in seconds (the kernel's unit). */
  keepAliveInterval?: number;
  /** TCP_KEEPCNT: probes before the connection is dropped. */
  keepAliveCount?: number;
  /** TCP_NODELAY on the listener (Linux copies it to accepted sockets). */
  noDelay?: boolean;
  /** TCP_USER_TIMEOUT in ms. */
  userTimeout?: number;
  /** TCP_DEFER_ACCEPT in seconds: a connection reaches the queue only once it has data. */
  deferAccept?: number;
  /** TCP_FASTOPEN: the queue of pending fast-open requests. */
  fastOpen?: number;
  /** SO_ATTACH_REUSEPORT_CBPF: in a reusePort group, hand each connection to the listener whose index is the CPU that received it. */
  reusePortCpuSteering?: boolean;
}

export interface ServerOptions extends SocketOptions, TcpOptions {
  /** listen(2) backlog, 0..2**31-1; default 511 as in node:net. 0 means 0. The kernel clamps it to net.core.somaxconn. */
  backlog?: number;
  /** false: bind only, call listen() later. Default true. */
  listen?: boolean;
  /**
   * What accept() does on EMFILE/ENFILE/ENOBUFS/ENOMEM: 'pause' (default: waiters
   * keep waiting and accepting is retried, so a `for await` loop survives; one
   * AcceptWarning per episode), 'propagate' (the waiting accept() rejects) or 'shed'.
   */
  acceptErrors?: AcceptErrorPolicy;
  /** The back-off after such an error, in ms (default 100): no accept4 before it has passed, whatever the policy. */
  acceptPauseMs?: number;
  /**
   * Accepted sockets stay writable after the peer's FIN (half-close), as a
   * PHP stream or a C server does. Default false, as in node:net: the peer's
   * FIN ends the socket.
   */
  allowHalfOpen?: boolean;
  /** ssl://, tls://, tlsv1.x:// servers: certificate, key and TLS settings. */
  tls?: TlsOptions;
}

export interface DatagramOptions extends SocketOptions {
  /** SO_BROADCAST (udp). */
  broadcast?: boolean;
}

export const DEFAULT_BACKLOG = 511;
export const MAX_BACKLOG = 2 ** 31 - 1;

/** A socket option by constant name; the number comes from the platform's constants. */
export interface SockOptPlan {
  option: string;
  level: string;
  name: string;
  value: number | Buffer;
  /** Default beforeBind. */
  phase?: OptionPhase;
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
  /** Applied in order, each at its phase (default: between socket() and bind()). */
  beforeBind: SockOptPlan[];
  /** SO_ATTACH_REUSEPORT_CBPF after bind. */
  cpuSteering?: boolean;
  /** Unix pathname sockets only. */
  file: UnixFilePlan | undefined;
}

export interface ServerPlan extends SocketPlan {
  backlog: number;
  listen: boolean;
  acceptErrors: AcceptErrorPolicy;
  acceptPauseMs: number;
  allowHalfOpen: boolean;
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

/** `options` as a record whose keys are all `known` (TypeError otherwise); {} for undefined. */
export function asRecord(options: unknown, known: readonly string[]): Record<string, unknown> {
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

export function readBool(opts: Record<string, unknown>, key: string): boolean | undefined {
  const value = opts[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean')
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', `options.${key} must be a boolean, got ${typeof value}`);
  return value;
}

export function readInt(opts: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = opts[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number')
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', `options.${key} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw argumentError('range', 'ERR_OUT_OF_RANGE', `options.${key} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

const UNIX_ONLY = ['mode', 'removeStale'] as const;

/** The socket-level part shared by stream and datagram servers. */
function planSocket(opts: Record<string, unknown>, family: Family, transport: 'tcp' | 'udp', reuseAddrDefault: boolean): SocketPlan {
  const beforeBind: SockOptPlan[] = [];
  for (const [option, spec] of Object.entries(SOCKET_OPTIONS) as Array<[string, OptionSpec]>) {
    const applies = spec.applies === 'all' || (family !== 'unix' && (spec.applies === 'ip' || spec.applies === transport));
    let value: number | Buffer | undefined;
    if (spec.kind === 'bool') {
      const b = readBool(opts, option) ?? (option === 'reuseAddr' && family !== 'unix' ? reuseAddrDefault : undefined);
      if (b !== undefined && !applies) throw notHere(option, family, transport);
      // Off is the kernel's default for every boolean here: setting it is a no-op, except
      // IPV6_V6ONLY, whose default is the sysctl net.ipv6.bindv6only.
      if (b === true || (b === false && option === 'ipv6Only')) value = +b;
    } else if (spec.kind === 'int') {
      value = readInt(opts, option, spec.range![0], spec.range![1]);
    } else {
      const text = opts[option];
      if (text !== undefined && typeof text !== 'string')
        throw argumentError('type', 'ERR_INVALID_ARG_TYPE', `options.${option} must be a string`);
      if (text !== undefined) value = Buffer.from(`${text}\0`);
    }
    if (value === undefined) continue;
    if (!applies) throw notHere(option, family, transport);
    if (option === 'ipv6Only' && family !== 6) continue; // IPv4 sockets have no v6-only
    beforeBind.push({ option, ...optionAddress(spec, family === 6), value, phase: spec.phase });
  }
  const steering = readBool(opts, 'reusePortCpuSteering');
  if (steering !== undefined && (family === 'unix' || transport !== 'tcp')) throw notHere('reusePortCpuSteering', family, transport);
  if (family !== 'unix') {
    for (const key of UNIX_ONLY) if (opts[key] !== undefined) throw notHere(key, family, transport);
  }
  const file: UnixFilePlan | undefined =
    family === 'unix'
      ? { mode: readInt(opts, 'mode', 0, 0o777), removeStale: readBool(opts, 'removeStale') ?? false, removeOnClose: true }
      : undefined;
  return { beforeBind, file, cpuSteering: steering === true };
}

function notHere(option: string, family: Family, transport: 'tcp' | 'udp'): TypeError {
  const what = family === 'unix' ? 'unix sockets' : `${transport} sockets`;
  return argumentError('type', 'ERR_INVALID_ARG_VALUE', `options.${option} does not apply to ${what}`) as TypeError;
}

const SOCKET_KEYS = [...Object.keys(SOCKET_OPTIONS), 'mode', 'removeStale'];
/** The accept gate's options (proxyProtocol, maxConnectionsPerSource, admit) are checked by proxy/gate.ts's planGate. */
export const GATE_KEYS = ['proxyProtocol', 'maxConnectionsPerSource', 'admit'];
const STREAM_KEYS = [
  'backlog',
  'listen',
  'acceptErrors',
  'acceptPauseMs',
  'allowHalfOpen',
  'reusePortCpuSteering',
  'tls',
  ...GATE_KEYS,
  ...SOCKET_KEYS,
];
const DATAGRAM_KEYS = SOCKET_KEYS;

/** Validates `options` and plans a stream server for an endpoint of `family`. */
export function planServer(options: unknown, family: Family): ServerPlan {
  const opts = asRecord(options, STREAM_KEYS);
  const backlog = opts.backlog === undefined ? DEFAULT_BACKLOG : validateBacklog(opts.backlog, 'options.backlog');
  const listen = readBool(opts, 'listen') ?? true;
  const socket = planSocket(opts, family, 'tcp', true);
  // The program is attached at listen(), when a TCP socket joins its group: attached at bind, the
  // socket would get a group of its own, and it (or the others) would fail to listen (EADDRINUSE).
  if (socket.cpuSteering && !listen) {
    throw argumentError(
      'type',
      'ERR_INVALID_ARG_VALUE',
      'options.reusePortCpuSteering needs listen: true (the program is attached at listen())',
    );
  }
  return { ...socket, backlog, listen, ...planAccepting(opts) };
}

/** How accepted connections are taken and handed out: what applies to any stream listener, also one opened elsewhere. */
export function planAccepting(opts: Record<string, unknown>): Pick<ServerPlan, 'acceptErrors' | 'acceptPauseMs' | 'allowHalfOpen'> {
  const acceptErrors = opts.acceptErrors ?? 'pause';
  if (acceptErrors !== 'propagate' && acceptErrors !== 'pause' && acceptErrors !== 'shed') {
    throw argumentError(
      'type',
      'ERR_INVALID_ARG_VALUE',
      `options.acceptErrors must be 'propagate', 'pause' or 'shed', got ${JSON.stringify(acceptErrors)}`,
    );
  }
  return {
    acceptErrors,
    acceptPauseMs: readInt(opts, 'acceptPauseMs', 1, 60_000) ?? 100,
    allowHalfOpen: readBool(opts, 'allowHalfOpen') ?? false,
  };
}

/** Validates `options` and plans a datagram server. SO_REUSEADDR is off by default: on UDP it lets two servers share a port silently. */
export function planDatagram(options: unknown, family: Family): SocketPlan {
  return planSocket(asRecord(options, DATAGRAM_KEYS), family, 'udp', false);
}
