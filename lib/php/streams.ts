// The rest of PHP's stream_socket_* family, on server streams and on the
// net.Sockets that stream_socket_accept() hands out.
import type net from 'node:net';
import tls from 'node:tls';
import { DatagramServer } from '../datagram.js';
import { SocketError } from '../errors.js';
import { isUnixEndpoint } from '../endpoint.js';
import { C, native, type NativeEndpoint } from '../native.js';
import { TRANSPORTS } from '../url.js';
import { STREAM_OOB, STREAM_PEEK } from './constants.js';
import { closeTls, cryptoMeta } from './crypto.js';
import { phpWarning, recordSocketError } from './diagnostics.js';
import { secureAccepted } from './enable-crypto.js';
import { PhpServerStream, type Ref } from './server.js';
import { activeSocket, connectionState, handshakeMs, registerConnection, streamType, timeoutMs, TLS_CAPABLE } from './stream-state.js';
import { tlsSetup } from './tls-setup.js';
import { cAtoi, phpTruthy, ValueError } from './values.js';
import { isIP } from 'node:net';

export { ValueError };

export type PhpStream = PhpServerStream | net.Socket;

export function stream_get_transports(): string[] {
  return [...TRANSPORTS];
}

/** PHP's text for an endpoint: `1.2.3.4:80`, `[::1]:80`, a unix path; false for abstract/unnamed. */
function phpName(endpoint: NativeEndpoint): string | false {
  if (isUnixEndpoint(endpoint)) {
    if (endpoint.path.length === 0 || endpoint.path[0] === 0) return false;
    return endpoint.path.toString();
  }
  return endpoint.family === C.AF_INET6 ? `[${endpoint.address}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
}

/** The fd of a socket Node owns, or -1. */
function socketFd(socket: net.Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

function targetOf(stream: PhpStream): number | null {
  if (stream instanceof PhpServerStream) return stream.server === null || stream.server.closed ? null : stream.server.fd;
  const fd = socketFd(stream);
  return fd < 0 ? null : fd;
}

export function stream_socket_get_name(stream: PhpStream, remote: boolean): string | false {
  const fd = targetOf(stream);
  if (fd === null) return false;
  try {
    return phpName(remote ? native.getpeername(fd) : native.getsockname(fd));
  } catch {
    return false; // e.g. ENOTCONN: a listener has no peer
  }
}

function acceptFailed(text: string, error: SocketError | null): false {
  recordSocketError(error);
  phpWarning('stream_socket_accept', `Accept failed: ${text}`);
  return false;
}

/**
 * PHP's stream_socket_accept(): the next connection as a net.Socket (on
 * ssl:// and tls*:// servers a tls.TLSSocket, handshake done), or false
 * after PHP's warnings. `timeout` in seconds (null: ini
 * default_socket_timeout, negative: forever); `peerName` is written only on success.
 */
export async function stream_socket_accept(stream: PhpServerStream, timeout?: number | null, peerName?: Ref<string | false> | null): Promise<net.Socket | false> {
  if (!(stream instanceof PhpServerStream)) throw new TypeError('stream_socket_accept(): Argument #1 ($socket) must be a server stream');
  recordSocketError(null);
  const ms = timeoutMs(timeout);
  const server = stream.server;
  if (server === null) {
    // A stream without a socket can only time out (forever, with a negative timeout).
    await new Promise((resolve) => (ms === undefined ? undefined : setTimeout(resolve, ms)));
    return acceptFailed('Connection timed out', null);
  }
  if (server instanceof DatagramServer) return acceptOnDatagram(server, ms);
  let conn: net.Socket;
  try {
    // Paused: like a PHP stream, nothing is read until asked, so STREAM_OOB
    // and STREAM_PEEK see the kernel's data as PHP's recv() would.
    conn = await server.accept(ms === undefined ? { paused: true } : { timeout: ms, paused: true });
  } catch (error) {
    if (!(error instanceof SocketError)) throw error;
    // The core's own timeout and closed-server errors carry prose; PHP prints strerror().
    const text = error.code === 'ETIMEDOUT' ? 'Connection timed out' : error.code === 'EBADF' ? 'Bad file descriptor' : error.reason;
    return acceptFailed(text, error);
  }
  if (TLS_CAPABLE.has(stream.transport) && phpTruthy(stream.context.get('socket', 'tcp_nodelay'))) conn.setNoDelay(true);
  let secure: tls.TLSSocket | null = null;
  if (stream.cryptoMethod !== null) {
    // ssl:// and tls*://: the ssl options are read now, at each accept, as PHP does. The handshake
    // is bounded by the server stream's read timeout, not the accept timeout (as in PHP).
    secure = await secureAccepted(conn, stream.context, tlsSetup(stream.context, stream.cryptoMethod), handshakeMs(stream.readTimeout));
    if (secure === null) {
      phpWarning('stream_socket_accept', 'Failed to enable crypto');
      return acceptFailed('Success', null); // sic: PHP's text after a failed handshake
    }
  }
  const accepted = secure ?? conn;
  registerConnection(accepted, { transport: stream.transport, context: stream.context, secure, readTimeout: stream.readTimeout, handshaking: false });
  if (peerName) peerName.value = peerText(conn);
  return accepted;
}

/** PHP polls, then accept() fails: EOPNOTSUPP once a datagram is there, a timeout otherwise. */
async function acceptOnDatagram(server: DatagramServer, ms: number | undefined): Promise<false> {
  const pending = native.recvfrom(server.fd, 1, C.MSG_PEEK! | C.MSG_DONTWAIT! | C.MSG_TRUNC!) !== null;
  const ready = pending || (await server.waitReadable(ms === undefined ? undefined : AbortSignal.timeout(ms)).catch(() => false));
  return acceptFailed(ready ? 'Operation not supported' : 'Connection timed out', null);
}

/** The peer name PHP reports at accept: an unbound unix client gives "" (PHP: garbage bytes). */
function peerText(conn: net.Socket): string | false {
  const fd = socketFd(conn);
  try {
    return phpName(native.getpeername(fd)) || '';
  } catch {
    return '';
  }
}

export function stream_socket_shutdown(stream: PhpStream, mode: number): boolean {
  if (mode !== 0 && mode !== 1 && mode !== 2) {
    throw new ValueError('stream_socket_shutdown(): Argument #2 ($mode) must be one of STREAM_SHUT_RD, STREAM_SHUT_WR, or STREAM_SHUT_RDWR');
  }
  const fd = targetOf(stream);
  if (fd === null) return false;
  try {
    native.shutdown(fd, mode);
    return true;
  } catch (error) {
    recordSocketError(error as SocketError);
    return false;
  }
}

function sysFailure(fn: string, error: unknown): -1 {
  const reason = (error as { reason?: string }).reason ?? String(error);
  recordSocketError(error instanceof SocketError ? error : null);
  phpWarning(fn, `${reason}\n`); // sic: PHP's text ends with a newline
  return -1;
}

/**
 * PHP's stream_socket_sendto() on a stream: bytes sent, -1 on a system error
 * (with PHP's warning). Datagram targets arrive with the datagram issue.
 */
export function stream_socket_sendto(stream: PhpStream, data: string | Buffer, flags = 0, address = ''): number | false {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const fd = targetOf(stream);
  if (fd === null) return sysFailure('stream_socket_sendto', { reason: 'Bad file descriptor' });
  if (!(stream instanceof PhpServerStream) && activeSocket(stream) instanceof tls.TLSSocket) {
    // Encrypted: the bytes go through the TLS layer (PHP's sendto would bypass it; see the README).
    const secure = activeSocket(stream);
    if (!secure.writable) return sysFailure('stream_socket_sendto', { reason: 'Broken pipe' });
    secure.write(bytes);
    return bytes.length;
  }
  const sysFlags = flags & STREAM_OOB ? C.MSG_OOB! : 0;
  let target: NativeEndpoint | null = null;
  if (address !== '') {
    const parsed = parseSendtoTarget(address);
    if (parsed === null) {
      phpWarning('stream_socket_sendto', `Failed to parse \`${address}' into a valid network address`);
      return false;
    }
    target = parsed;
  }
  try {
    return native.sendto(fd, bytes, sysFlags, target);
  } catch (error) {
    return sysFailure('stream_socket_sendto', error);
  }
}

