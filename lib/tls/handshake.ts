// The one handshake-with-deadline: waits for a TLS socket's handshake to
// complete, fail, or run out of time. TlsServer, startTls() and the PHP
// facade all stand on it; what a failure means (a counter, a rejection,
// PHP's warning) is theirs to decide.
import type * as net from 'node:net';
import { constants } from 'node:os';
import type * as tls from 'node:tls';
import { SocketError } from '../binding/errors.js';
import { errnoText } from '../socket/syscalls.js';

/** The handshake did not complete before its deadline: a SocketError ETIMEDOUT, syscall `handshake`. */
export class HandshakeTimeout extends SocketError {
  constructor() {
    super({ errno: constants.errno.ETIMEDOUT, code: 'ETIMEDOUT', syscall: 'handshake', reason: 'TLS handshake timed out' });
  }
}

/** The peer closed (or half-closed) before the handshake completed: a SocketError ECONNRESET, syscall `handshake`. */
export class HandshakeClosed extends SocketError {
  constructor() {
    super({
      errno: constants.errno.ECONNRESET,
      code: 'ECONNRESET',
      syscall: 'handshake',
      reason: 'the peer closed before the handshake completed',
    });
  }
}

/** A handshake closed to make room for a new connection at maxPendingHandshakes: a SocketError ECONNABORTED. */
export class HandshakeEvicted extends SocketError {
  constructor(max: number) {
    super({
      errno: constants.errno.ECONNABORTED,
      code: 'ECONNABORTED',
      syscall: 'handshake',
      reason: `evicted: ${max} were in flight (maxPendingHandshakes), and a new connection needed room`,
    });
  }
}

/** A system error of the socket under the handshake (node's `read ECONNRESET`: negative errno) as a SocketError. */
function asSocketError(error: Error): Error {
  const { errno, code, syscall } = error as Error & { errno?: unknown; code?: unknown; syscall?: unknown };
  if (error instanceof SocketError || typeof errno !== 'number' || typeof code !== 'string' || typeof syscall !== 'string') return error;
  return new SocketError({ errno: Math.abs(errno), code, syscall, reason: errnoText(Math.abs(errno)) });
}

/**
 * Resolves once `secure` completed its handshake ('secure' on a server
 * socket, 'secureConnect' on a client one); rejects with the socket's error,
 * a HandshakeClosed (also when the plain socket `raw` closes), or a
 * HandshakeTimeout after `timeoutMs` (undefined: no deadline). A system
 * error of the socket (node's `read ECONNRESET`) comes as a SocketError.
 * It destroys nothing: the caller decides how the socket ends (a failed
 * socket keeps a no-op 'error' listener until then). `onFailure`
 * runs in the failure's own event, before node:tls closes anything: the
 * place to reset the connection instead of closing it.
 */
export function handshake(
  secure: tls.TLSSocket,
  options: {
    timeoutMs: number | undefined;
    client?: boolean;
    onFailure?: (error: Error) => void;
    /** The plain socket under `secure`: node:tls does not always notice it being destroyed. */
    raw?: net.Socket;
  },
): Promise<void> {
  const completed = options.client === true ? 'secureConnect' : 'secure';
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const settle = (error: Error | null) => {
      clearTimeout(timer);
      secure.off('error', onError).off('close', onClosed).off('end', onClosed).off(completed, onSecure);
      options.raw?.off('close', onClosed);
      if (error === null) return resolve();
      secure.on('error', () => {});
      options.onFailure?.(error);
      reject(error);
    };
    const onError = (error: Error) => settle(asSocketError(error));
    // A half-open socket outlives the peer's FIN ('end'); before the handshake is done, that FIN ends it.
    const onClosed = () => settle(new HandshakeClosed());
    const onSecure = () => settle(null);
    if (options.timeoutMs !== undefined) timer = setTimeout(() => settle(new HandshakeTimeout()), options.timeoutMs);
    secure.on('error', onError).once('close', onClosed).once('end', onClosed).once(completed, onSecure);
    if (options.raw?.destroyed === true) return onClosed();
    options.raw?.once('close', onClosed);
  });
}
