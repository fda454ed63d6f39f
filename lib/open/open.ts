// Openers: socket() -> options -> bind() [-> listen()], on one endpoint, and
// the core's openServer() that picks the endpoint from a URL, or takes a
// listener that exists already (fd://, systemd://, handover://: inherit.ts and
// its neighbours). The PHP facade calls openStreamSocket()/openDatagramSocket()
// with its own parsing and rules.
import { isIP } from 'node:net';
import type { AcceptErrorPolicy } from '../options/types.js';
import { DatagramServer } from '../dgram/datagram.js';
import { argumentError, socketErrorOf, SocketError, unavailableError, withAddress } from '../binding/errors.js';
import type { TlsServer, TlsOptions } from '../tls/tls-server.js';
import { openTls } from '../tls/prepare.js';
import { adoptFd, type InheritedOptions } from './inherit.js';
import { openSystemd } from './systemd.js';
import { takeHandover } from './handover-take.js';
import { describeEndpoint, isUnixEndpoint } from '../net/address.js';
import { C, native, type NativeEndpoint, type NativeHandle, type NativeInetEndpoint } from '../binding/native.js';
import {
  planDatagram,
  planServer,
  type DatagramOptions,
  type ServerOptions as SocketServerOptions,
  type SockOptPlan,
  type SocketPlan,
} from '../options/options.js';
import type { OptionPhase } from '../options/sockopts.js';
import { StreamServer } from '../stream/server.js';
import { bindUnixFile, type BoundFile } from '../socket/unix-file.js';
import { parseServerUrl } from '../net/url.js';
import { planGate, type GateOptions } from '../proxy/gate.js';

/** A stream server's options: the socket's and accepting's (options/options.ts), and the accept gate's (proxy/gate.ts). */
export interface ServerOptions extends SocketServerOptions, GateOptions {}
import { resolveHost } from '../socket/syscalls.js';

/** A stream server's plan: the socket's, plus listen(). `file` may be absent (the PHP facade: plain bind, never unlink). */
export interface StreamPlan {
  beforeBind: SockOptPlan[];
  file?: SocketPlan['file'];
  cpuSteering?: boolean;
  listen: boolean;
  /** Any C int: the facade passes PHP's coerced values through. */
  backlog: number;
  acceptErrors?: AcceptErrorPolicy;
  acceptPauseMs?: number;
  allowHalfOpen?: boolean;
  /** PROXY protocol and admission at accept (proxy/gate.ts), checked by planGate. */
  gate?: GateOptions | undefined;
}

/** One setsockopt; its failure (naming no address yet) is thrown unless the plan ignores it. */
function sockopt(handle: NativeHandle, opt: SockOptPlan): void {
  const level = C[opt.level];
  const name = C[opt.name];
  try {
    if (level === undefined || name === undefined) throw unavailableError('setsockopt', opt.name, {});
    const value = opt.value;
    if (typeof value === 'number') native.setsockopt(handle, level, name, value);
    else native.setsockoptBuffer(handle, level, name, value);
  } catch (error) {
    if (!opt.ignoreFailure) throw error;
  }
}

interface Bound {
  handle: NativeHandle;
  /** What to call the socket: the requested path for unix files (a staged bind reports another). */
  local: NativeEndpoint;
  file: BoundFile | undefined;
}

/** Applies the options of one phase. */
function applyPhase(handle: NativeHandle, plan: Pick<StreamPlan, 'beforeBind'>, phase: OptionPhase): void {
  for (const opt of plan.beforeBind) if ((opt.phase ?? 'beforeBind') === phase) sockopt(handle, opt);
}

/**
 * socket(), options, bind(), then `then(handle)`; the socket is closed on any
 * failure. Up to `then`, a SocketError names `endpoint` (the unix path asked
 * for, also when the bind was staged elsewhere).
 */
