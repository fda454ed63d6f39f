// The rest of PHP's stream_socket_* family, on server streams and on the
// net.Sockets that stream_socket_accept() hands out: names, shutdown,
// metadata, timeouts, and fclose().
import { requireStreamType } from './stream-args.js';
import { shutdownSocket, socketName } from '../socket/syscalls.js';
import { TRANSPORTS } from '../net/url.js';
import { closeConnection } from './connection.js';
import { recordSocketError } from './diagnostics.js';
import { phpName, proxiedPeerName, targetOf, type PhpStream } from './endpoints.js';
import { PhpServerStream } from './server.js';
import { activeSocket, connectionState, markClosed, requireOpen, streamType } from './stream-state.js';
import { phpTruthy, ValueError } from './values.js';

export { ValueError };
export type { PhpStream };

export function stream_get_transports(): string[] {
  return [...TRANSPORTS];
}

export function stream_socket_get_name(stream: PhpStream, remote: boolean): string | false {
  requireStreamType('stream_socket_get_name', stream, 'socket');
  requireOpen('stream_socket_get_name', stream);
  const fd = targetOf(stream);
  if (fd === null) return false;
  const proxied = remote && !(stream instanceof PhpServerStream) ? proxiedPeerName(stream) : undefined;
  if (proxied !== undefined) return proxied;
  try {
    return phpName(socketName(fd, remote));
  } catch {
    return false; // e.g. ENOTCONN: a listener has no peer
  }
}

export function stream_socket_shutdown(stream: PhpStream, mode: number): boolean {
  requireStreamType('stream_socket_shutdown', stream, 'stream');
  requireOpen('stream_socket_shutdown', stream);
  if (mode !== 0 && mode !== 1 && mode !== 2) {
    throw new ValueError(
      'stream_socket_shutdown(): Argument #2 ($mode) must be one of STREAM_SHUT_RD, STREAM_SHUT_WR, or STREAM_SHUT_RDWR',
    );
  }
  const fd = targetOf(stream);
  if (fd === null) return false;
  try {
    shutdownSocket(fd, mode);
    return true;
  } catch (error) {
    recordSocketError(error);
    return false;
  }
}

/** PHP's stream_get_meta_data() for a socket stream, with the `crypto` block once TLS is on (until fclose(), as in PHP). */
export function stream_get_meta_data(stream: PhpStream): Record<string, unknown> {
  requireStreamType('stream_get_meta_data', stream, 'stream');
  requireOpen('stream_get_meta_data', stream);
  if (stream instanceof PhpServerStream) {
    return {
      timed_out: stream.timedOut,
      blocked: stream.blocking,
      eof: false,
      stream_type: streamType(stream.transport),
      mode: 'r+',
      unread_bytes: stream.pending.length,
      seekable: false,
    };
  }
  const state = connectionState(stream);
  const meta: Record<string, unknown> = {
    timed_out: state?.timedOut ?? false,
    blocked: state?.blocking ?? true,
    eof: state?.eofSeen ?? activeSocket(stream).readableEnded,
    stream_type: streamType(state?.transport ?? 'tcp'),
    mode: 'r+',
    unread_bytes: activeSocket(stream).readableLength,
    seekable: false,
  };
  if (state?.crypto) meta.crypto = { ...state.crypto };
  return meta;
}

/**
 * PHP's stream_set_timeout(): the read timeout of a stream. On a server
 * stream it bounds the TLS handshake of each accept; on a connection, its
 * STARTTLS handshake.
 */
export function stream_set_timeout(stream: PhpStream, seconds: number, microseconds = 0): boolean {
  requireStreamType('stream_set_timeout', stream, 'stream');
  requireOpen('stream_set_timeout', stream);
  if (!Number.isInteger(seconds) || !Number.isInteger(microseconds))
    throw new TypeError('stream_set_timeout(): Arguments #2 and #3 must be of type int');
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
  requireStreamType('stream_set_blocking', stream, 'stream');
  requireOpen('stream_set_blocking', stream);
  // A server stream's flag makes datagram reads return at once (PHP's accept
  // ignores it); a connection's makes fread() & co. and fwrite() take what
  // is there now instead of waiting.
  const on = phpTruthy(enable);
  if (stream instanceof PhpServerStream) stream.blocking = on;
  else {
    const state = connectionState(stream);
    if (state !== null) state.blocking = on;
  }
  return true;
}

/**
 * fclose(): the stream is an invalid resource from now on. A server stream
 * closes its socket (the unix socket file stays, as in PHP); a connection
 * ends and closes once what was written reached the kernel (connection.ts).
 */
export function fclose(stream: PhpStream): boolean {
  requireStreamType('fclose', stream, 'stream');
  requireOpen('fclose', stream);
  if (stream instanceof PhpServerStream) {
    markClosed(stream);
    stream.close();
  } else closeConnection(stream);
  return true;
}
