// STARTTLS on a connection that began in plain text: the same handshake,
// deadline and errors as a TlsServer's, for one socket.
import type * as net from 'node:net';
import * as tls from 'node:tls';
import type { TlsOptions } from '../options/types.js';
import { secureContextOf } from './context.js';
import { handshake, HandshakeClosed } from './handshake.js';

/**
 * STARTTLS: upgrades an accepted plain connection (e.g. after SMTP's
 * "STARTTLS" line) and resolves once the handshake completed; rejects on a
 * failed or timed-out handshake (the socket is then destroyed).
 */
export function startTls(socket: net.Socket, options: TlsOptions): Promise<tls.TLSSocket> {
  let built: ReturnType<typeof secureContextOf>;
  try {
    built = secureContextOf(options);
  } catch (error) {
    return Promise.reject(error); // the caller's socket stays as it was
  }
  const { context, limits } = built;
  // A socket that is gone can never shake hands: say so now, not at the deadline.
  if (socket.destroyed) return Promise.reject(new HandshakeClosed());
  const certs = options.clientCertificates ?? 'none';
  const secure = new tls.TLSSocket(socket, {
    isServer: true,
    secureContext: context,
    requestCert: certs !== 'none',
    rejectUnauthorized: certs === 'required',
    ALPNProtocols: options.alpnProtocols,
  });
  return handshake(secure, { timeoutMs: limits.handshakeTimeout, raw: socket }).then(
    () => secure,
    (error: unknown) => {
      secure.destroy();
      throw error;
    },
  );
}
