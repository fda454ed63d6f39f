// An accepted connection as a PHP stream resource: how it starts, and how
// fclose() ends it. PHP's socket stream keeps its fd from accept to fclose:
// the peer's FIN ends only the reading side, errors are warnings, and
// fclose() hands every byte already written to the kernel before close().
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { connectionState, markClosed, registerConnection, type ConnectionState } from './stream-state.js';

type Described = Omit<
  ConnectionState,
  'raw' | 'crypto' | 'error' | 'errorRead' | 'blocking' | 'timedOut' | 'position' | 'buffered' | 'eofSeen'
>;

/**
 * Makes the stream resource of an accepted socket. `raw` came from the core
 * half-open and paused (nothing is read until asked, so STREAM_PEEK and
 * STREAM_OOB see the kernel's data); here it also becomes a socket that
 * flows as soon as a 'data' listener is attached, as node:net's do.
 */
export function adoptConnection(raw: net.Socket, described: Described): net.Socket {
  // pauseOnCreate also set flowing to false, which 'data' listeners respect; null reads on demand.
  (raw as { readableFlowing: boolean | null }).readableFlowing = null;
  const state = registerConnection(raw, {
    ...described,
    raw,
    crypto: null,
    error: null,
    errorRead: false,
    blocking: true,
    timedOut: false,
    position: 0,
    buffered: 0,
    eofSeen: false,
  });
  keepErrors(raw, state);
  if (described.secure !== null) secured(state, described.secure);
  return described.secure ?? raw;
}

/** The TLS layer is on (at accept, or by stream_socket_enable_crypto()). */
export function secured(state: ConnectionState, secure: tls.TLSSocket): void {
  registerConnection(secure, state);
  state.secure = secure;
  state.crypto = cryptoMeta(secure);
  keepErrors(secure, state);
}

/**
 * EPIPE or ECONNRESET is a warning in PHP, never the end of the program:
 * keep it for the next call. And once the program ended its side with
 * `end()` without reading, read on (dropping what nobody asked for), so the
 * peer's FIN is seen and the half-open socket closes instead of holding its
 * fd forever.
 */
function keepErrors(socket: net.Socket, state: ConnectionState): void {
  socket.on('error', (error: NodeJS.ErrnoException) => {
    state.error = error;
  });
  socket.once('finish', () => {
    if (socket.listenerCount('data') === 0 && socket.listenerCount('readable') === 0) socket.resume();
  });
}

/**
 * fclose() of a connection: the resource is gone for the program at once;
 * the socket ends (TLS: close_notify) and its fd is closed once everything
 * written before has reached the kernel, which then delivers it as PHP's
 * close() would.
 */
export function closeConnection(conn: net.Socket): void {
  const state = connectionState(conn);
  markClosed(conn);
  if (state === null) return endThenRelease(conn);
  markClosed(state.raw);
  if (state.secure !== null) markClosed(state.secure);
  endThenRelease(state.secure ?? state.raw);
}

/** Ends the writing side after what is queued, then closes the fd (half-open sockets would keep it). */
export function endThenRelease(socket: net.Socket): void {
  if (socket.destroyed) return;
  socket.on('error', () => {}); // nobody holds the resource any more: a late EPIPE only ends it
  if (socket.writableFinished) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  if (!socket.writableEnded) socket.end();
}

/** stream_get_meta_data()['crypto'] of an established TLS socket. */
function cryptoMeta(secure: tls.TLSSocket): Record<string, string | number> {
  const cipher = secure.getCipher();
  const meta: Record<string, string | number> = {
    protocol: secure.getProtocol() ?? '',
    cipher_name: cipher.name,
    cipher_bits: cipherBits(cipher.name),
    cipher_version: cipher.version,
  };
  if (typeof secure.alpnProtocol === 'string') meta.alpn_protocol = secure.alpnProtocol;
  return meta;
}

/** The symmetric key size a cipher suite's name states (OpenSSL's SSL_CIPHER_get_bits). */
function cipherBits(name: string): number {
  if (/CHACHA20|AES_?256|CAMELLIA_?256|ARIA_?256/.test(name)) return 256;
  if (/AES_?128|CAMELLIA_?128|ARIA_?128|SM4/.test(name)) return 128;
  if (/3DES|DES-CBC3/.test(name)) return 112; // OpenSSL counts 3DES's effective strength
  return 0;
}
