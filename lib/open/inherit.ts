// Listeners this process did not open: an fd inherited (fd://, systemd://)
// or received (handover://) becomes the server its kind calls for, once it is
// known to be a socket we can serve. Only what makes sense after the fact
// applies: the backlog (listen() again), the accept policy, TLS.
import { argumentError, socketErrorOf, withAddress, type Where } from '../binding/errors.js';
import { C, native, type NativeEndpoint, type NativeHandle } from '../binding/native.js';
import { DatagramServer } from '../dgram/datagram.js';
import { describeEndpoint, isUnixEndpoint } from '../net/address.js';
import { planGate, type GateOptions } from '../proxy/gate.js';
import {
  asRecord,
  DEFAULT_BACKLOG,
  GATE_KEYS,
  planAccepting,
  readBool,
  readInt,
  validateBacklog,
  type ServerPlan,
} from '../options/options.js';
import { acceptQueueOf } from '../stream/observe.js';
import type { TlsOptions } from '../options/types.js';
import { StreamServer } from '../stream/server.js';
import { prepareTls } from '../tls/prepare.js';
import { readUids } from '../lifecycle/handover-wire.js';
import { handleOf, setOrigin, type Origin } from '../socket/bound-socket.js';
import { socketFileAt } from '../socket/unix-file.js';
import type { TlsServer } from '../tls/tls-server.js';

/** The options of fd://, systemd:// and handover:// servers (a stream listener's accept gate included). */
export interface InheritedOptions extends GateOptions {
  /** listen(2) again with this backlog (also starts a bound-only stream socket listening). Default: keep the kernel's. */
  backlog?: number;
  /** A bound stream socket that does not listen yet: true listens (with `backlog`, default 511). Default false: it stays bound only. */
  listen?: boolean;
  acceptErrors?: ServerPlan['acceptErrors'];
  acceptPauseMs?: number;
  allowHalfOpen?: boolean;
  /** Serve TLS on the inherited listener (a stream socket): this process's own certificate and settings. */
  tls?: TlsOptions;
  /** handover:// only: how long to wait for the running process (ms, default 10000), and whose offer to trust (default: our effective uid). */
  handover?: { timeout?: number; allowUids?: number[] };
}

export interface InheritedPlan extends Pick<ServerPlan, 'acceptErrors' | 'acceptPauseMs' | 'allowHalfOpen'> {
  backlog: number | undefined;
  listen: boolean | undefined;
  tls: TlsOptions | undefined;
  handover: { timeout: number; allowUids: number[] };
  gate: GateOptions | undefined;
}

const KEYS = ['backlog', 'listen', 'acceptErrors', 'acceptPauseMs', 'allowHalfOpen', 'tls', 'handover', ...GATE_KEYS];

/** Validates the options; a socket option (reusePort, mode…) is a TypeError: the socket was made elsewhere, with its own. */
export function planInherited(options: unknown, url: string): InheritedPlan {
  let opts: Record<string, unknown>;
  try {
    opts = asRecord(options, KEYS);
  } catch (error) {
    if (!(error instanceof TypeError) || options === null || typeof options !== 'object') throw error;
    const key = Object.keys(options).find((k) => !KEYS.includes(k));
    throw argumentError(
      'type',
      'ERR_INVALID_ARG_VALUE',
      `options.${key} does not apply to ${url}: the socket was created and bound by another process, with its own options (these apply: ${KEYS.join(', ')})`,
    );
  }
  const handover = asRecord(opts.handover, ['timeout', 'allowUids']);
  const allowUids = readUids(handover.allowUids, 'options.handover.allowUids');
  return {
    backlog: opts.backlog === undefined ? undefined : validateBacklog(opts.backlog, 'options.backlog'),
    listen: readBool(opts, 'listen'),
    ...planAccepting(opts),
    tls: opts.tls as TlsOptions | undefined,
    handover: { timeout: readInt(handover, 'timeout', 1, 60_000) ?? 10_000, allowUids },
    gate: planGate(opts),
  };
}

