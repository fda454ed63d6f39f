// stream_socket_accept(): the next connection of a server stream, as PHP 8.2
// hands it out (plain, or TLS with the handshake done), or false after PHP's
// warnings.
import { requireStreamType } from './stream-args.js';
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { DatagramServer } from '../dgram/datagram.js';
import { SocketError } from '../index.js';
import { constants as C, receiveOnce, socketName } from '../socket/syscalls.js';
import { adoptConnection } from './connection.js';
import { phpWarning, recordSocketError } from './diagnostics.js';
import { secureAccepted } from './enable-crypto.js';
import { phpName, proxiedPeerName } from './endpoints.js';
import { PhpServerStream, type Ref } from './server.js';
import { handshakeMs, requireOpen, timeoutMs, TLS_CAPABLE } from './stream-state.js';
import { tlsSetup } from './tls-setup.js';
import { phpTruthy } from './values.js';

function acceptFailed(text: string, error: SocketError | null): false {
  recordSocketError(error);
  phpWarning('stream_socket_accept', `Accept failed: ${text}`);
  return false;
}

/** `&$peer_name` must be a reference: PHP refuses anything else before the call runs, so nothing is accepted. */
function checkPeerName(peerName: unknown): void {
  if (peerName === undefined || peerName === null) return;
  if (typeof peerName !== 'object' || !Object.hasOwn(peerName, 'value')) {
    throw new TypeError('stream_socket_accept(): Argument #3 ($peer_name) could not be passed by reference');
  }
}

/**
 * PHP's stream_socket_accept(): the next connection as a net.Socket (on
 * ssl:// and tls*:// servers a tls.TLSSocket, handshake done), or false
 * after PHP's warnings. `timeout` in seconds (null: ini
 * default_socket_timeout, negative: forever); `peerName` is written only on
 * success. The connection is half-open (PHP can write after the peer's FIN)
 * and reads nothing until asked; see connection.ts.
 */
export async function stream_socket_accept(
  stream: PhpServerStream,
  timeout?: number | null,
  peerName?: Ref<string | false> | null,
): Promise<net.Socket | false> {
  requireStreamType('stream_socket_accept', stream, 'socket');
  requireOpen('stream_socket_accept', stream);
  if (!(stream instanceof PhpServerStream)) throw new TypeError('stream_socket_accept(): Argument #1 ($socket) must be a server stream');
  checkPeerName(peerName);
  recordSocketError(null);
  const ms = timeoutMs(timeout);
  const server = stream.server;
  if (server === null) {
    // A stream without a socket can only time out (forever, with a negative timeout, or until fclose()).
    await stream.waitUnlessClosed(ms);
    return acceptFailed('Connection timed out', null);
  }
  if (server instanceof DatagramServer) return acceptOnDatagram(server, ms);
  let conn: net.Socket;
  try {
    // Paused: like a PHP stream, nothing is read until asked, so STREAM_OOB
    // and STREAM_PEEK see the kernel's data as PHP's recv() would.
    conn = await server.accept({ ...(ms === undefined ? {} : { timeout: ms }), paused: true, allowHalfOpen: true });
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
  const accepted = adoptConnection(conn, {
    transport: stream.transport,
    context: stream.context,
    secure,
    readTimeout: stream.readTimeout,
    handshaking: false,
  });
  if (peerName) peerName.value = peerText(conn);
  return accepted;
}

/** PHP polls, then accept() fails: EOPNOTSUPP once a datagram is there, a timeout otherwise. */
async function acceptOnDatagram(server: DatagramServer, ms: number | undefined): Promise<false> {
  const pending = receiveOnce(server, 1, C.MSG_PEEK! | C.MSG_DONTWAIT! | C.MSG_TRUNC!) !== null;
  const ready = pending || (await server.waitReadable(ms === undefined ? undefined : AbortSignal.timeout(ms)).catch(() => false));
  return acceptFailed(ready ? 'Operation not supported' : 'Connection timed out', null);
}

/** The peer name PHP reports at accept: an unbound unix client gives "" (PHP: garbage bytes). */
function peerText(conn: net.Socket): string | false {
  const proxied = proxiedPeerName(conn);
  if (proxied !== undefined) return proxied;
  try {
    return phpName(socketName(conn, true)) || '';
  } catch {
    return '';
  }
}
