// stream_socket_server(): PHP's arguments and results around the core opener.
// All socket work is the core's; this file only decides what PHP would.
import { SocketError } from '../index.js';
import { constants as C, ipv6Available, resolveHost, type Endpoint } from '../socket/syscalls.js';
import type { DatagramServer } from '../dgram/datagram.js';
import { firstThatOpens, openDatagramSocket, openStreamSocket, type StreamPlan } from '../open/open.js';
import type { SockOptPlan } from '../options/options.js';
import { phpSocketOption } from '../options/sockopts.js';
import { planGate, type GateOptions } from '../proxy/gate.js';
import type { StreamServer } from '../stream/server.js';
import type { Transport } from '../net/url.js';
import { parsePhpAddress, phpTransport, PhpParseError, PHP_UNIX_PATH_MAX, type PhpTarget } from './address.js';
import { STREAM_SERVER_BIND, STREAM_SERVER_LISTEN } from './constants.js';
import { attachContext, StreamContext, stream_context_get_default } from './context.js';
import { phpWarning, recordSocketError } from './diagnostics.js';
import { TLS_CAPABLE } from './stream-state.js';
import { serverCryptoMethod } from './tls-setup.js';
import { phpInt, phpTruthy, phpType, toCInt } from './values.js';

/** A by-reference argument: PHP's `&$errno` is `ref(0)` here, read back as `.value`. */
export interface Ref<T> {
  value: T;
}

export function ref<T>(value: T): Ref<T> {
  return { value };
}

/** PHP_FILE_NO_DEFAULT_CONTEXT: without a context argument, do not use the default context. */
const NO_DEFAULT_CONTEXT = 16;
/** PHP's default listen() backlog when the context has none. */
export const PHP_DEFAULT_BACKLOG = 32;

/** What stream_socket_server() returns: PHP's server stream resource. */
export class PhpServerStream {
  blocking = true;
  /** What PHP's stream buffer holds of a datagram server's datagrams (datagram-read.ts). */
  pending: Buffer = Buffer.alloc(0);
  /** stream_get_meta_data()['timed_out'] of the last read. */
  timedOut = false;
  /** stream_set_timeout() in seconds; null: ini default_socket_timeout. Bounds TLS handshakes in accept. */
  readTimeout: number | null = null;
  /** For ssl:// and tls*:// servers, the STREAM_CRYPTO_METHOD_* set each accepted connection negotiates. */
  readonly cryptoMethod: number | null;
  /** stream_socket_enable_crypto() on the listener itself: what PHP remembers of the last attempt. */
  listenerCrypto: 'none' | 'refused' | 'timed out' = 'none';
  /** Aborted by fclose(): waits that only a socket could end (enable_crypto on a listener, accept without one) end with it. */
  readonly #closing = new AbortController();
  constructor(
    readonly transport: Transport,
    /** null when the flags had no STREAM_SERVER_BIND: PHP then makes no socket at all. */
    readonly server: StreamServer | DatagramServer | null,
    readonly context: StreamContext,
  ) {
    // PHP fixes the method when the server is made; the other ssl options are read at each accept.
    this.cryptoMethod = transport !== 'tcp' && TLS_CAPABLE.has(transport) ? serverCryptoMethod(transport, context) : null;
    attachContext(this, context);
  }

  /**
   * Waits `ms` (undefined: forever) unless fclose() comes first: resolves
   * true when it did. For waits PHP would block in with no socket to end them.
   */
  waitUnlessClosed(ms: number | undefined): Promise<boolean> {
    const signal = this.#closing.signal;
    if (signal.aborted) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onClose = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = ms === undefined ? undefined : setTimeout(() => (signal.removeEventListener('abort', onClose), resolve(false)), ms);
      signal.addEventListener('abort', onClose, { once: true });
    });
  }

  /** Aborted by fclose(). */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  /** fclose(): the unix socket file stays, as in PHP. */
  close(): void {
    this.server?.close();
    this.#closing.abort();
  }
}

/** A failure whose errstr is PHP's resolver text. */
class ResolveFailure extends Error {
  constructor(
    readonly errstr: string,
    readonly error: SocketError,
  ) {
    super(errstr);
  }
}

/**
 * Our extension (PHP has no such option, and ignores it): 'socket' =>
 * ['proxy_protocol' => ['trusted' => ['10.0.0.0/8'], 'timeout' => 5.0,
 * 'required' => true]], the core's proxyProtocol with PHP's seconds.
 */
