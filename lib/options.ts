// Node-style server options -> one validated plan: the backlog, whether to
// listen, and the ordered socket options to set before bind. Pure.
import { argumentError } from './errors.js';

export interface ServerOptions {
  /** listen(2) backlog, 0..2**31-1; default 511 as in node:net. 0 means 0. The kernel clamps it to net.core.somaxconn. */
  backlog?: number;
  /** SO_REUSEADDR before bind; default true, as PHP and libuv do for servers. */
  reuseAddr?: boolean;
  /** SO_REUSEPORT before bind: several listeners share one port. */
  reusePort?: boolean;
  /** IPV6_V6ONLY before bind (IPv6 sockets only; ignored for IPv4). */
  ipv6Only?: boolean;
  /** false: bind only, call listen() later. Default true. */
  listen?: boolean;
}

export const DEFAULT_BACKLOG = 511;
export const MAX_BACKLOG = 2 ** 31 - 1;

/** A socket option by name; the number comes from the platform's constants. */
export interface SockOptPlan {
  option: string;
  level: 'SOL_SOCKET' | 'IPPROTO_IPV6';
  name: 'SO_REUSEADDR' | 'SO_REUSEPORT' | 'IPV6_V6ONLY' | 'SO_BROADCAST';
  value: number;
  /** PHP sets some options blindly and ignores the failure (IPV6_V6ONLY on IPv4). */
  ignoreFailure?: boolean;
}

export interface ServerPlan {
  backlog: number;
  listen: boolean;
  /** Applied in order, between socket() and bind(). */
  beforeBind: SockOptPlan[];
}

const KNOWN = new Set<string>(['backlog', 'reuseAddr', 'reusePort', 'ipv6Only', 'listen']);

export function validateBacklog(backlog: unknown, what = 'backlog'): number {
  if (typeof backlog !== 'number') {
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', `${what} must be a number, got ${typeof backlog}`);
  }
  if (!Number.isInteger(backlog) || backlog < 0 || backlog > MAX_BACKLOG) {
    throw argumentError('range', 'ERR_OUT_OF_RANGE', `${what} must be an integer in 0..${MAX_BACKLOG}, got ${backlog}`);
  }
  return backlog;
}

function readBool(options: Record<string, unknown>, key: keyof ServerOptions, fallback: boolean): boolean {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', `options.${key} must be a boolean, got ${typeof value}`);
  }
  return value;
}

/** Validates `options` and plans the socket for an endpoint of `family`. */
export function planServer(options: unknown, family: 4 | 6 | 'unix'): ServerPlan {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', 'options must be an object');
  }
  const opts = options as Record<string, unknown>;
  for (const key of Object.keys(opts)) {
    if (!KNOWN.has(key)) {
      throw argumentError('type', 'ERR_INVALID_ARG_VALUE', `Unknown option "${key}" (known: ${[...KNOWN].join(', ')})`);
    }
  }
  const backlog = opts.backlog === undefined ? DEFAULT_BACKLOG : validateBacklog(opts.backlog, 'options.backlog');
  const listen = readBool(opts, 'listen', true);
  if (family === 'unix') {
    // Address reuse and v6-only mean nothing for unix sockets; say so rather than ignore them.
    for (const key of ['reuseAddr', 'reusePort', 'ipv6Only'] as const) {
      if (opts[key] !== undefined) throw argumentError('type', 'ERR_INVALID_ARG_VALUE', `options.${key} does not apply to unix sockets`);
    }
    return { backlog, listen, beforeBind: [] };
  }
  const beforeBind: SockOptPlan[] = [
    { option: 'reuseAddr', level: 'SOL_SOCKET', name: 'SO_REUSEADDR', value: +readBool(opts, 'reuseAddr', true) },
  ];
  if (readBool(opts, 'reusePort', false)) {
    beforeBind.push({ option: 'reusePort', level: 'SOL_SOCKET', name: 'SO_REUSEPORT', value: 1 });
  }
  const ipv6Only = opts.ipv6Only === undefined ? undefined : readBool(opts, 'ipv6Only', false);
  if (ipv6Only !== undefined && family === 6) {
    beforeBind.push({ option: 'ipv6Only', level: 'IPPROTO_IPV6', name: 'IPV6_V6ONLY', value: +ipv6Only });
  }
  return { backlog, listen, beforeBind };
}