/** What the socket is, read from the kernel. */
export interface SocketKind {
  type: 'stream' | 'datagram';
  local: NativeEndpoint;
  listening: boolean;
}

/** Checks that `handle` is a bound stream or datagram socket of a family we serve (SocketError otherwise). */
export function inspectSocket(handle: NativeHandle, where: Where): SocketKind {
  try {
    const type = native.getsockopt(handle, C.SOL_SOCKET, C.SO_TYPE!);
    if (type !== C.SOCK_STREAM && type !== C.SOCK_DGRAM) {
      throw socketErrorOf('EPROTOTYPE', 'getsockopt', `socket type ${type}: only stream and datagram sockets can serve`, where);
    }
    const family = C.SO_DOMAIN === undefined ? undefined : native.getsockopt(handle, C.SOL_SOCKET, C.SO_DOMAIN);
    if (family !== undefined && family !== C.AF_INET && family !== C.AF_INET6 && family !== C.AF_UNIX) {
      throw socketErrorOf('EAFNOSUPPORT', 'getsockopt', `address family ${family}: only IPv4, IPv6 and unix sockets can serve`, where);
    }
    const local = native.getsockname(handle);
    const listening = type === C.SOCK_STREAM && native.getsockopt(handle, C.SOL_SOCKET, C.SO_ACCEPTCONN!) !== 0;
    if (type === C.SOCK_STREAM && !listening && isConnected(handle)) {
      throw socketErrorOf('EISCONN', 'getpeername', 'a connected socket, not a listener', where);
    }
    const unbound = isUnixEndpoint(local) ? local.path.length === 0 : (local as { port: number }).port === 0 && !listening;
    if (unbound) throw socketErrorOf('EDESTADDRREQ', 'getsockname', 'the socket is not bound to an address', where);
    return { type: type === C.SOCK_STREAM ? 'stream' : 'datagram', local, listening };
  } catch (error) {
    throw withAddress(error, where);
  }
}

function isConnected(handle: NativeHandle): boolean {
  try {
    native.getpeername(handle);
    return true;
  } catch {
    return false;
  }
}

/** What a handover says of the listener beside the fd (see handover-wire.ts). */
export interface Described {
  /** What server.origin will say. */
  origin: Origin;
  /** The backlog the previous owner asked for. */
  backlog?: number | undefined;
  /** The unix socket file the previous owner created: removed when this one closes it. */
  file?: string | undefined;
}

type Make = (handle: NativeHandle) => StreamServer | DatagramServer | TlsServer;

/**
 * Checks the options against the socket and the TLS settings (a bad
 * certificate throws here); the result makes the server around a handle
 * (closing the handle if that fails).
 */
function maker(kind: SocketKind, plan: InheritedPlan, url: string, described: Described, lenient = false): Make {
  if (kind.type === 'datagram' && lenient) plan = { ...plan, backlog: undefined, listen: undefined, tls: undefined, gate: undefined };
  if (kind.type === 'datagram') {
    for (const key of ['backlog', 'listen', 'tls'] as const) {
      if (plan[key] !== undefined)
        throw argumentError('type', 'ERR_INVALID_ARG_VALUE', `options.${key} does not apply to ${url}: it is a datagram socket`);
    }
    // proxyProtocol, maxConnectionsPerSource, admit: a datagram socket accepts no connections to judge.
    const gated = plan.gate && Object.keys(plan.gate)[0];
    if (gated) throw argumentError('type', 'ERR_INVALID_ARG_VALUE', `options.${gated} does not apply to ${url}: it is a datagram socket`);
  }
  const wrap = plan.tls === undefined ? undefined : prepareTls('tls', plan.tls);
  return (handle) => {
    try {
      const server = kind.type === 'datagram' ? DatagramServer.fromHandle(handle, kind.local) : serveStream(handle, kind, plan, described);
      setOrigin(server, described.origin);
      return wrap !== undefined && server instanceof StreamServer ? wrap(server) : server;
    } catch (error) {
      native.close(handle);
      throw error;
    }
  };
}