function gateOf(context: StreamContext): GateOptions | undefined {
  const given = context.get('socket', 'proxy_protocol');
  if (given === undefined || given === null || given === false) return undefined;
  if (typeof given !== 'object')
    throw new TypeError(`stream_socket_server(): the socket context option proxy_protocol must be an array, ${phpType(given)} given`);
  const { trusted, timeout, required } = given as Record<string, unknown>;
  const seconds = timeout === undefined ? undefined : Number(timeout);
  const proxyProtocol = {
    trusted: Array.isArray(trusted) ? trusted : Object.values(trusted ?? {}),
    required: required === undefined ? undefined : phpTruthy(required),
    timeout: seconds === undefined ? undefined : Math.round(seconds * 1000),
  };
  return planGate({ proxyProtocol });
}

function backlogOf(context: StreamContext): number {
  return context.has('socket', 'backlog') ? toCInt(phpInt(context.get('socket', 'backlog'))) : PHP_DEFAULT_BACKLOG;
}

/** PHP's socket options for IP servers, in PHP's order (spec §4), from the core's option table by their PHP names. */
function inetOptions(context: StreamContext, transport: Transport): SockOptPlan[] {
  // PHP 8.2 sets SO_REUSEADDR on every IP server, whatever the context says.
  const opts: SockOptPlan[] = [{ ...phpSocketOption('so_reuseaddr'), value: 1 }];
  const v6only = context.get('socket', 'ipv6_v6only');
  if (v6only !== undefined && v6only !== null) {
    // Also tried on IPv4 sockets, where it fails; PHP ignores that.
    opts.push({ ...phpSocketOption('ipv6_v6only'), value: +phpTruthy(v6only), ignoreFailure: true });
  }
  if (phpTruthy(context.get('socket', 'so_reuseport'))) {
    opts.push({ ...phpSocketOption('so_reuseport'), value: 1, ignoreFailure: true });
  }
  if (transport === 'udp' && phpTruthy(context.get('socket', 'so_broadcast'))) {
    opts.push({ ...phpSocketOption('so_broadcast'), value: 1, ignoreFailure: true });
  }
  return opts;
}

/** PHP asks the resolver for IPv4 only if its one-time probe could not make an IPv6 socket. */
let ipv6Works: boolean | undefined;
function resolverFamily(): number {
  if (ipv6Works === undefined) {
    ipv6Works = ipv6Available(); // false also at EMFILE on the first call: PHP remembers that too
  }
  return ipv6Works ? C.AF_UNSPEC : C.AF_INET;
}

function resolve(host: string, transport: Transport) {
  const socktype = transport === 'udp' ? C.SOCK_DGRAM : C.SOCK_STREAM;
  try {
    return resolveHost(host, resolverFamily(), socktype);
  } catch (error) {
    if (!(error instanceof SocketError)) throw error;
    // PHP prints gai_strerror(), which for EAI_SYSTEM is only "System error".
    const text = error.code === 'EAI_SYSTEM' ? 'System error' : error.reason;
    const errstr = `php_network_getaddresses: getaddrinfo for ${host} failed: ${text}`;
    throw new ResolveFailure(errstr, error);
  }
}

type PhpSocket = StreamServer | DatagramServer;

/**
 * socket + options + bind, then listen() when the flags ask — also for
 * datagram transports, where listen() fails (EOPNOTSUPP) and so does the
 * call, as in PHP (a udg file it bound stays behind, as in PHP).
 */
function openOn(endpoint: Endpoint, transport: Transport, plan: StreamPlan): PhpSocket {
  if (transport === 'udp' || transport === 'udg') {
    return openDatagramSocket(endpoint, plan, plan.listen ? plan.backlog : undefined);
  }
  return openStreamSocket(endpoint, plan);
}

function openInet(target: Extract<PhpTarget, { kind: 'inet' }>, flags: number, context: StreamContext): PhpSocket {
  const addresses = resolve(target.host, target.transport);
  const plan: StreamPlan = {
    beforeBind: inetOptions(context, target.transport),
    listen: (flags & STREAM_SERVER_LISTEN) !== 0,
    backlog: backlogOf(context),
    gate: target.transport === 'udp' ? undefined : gateOf(context),
  };
  // PHP tries each resolved address until one binds (spec §2.2.6); a listen failure is not retried.
  return firstThatOpens(
    addresses,
    (address) => openOn({ ...address, port: target.port }, target.transport, plan),
    () => new PhpParseError(`php_network_getaddresses: getaddrinfo for ${target.host} failed: Name or service not known`),
    (error) => error.syscall !== 'listen',
  );
}

