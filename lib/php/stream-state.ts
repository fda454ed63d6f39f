// What a PHP stream resource holds besides its socket, for the connections
// stream_socket_accept() hands out: the context it inherited from its
// server, its read timeout, and the TLS layer once crypto is on; and, for
// every stream, whether fclose() has made it an invalid resource.
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import type { Transport } from '../net/url.js';
import type { StreamContext } from './stream-context.js';
import { ini_get } from './diagnostics.js';

export interface ConnectionState {
  /** The accepted socket itself (plain text): it owns the fd. */
  raw: net.Socket;
  transport: Transport;
  context: StreamContext;
  /** The TLS socket carrying the stream's bytes once crypto is enabled (for ssl:// servers: from the start). */
  secure: tls.TLSSocket | null;
  /** stream_set_timeout() in seconds (inherited from the server stream); null: ini default_socket_timeout. */
  readTimeout: number | null;
  /** A stream_socket_enable_crypto() handshake is running. */
  handshaking: boolean;
  /** stream_get_meta_data()['crypto'], read once the handshake is done: PHP reports it until fclose(). */
  crypto: Record<string, string | number> | null;
  /** The last error Node reported on the socket (EPIPE, ECONNRESET…): PHP would have warned, not crashed. */
  error: NodeJS.ErrnoException | null;
  /** A read has reported `error` (PHP's fread() answers false once, then ""). */
  errorRead: boolean;
  /** stream_set_blocking(): reads and writes wait (true) or take what is there now. */
  blocking: boolean;
  /** stream_get_meta_data()['eof']: a read or feof() has met the end of the stream. */
  eofSeen: boolean;
  /** stream_get_meta_data()['timed_out']: the last read ran out of its read timeout. */
  timedOut: boolean;
  /** Bytes the PHP functions have read so far: ftell(), which stream_get_contents()'s offset is measured from. */
  position: number;
  /** Bytes at the head of Node's read buffer that PHP would hold in its own (stream-read.ts). */
  buffered: number;
}

const states = new WeakMap<net.Socket, ConnectionState>();

export function registerConnection(conn: net.Socket, state: ConnectionState): ConnectionState {
  states.set(conn, state);
  if (state.secure !== null) states.set(state.secure, state);
  return state;
}

/** The state of an accepted connection (or of its TLS socket); null for sockets the facade did not hand out. */
export function connectionState(conn: net.Socket): ConnectionState | null {
  return states.get(conn) ?? null;
}

/** The socket that carries the stream's plain-text bytes: the TLS socket once crypto is on. */
export function activeSocket(conn: net.Socket): net.Socket {
  return states.get(conn)?.secure ?? conn;
}

/** Streams fclose() has closed: every stream function then throws PHP's TypeError. */
const closedStreams = new WeakSet<object>();

export function markClosed(stream: object): void {
  closedStreams.add(stream);
}

export function isClosed(stream: object): boolean {
  return closedStreams.has(stream);
}

/** PHP's TypeError for a resource used after fclose(). */
export function requireOpen(fn: string, stream: object): void {
  if (closedStreams.has(stream)) throw new TypeError(`${fn}(): supplied resource is not a valid stream resource`);
}

export const TLS_CAPABLE: ReadonlySet<Transport> = new Set(['tcp', 'ssl', 'tls', 'tlsv1.0', 'tlsv1.1', 'tlsv1.2', 'tlsv1.3']);

/** PHP's stream_type for a socket of this transport (OpenSSL provides PHP's tcp transport). */
export function streamType(transport: Transport): string {
  if (TLS_CAPABLE.has(transport)) return 'tcp_socket/ssl';
  return `${transport}_socket`;
}

/** PHP's timeout in seconds as ms for timers: null → ini default_socket_timeout; negative or absurdly large → undefined (forever). */
export function timeoutMs(seconds: number | null | undefined): number | undefined {
  const value = seconds ?? Number(ini_get('default_socket_timeout'));
  if (value < 0) return undefined;
  const ms = Math.floor(value * 1000);
  return ms > 2 ** 31 - 1 ? undefined : ms;
}

/** A handshake's deadline from the stream's read timeout: none when it is 0 or negative (PHP waits then). */
export function handshakeMs(seconds: number | null): number | undefined {
  const value = seconds ?? Number(ini_get('default_socket_timeout'));
  return value > 0 ? timeoutMs(value) : undefined;
}