/** The server for a socket that is ours already (received in a handover): `handle` is closed on any failure. */
export function serveInherited(
  handle: NativeHandle,
  plan: InheritedPlan,
  url: string,
  described: Described,
): StreamServer | DatagramServer | TlsServer {
  let make: Make;
  try {
    make = maker(inspectSocket(handle, { address: url }), plan, url, described);
  } catch (error) {
    native.close(handle);
    throw error;
  }
  return make(handle);
}

/**
 * openServer('fd://N') and each systemd socket: fd N is looked at through a
 * borrowed handle first, so an fd that does not fit (a connected socket,
 * options that do not apply, a bad certificate) is left open and untouched.
 * The result adopts it (EBUSY if a thread of this process serves it already)
 * and makes its server. `lenient`: options that only fit stream sockets are
 * left out for a datagram one instead of refused (systemdListeners()).
 */
export function probeInherited(
  fd: number,
  plan: InheritedPlan,
  url: string,
  origin: Origin,
  lenient = false,
): () => StreamServer | DatagramServer | TlsServer {
  let make: Make;
  try {
    const probe = native.borrow(fd); // EBADF, ENOTSOCK
    try {
      make = maker(inspectSocket(probe, { address: url }), plan, url, { origin }, lenient);
    } finally {
      native.close(probe); // a borrowed handle lets go without closing
    }
  } catch (error) {
    throw withAddress(error, { address: url });
  }
  return () => {
    let handle: NativeHandle;
    try {
      handle = native.adopt(fd);
    } catch (error) {
      throw withAddress(error, { address: url });
    }
    return make(handle);
  };
}

function serveStream(handle: NativeHandle, kind: SocketKind, plan: InheritedPlan, described: Described): StreamServer {
  const listen = plan.backlog !== undefined ? plan.listen !== false : plan.listen === true && !kind.listening;
  try {
    if (listen) native.listen(handle, plan.backlog ?? DEFAULT_BACKLOG);
    const listening = kind.listening || listen;
    // A listener whose backlog nobody told us: the one the kernel applies.
    const backlog = listen ? (plan.backlog ?? DEFAULT_BACKLOG) : (described.backlog ?? acceptQueueOf(handle, kind.local).limit);
    return StreamServer.fromHandle(handle, listening ? backlog : undefined, {
      local: kind.local,
      file: described.file === undefined ? undefined : socketFileAt(described.file),
      acceptErrors: plan.acceptErrors,
      acceptPauseMs: plan.acceptPauseMs,
      allowHalfOpen: plan.allowHalfOpen,
      gate: plan.gate,
    });
  } catch (error) {
    throw withAddress(error, describeEndpoint(kind.local));
  }
}

/** openServer('fd://N'): adopts inherited fd N, once it is known to be a socket we can serve. */
export function adoptFd(fd: number, options: InheritedOptions | undefined, url: string): StreamServer | DatagramServer | TlsServer {
  return probeInherited(fd, planInherited(options, url), url, { via: 'fd', fd })();
}

/**
 * After a handover is committed: the unix socket file the previous owner
 * created is ours to remove when we close (and to pass on at the next
 * handover). Not before: until then it may still be the previous owner's.
 */
export function takeFileDuty(server: StreamServer | DatagramServer | TlsServer, path: string): void {
  const stream = server instanceof StreamServer ? server : server instanceof DatagramServer ? undefined : server.tcp;
  if (stream === undefined || socketFileAt(path) === undefined) return;
  try {
    native.unlinkOnClose(handleOf(stream), Buffer.from(path));
  } catch {
    // removed meanwhile: nothing to remove later
  }
}