function openUnix(target: Extract<PhpTarget, { kind: 'unix' }>, flags: number, context: StreamContext): PhpSocket {
  const plan: StreamPlan = {
    beforeBind: [],
    listen: (flags & STREAM_SERVER_LISTEN) !== 0,
    backlog: backlogOf(context),
    gate: target.transport === 'udg' ? undefined : gateOf(context),
  };
  try {
    return openOn({ family: C.AF_UNIX, path: target.path }, target.transport, plan);
  } catch (error) {
    if (error instanceof SocketError && error.syscall === 'socket') {
      // PHP's own text (sic: "unixdatagram" has no space).
      const kind = target.transport === 'udg' ? 'unixdatagram' : 'unix';
      throw Object.assign(error, { phpText: `Failed to create ${kind} socket ${error.reason}` });
    }
    throw error;
  }
}

function open(address: string, flags: number, context: StreamContext): PhpServerStream {
  const { transport } = phpTransport(address);
  // Without the bind bit PHP creates no socket and parses nothing more.
  if ((flags & STREAM_SERVER_BIND) === 0) return new PhpServerStream(transport, null, context);
  const target = parsePhpAddress(address);
  if (target.kind === 'unix' && target.truncated) {
    phpWarning(
      'stream_socket_server',
      `socket path exceeded the maximum allowed length of ${PHP_UNIX_PATH_MAX} bytes and was truncated`,
      'Notice',
    );
  }
  const server = target.kind === 'inet' ? openInet(target, flags, context) : openUnix(target, flags, context);
  return new PhpServerStream(transport, server, context);
}

/**
 * PHP's stream_socket_server(): a server stream, or false with `errorCode` /
 * `errorMessage` filled and a warning emitted. Differences from PHP 8.2 (on
 * purpose): errorCode is the real errno of the failing syscall (PHP: always
 * 0), and where PHP's errstr is "" or "Success" for a system failure it is
 * the real strerror() text. lastSocketError() holds the full SocketError.
 */
export function stream_socket_server(
  address: string,
  errorCode?: Ref<number> | null,
  errorMessage?: Ref<string> | null,
  flags: number = STREAM_SERVER_BIND | STREAM_SERVER_LISTEN,
  context?: StreamContext | null,
): PhpServerStream | false {
  if (typeof address !== 'string') {
    throw new TypeError(`stream_socket_server(): Argument #1 ($address) must be of type string, ${phpType(address)} given`);
  }
  if (!Number.isInteger(flags)) {
    throw new TypeError(`stream_socket_server(): Argument #4 ($flags) must be of type int, ${phpType(flags)} given`);
  }
  if (context !== undefined && context !== null && !(context instanceof StreamContext)) {
    throw new TypeError('stream_socket_server(): Argument #5 ($context) must be a stream context (stream_context_create())');
  }
  if (errorCode) errorCode.value = 0;
  if (errorMessage) errorMessage.value = '';
  recordSocketError(null);
  const ctx = context ?? ((flags & NO_DEFAULT_CONTEXT) !== 0 ? new StreamContext() : stream_context_get_default());
  try {
    return open(address, flags, ctx);
  } catch (error) {
    const { errstr, socketError } = describe(error);
    if (errorCode) errorCode.value = socketError?.errno ?? 0;
    if (errorMessage) errorMessage.value = errstr;
    recordSocketError(socketError);
    if (error instanceof ResolveFailure) phpWarning('stream_socket_server', errstr);
    phpWarning('stream_socket_server', `Unable to connect to ${address.split('\0')[0]} (${errstr || 'Unknown error'})`);
    return false;
  }
}

function describe(error: unknown): { errstr: string; socketError: SocketError | null } {
  if (error instanceof ResolveFailure) return { errstr: error.errstr, socketError: error.error };
  if (error instanceof PhpParseError) return { errstr: error.message, socketError: null };
  if (error instanceof SocketError) {
    const phpText = (error as { phpText?: string }).phpText;
    return { errstr: phpText ?? error.reason, socketError: error };
  }
  throw error; // a bug, not a PHP outcome
}
