// Openers: socket() -> options -> bind() -> listen(), on one endpoint, and
// the core's openServer() that picks the endpoint from a URL. The PHP facade
// uses openStreamSocket() with its own parsing and option rules.
import { isIP } from 'node:net';
import { constants } from 'node:os';
import { call, SocketError } from './errors.js';
import { describeEndpoint } from './endpoint.js';
import { C, native, type NativeEndpoint, type NativeHandle, type NativeInetEndpoint } from './native.js';
import { planServer, type ServerOptions, type SockOptPlan } from './options.js';
import { StreamServer } from './server.js';
import { parseServerUrl } from './url.js';

const { errno } = constants;

/** What to do between socket() and accept(). */
export interface SocketPlan {
  /** Applied in order between socket() and bind(). */
  beforeBind: SockOptPlan[];
  listen: boolean;
  /** Any C int: the facade passes PHP's coerced values through. */
  backlog: number;
}

function sockopt(handle: NativeHandle, opt: SockOptPlan, where: { address: string; port: number | undefined }): void {
  const level = C[opt.level];
  const name = C[opt.name];
  try {
    if (level === undefined || name === undefined) {
      throw new SocketError({ errno: errno.ENOPROTOOPT, code: 'ENOPROTOOPT', syscall: 'setsockopt', reason: `${opt.name} is not available on ${process.platform}`, ...where });
    }
    call(() => native.setsockopt(handle, level, name, opt.value), where.address, where.port);
  } catch (error) {
    if (!opt.ignoreFailure) throw error;
  }
}

/** Opens one stream socket on `endpoint` per `plan`; closes it on any failure. */
export function openStreamSocket(endpoint: NativeEndpoint, plan: SocketPlan): StreamServer {
  const where = describeEndpoint(endpoint);
  const at = <T>(fn: () => T): T => call(fn, where.address, where.port);
  let handle: NativeHandle | undefined;
  try {
    handle = at(() => native.socket(endpoint.family, C.SOCK_STREAM, 0));
    for (const opt of plan.beforeBind) sockopt(handle, opt, where);
    at(() => native.bind(handle!, endpoint));
    if (plan.listen) at(() => native.listen(handle!, plan.backlog));
    return StreamServer.fromHandle(handle, plan.listen ? plan.backlog : undefined);
  } catch (error) {
    if (handle !== undefined) native.close(handle);
    throw error;
  }
}

function resolveHost(host: string): NativeInetEndpoint[] {
  // Numeric addresses never touch the resolver (AI_NUMERICHOST); names do,
  // synchronously, because opening a server is synchronous (as in PHP).
  const numeric = isIP(host.split('%')[0]!) !== 0;
  return call(() => native.getaddrinfo(host, C.AF_UNSPEC, C.SOCK_STREAM, numeric), host);
}

/**
 * Opens, binds and (unless `listen: false`) listens, synchronously.
 * Throws SocketError for system failures, TypeError/RangeError for bad arguments.
 */
export function openServer(url: string, options?: ServerOptions): StreamServer {
  const target = parseServerUrl(url);
  if (target.transport === 'unix') {
    const plan = planServer(options, 'unix');
    return openStreamSocket({ family: C.AF_UNIX, path: target.path }, plan);
  }
  planServer(options, 6); // validate options before any resolver or socket work
  const endpoints = resolveHost(target.host);
  let lastError: unknown = new SocketError({ errno: 0, code: 'EAI_NONAME', syscall: 'getaddrinfo', reason: 'no IPv4 or IPv6 address', address: target.host });
  // As PHP does: try each resolved address in order; the first bind wins.
  for (const endpoint of endpoints) {
    try {
      return openStreamSocket({ ...endpoint, port: target.port }, planServer(options, endpoint.family === C.AF_INET6 ? 6 : 4));
    } catch (error) {
      if (!(error instanceof SocketError)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}