function openBound<T>(
  endpoint: NativeEndpoint,
  type: number,
  plan: Pick<StreamPlan, 'beforeBind' | 'file' | 'cpuSteering'>,
  then: (bound: Bound) => T,
): T {
  let handle: NativeHandle | undefined;
  let bound: Bound;
  try {
    handle = native.socket(endpoint.family, type, 0);
    applyPhase(handle, plan, 'beforeBind');
    const pathname = isUnixEndpoint(endpoint) && endpoint.path.length > 0 && endpoint.path[0] !== 0;
    let file: BoundFile | undefined;
    if (pathname && plan.file) {
      const path = (endpoint as { path: Buffer }).path;
      file = bindUnixFile(handle, path, plan.file);
      // The handle removes the file whenever it closes: close(), GC, worker or process teardown.
      if (plan.file.removeOnClose) native.unlinkOnClose(handle, path);
      else file = undefined;
    } else {
      native.bind(handle, endpoint);
    }
    const local = pathname && plan.file ? endpoint : native.getsockname(handle);
    bound = { handle, local, file };
  } catch (error) {
    if (handle !== undefined) native.close(handle);
    throw withAddress(error, describeEndpoint(endpoint));
  }
  try {
    return then(bound);
  } catch (error) {
    native.close(bound.handle);
    throw error;
  }
}

/** Opens one stream socket on `endpoint` per `plan`. */
export function openStreamSocket(endpoint: NativeEndpoint, plan: StreamPlan): StreamServer {
  return openBound(endpoint, C.SOCK_STREAM, plan, ({ handle, local, file }) => {
    try {
      applyPhase(handle, plan, 'beforeListen');
      if (plan.listen) native.listen(handle, plan.backlog);
      // A TCP socket joins its SO_REUSEPORT group at listen(): a program
      // attached before would give it a group of its own, and every listener
      // after the first would fail with EADDRINUSE.
      if (plan.cpuSteering && plan.listen) native.attachReuseportCpu(handle);
      // Linux keeps these for a socket that listens later, too.
      applyPhase(handle, plan, 'afterListen');
    } catch (error) {
      throw withAddress(error, describeEndpoint(local));
    }
    return StreamServer.fromHandle(handle, plan.listen ? plan.backlog : undefined, {
      local,
      file,
      acceptErrors: plan.acceptErrors,
      acceptPauseMs: plan.acceptPauseMs,
      allowHalfOpen: plan.allowHalfOpen,
      gate: plan.gate,
    });
  });
}

/** Opens one datagram socket on `endpoint` per `plan`; `afterBind` may still fail the open (the facade's listen). */
/** `listenBacklog`: call listen() after bind (the PHP facade does, and fails as PHP does: EOPNOTSUPP). */
export function openDatagramSocket(
  endpoint: NativeEndpoint,
  plan: Pick<StreamPlan, 'beforeBind' | 'file' | 'cpuSteering'>,
  listenBacklog?: number,
): DatagramServer {
  return openBound(endpoint, C.SOCK_DGRAM, plan, ({ handle, local }) => {
    if (listenBacklog !== undefined) native.listen(handle, listenBacklog);
    return DatagramServer.fromHandle(handle, local);
  });
}

function resolve(host: string, socktype: number): NativeInetEndpoint[] {
  // Numeric addresses never touch the resolver (AI_NUMERICHOST).
  return resolveHost(host, C.AF_UNSPEC, socktype, isIP(host.split('%')[0]!) !== 0);
}

/**
 * Resolve-and-try, as PHP does it: each address in order, the first that
 * opens wins; otherwise the last SocketError (or `none()` when there was no
 * address). `retry` says whether a failure moves on to the next address.
 */
export function firstThatOpens<E, T>(
  addresses: readonly E[],
  open: (address: E) => T,
  none: () => Error,
  retry: (error: SocketError) => boolean = () => true,
): T {
  let lastError: SocketError | undefined;
  for (const address of addresses) {
    try {
      return open(address);
    } catch (error) {
      if (!(error instanceof SocketError)) throw error;
      lastError = error;
      if (!retry(error)) break;
    }
  }
  throw lastError ?? none();
}

