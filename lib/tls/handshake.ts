// The one handshake-with-deadline: waits for a TLS socket's handshake to
// complete, fail, or run out of time. TlsServer, startTls() and the PHP
// facade all stand on it; what a failure means (a counter, a rejection,
// PHP's warning) is theirs to decide.
import { constants } from 'node:os';
import type tls from 'node:tls';
import { SocketError } from '../binding/errors.js';

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

/**
 * Resolves once `secure` completed its handshake ('secure' on a server
 * socket, 'secureConnect' on a client one); rejects with the socket's error,
 * a HandshakeClosed, or a HandshakeTimeout after `timeoutMs` (undefined: no
 * deadline). It destroys nothing: the caller decides how the socket ends
 * (a failed socket keeps a no-op 'error' listener until then). `onFailure`
 * runs in the failure's own event, before node:tls closes anything: the
 * place to reset the connection instead of closing it.
 */
export function handshake(
  secure: tls.TLSSocket,
  options: { timeoutMs: number | undefined; client?: boolean; onFailure?: (error: Error) => void },
): Promise<void> {
  const completed = options.client === true ? 'secureConnect' : 'secure';
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const settle = (error: Error | null) => {
      clearTimeout(timer);
      secure.off('error', onError).off('close', onClosed).off('end', onClosed).off(completed, onSecure);
      if (error === null) return resolve();
      secure.on('error', () => {});
      options.onFailure?.(error);
      reject(error);
    };
    const onError = (error: Error) => settle(error);
    // A half-open socket outlives the peer's FIN ('end'); before the handshake is done, that FIN ends it.
    const onClosed = () => settle(new HandshakeClosed());
    const onSecure = () => settle(null);
    if (options.timeoutMs !== undefined) timer = setTimeout(() => settle(new HandshakeTimeout()), options.timeoutMs);
    secure.on('error', onError).once('close', onClosed).once('end', onClosed).once(completed, onSecure);
  });
}