/**
 * PHP's sendto target: `[v6]:port` or `host:port` split at the first colon,
 * the port through atoi() into 16 bits; a numeric IPv6, then IPv4 address,
 * else the resolver's first answer. Unix paths are not targets (as in PHP).
 */
function parseSendtoTarget(target: string): NativeEndpoint | null {
  let host: string;
  let portText: string;
  if (target.startsWith('[')) {
    const close = target.indexOf(']');
    if (close < 0 || target[close + 1] !== ':') return null;
    host = target.slice(1, close);
    portText = target.slice(close + 2);
  } else {
    const colon = target.indexOf(':');
    if (colon < 0) return null;
    host = target.slice(0, colon);
    portText = target.slice(colon + 1);
  }
  const port = cAtoi(portText) & 0xffff;
  const version = isIP(host);
  if (version !== 0) return { family: version === 6 ? C.AF_INET6 : C.AF_INET, address: host, port };
  try {
    const [first] = native.getaddrinfo(host, C.AF_UNSPEC, C.SOCK_DGRAM, false);
    return first === undefined ? null : { ...first, port };
  } catch (error) {
    // PHP reports the resolver twice before its "Failed to parse".
    const text = `php_network_getaddresses: getaddrinfo for ${host} failed: ${(error as { reason?: string }).reason}`;
    phpWarning('stream_socket_sendto', text);
    phpWarning('stream_socket_sendto', `Failed to resolve \`${host}': ${text}`);
    return null;
  }
}

/**
 * PHP's stream_socket_recvfrom() on a stream socket: at most `length` bytes,
 * waiting for data like PHP's blocking recv(); "" at end of stream; false on
 * an error (silently, as PHP). STREAM_PEEK leaves the data to be read again;
 * STREAM_OOB reads TCP urgent data.
 */