function firstThatBinds<T>(host: string, socktype: number, open: (endpoint: NativeInetEndpoint) => T): T {
  const none = () => socketErrorOf('EAI_NONAME', 'getaddrinfo', 'no IPv4 or IPv6 address', { address: host });
  return firstThatOpens(resolve(host, socktype), open, none);
}

/** SO_RXQ_OVFL: each receive then reports the socket's drop count (Linux), so loss is counted, not hidden. */
const COUNT_DROPS: SockOptPlan = { option: 'countDrops', level: 'SOL_SOCKET', name: 'SO_RXQ_OVFL', value: 1, ignoreFailure: true };

/** The URLs of listeners that exist already (open/inherit.ts). */
type InheritedUrl = `fd://${string}` | `systemd://${string}` | `handover://${string}`;

/**
 * Opens a server, synchronously: tcp:// and unix:// give a listening
 * StreamServer, udp:// and udg:// a bound DatagramServer, ssl:// and tls:// a
 * TlsServer. fd://N, systemd://[NAME] and handover:///path take a listener
 * that exists already (inherited, socket-activated, or from a running process):
 * a StreamServer or DatagramServer as the socket is, a TlsServer with options.tls.
 * Throws SocketError for system failures, TypeError/RangeError for bad arguments.
 */
export function openServer(url: InheritedUrl, options: InheritedOptions & { tls: TlsOptions }): TlsServer;
export function openServer(url: InheritedUrl, options?: InheritedOptions): StreamServer | DatagramServer;
export function openServer(url: `udp://${string}` | `udg://${string}`, options?: DatagramOptions): DatagramServer;
export function openServer(
  url: `${'ssl' | 'tls' | 'tlsv1.0' | 'tlsv1.1' | 'tlsv1.2' | 'tlsv1.3'}://${string}`,
  options: ServerOptions & { tls: TlsOptions },
): TlsServer;
export function openServer(url: string, options?: ServerOptions): StreamServer;
export function openServer(
  url: string,
  options?: ServerOptions | DatagramOptions | InheritedOptions,
): StreamServer | DatagramServer | TlsServer {
  const target = parseServerUrl(url);
  if ((options as ServerOptions | undefined)?.tls !== undefined && ['tcp', 'unix', 'udp', 'udg'].includes(target.transport)) {
    throw argumentError('type', 'ERR_INVALID_ARG_VALUE', `options.tls applies to ssl:// and tls:// servers, not ${target.transport}://`);
  }
  switch (target.transport) {
    case 'fd':
      return adoptFd(target.fd, options as InheritedOptions, url);
    case 'systemd':
      return openSystemd(target.name, options as InheritedOptions, url);
    case 'handover':
      return takeHandover(target.path, options as InheritedOptions, url);
    case 'unix':
      return openStreamSocket({ family: C.AF_UNIX, path: target.path }, { ...planServer(options, 'unix'), gate: planGate(options) });
    case 'udg':
      return openDatagramSocket({ family: C.AF_UNIX, path: target.path }, planDatagram(options, 'unix'));
    case 'udp': {
      planDatagram(options, 6); // validate before any resolver or socket work
      return firstThatBinds(target.host, C.SOCK_DGRAM, (ep) => {
        const plan = planDatagram(options, ep.family === C.AF_INET6 ? 6 : 4);
        return openDatagramSocket({ ...ep, port: target.port }, { ...plan, beforeBind: [...plan.beforeBind, COUNT_DROPS] });
      });
    }
    case 'tcp': {
      planServer(options, 6);
      const gate = planGate(options);
      return firstThatBinds(target.host, C.SOCK_STREAM, (ep) =>
        openStreamSocket({ ...ep, port: target.port }, { ...planServer(options, ep.family === C.AF_INET6 ? 6 : 4), gate }),
      );
    }
    default: {
      // ssl://, tls://, tlsv1.x://: the context is built (and a bad certificate reported) before any socket exists.
      const { tls, ...tcpOptions } = (options ?? {}) as ServerOptions;
      return openTls(target.transport, tls, () => openServer(`tcp://${url.slice(url.indexOf('://') + 3)}`, tcpOptions));
    }
  }
}