export async function stream_socket_recvfrom(stream: PhpStream, length: number, flags = 0, address?: Ref<string | null> | null): Promise<Buffer | false> {
  if (!(length > 0)) throw new ValueError('stream_socket_recvfrom(): Argument #2 ($length) must be greater than 0');
  if (address) address.value = null;
  const fd = targetOf(stream);
  if (fd === null) return false;
  if (stream instanceof PhpServerStream) {
    // Listeners: ENOTCONN, silently. Datagram servers: one datagram.
    return stream.server instanceof DatagramServer ? recvDatagram(stream, stream.server, length, flags, address) : false;
  }
  try {
    if (flags & STREAM_OOB && !(activeSocket(stream) instanceof tls.TLSSocket)) {
      const got = native.recvfrom(fd, length, C.MSG_OOB! | C.MSG_DONTWAIT!);
      if (got === null) return false;
      if (address) address.value = '';
      return got.data;
    }
    const data = await readSome(activeSocket(stream), length, (flags & STREAM_PEEK) !== 0);
    if (address) address.value = '';
    return data;
  } catch (error) {
    recordSocketError(error instanceof SocketError ? error : null);
    return false;
  }
}

/** One datagram, up to `length` bytes (the rest is lost, as in PHP); waits unless the stream is non-blocking. */
async function recvDatagram(stream: PhpServerStream, server: DatagramServer, length: number, flags: number, address?: Ref<string | null> | null): Promise<Buffer | false> {
  try {
    const got = await server.recvfrom(length, { peek: (flags & STREAM_PEEK) !== 0, oob: (flags & STREAM_OOB) !== 0, ...(stream.blocking ? {} : { timeout: 0 }) });
    if (address) address.value = got.from === null ? '' : got.from.family === 'unix' ? got.from.path : got.from.family === 'IPv6' ? `[${got.from.address}]:${got.from.port}` : `${got.from.address}:${got.from.port}`;
    return got.data;
  } catch (error) {
    recordSocketError(error instanceof SocketError ? error : null);
    return false;
  }
}

/** One "recv": up to `length` bytes of what Node has buffered, waiting for some. */
function readSome(socket: net.Socket, length: number, peek: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const attempt = (): boolean => {
      if (socket.readableLength > 0) {
        const chunk = socket.read(Math.min(length, socket.readableLength)) as Buffer;
        if (peek) socket.unshift(chunk);
        resolve(chunk);
        return true;
      }
      if (socket.readableEnded || socket.destroyed) {
        resolve(Buffer.alloc(0));
        return true;
      }
      return false;
    };
    if (attempt()) return;
    const retry = (): void => {
      if (attempt()) cleanup();
    };
    const fail = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const cleanup = (): void => {
      socket.off('readable', retry).off('end', retry).off('close', retry).off('error', fail);
    };
    socket.on('readable', retry).on('end', retry).on('close', retry).on('error', fail);
  });
}

/** PHP's stream_get_meta_data() for a socket stream, with the `crypto` block once TLS is on. */
export function stream_get_meta_data(stream: PhpStream): Record<string, unknown> {
  if (stream instanceof PhpServerStream) {
    return { timed_out: false, blocked: stream.blocking, eof: false, stream_type: streamType(stream.transport), mode: 'r+', unread_bytes: 0, seekable: false };
  }
  const state = connectionState(stream);
  const socket = activeSocket(stream);
  const meta: Record<string, unknown> = {
    timed_out: false,
    blocked: true,
    eof: socket.readableEnded,
    stream_type: streamType(state?.transport ?? 'tcp'),
    mode: 'r+',
    unread_bytes: 0,
    seekable: false,
  };
  if (socket instanceof tls.TLSSocket && socket.encrypted && !socket.destroyed) meta.crypto = cryptoMeta(socket);
  return meta;
}

/**
 * PHP's stream_set_timeout(): the read timeout of a stream. On a server
 * stream it bounds the TLS handshake of each accept; on a connection, its
 * STARTTLS handshake.
 */
export function stream_set_timeout(stream: PhpStream, seconds: number, microseconds = 0): boolean {
  if (!Number.isInteger(seconds) || !Number.isInteger(microseconds)) throw new TypeError('stream_set_timeout(): Arguments #2 and #3 must be of type int');
  const value = seconds + microseconds / 1e6;
  if (stream instanceof PhpServerStream) stream.readTimeout = value;
  else {
    const state = connectionState(stream);
    if (state === null) return false;
    state.readTimeout = value;
  }
  return true;
}

export function stream_set_blocking(stream: PhpStream, enable: boolean): boolean {
  // Accept and recvfrom are asynchronous here either way; PHP's accept
  // ignores the flag too. Kept so that ported code runs unchanged.
  if (stream instanceof PhpServerStream) stream.blocking = enable;
  return true;
}

/** fclose(): closes a server stream (the unix socket file stays, as in PHP) or a connection (TLS: after its close_notify). */
export function fclose(stream: PhpStream): boolean {
  if (stream instanceof PhpServerStream) {
    stream.server?.close();
    return true;
  }
  const socket = activeSocket(stream);
  if (socket instanceof tls.TLSSocket && !socket.destroyed) closeTls(socket);
  else socket.destroy();
  return true;
}
