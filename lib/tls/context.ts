// The secure contexts of a TLS server, built once at open from checked
// options: the default one and one per SNI name, all with a session id context.
import * as tls from 'node:tls';
import type { TlsOptions } from '../options/types.js';
import { validateTlsOptions, type TlsLimits } from './tls-options.js';

/**
 * The session id context every server context carries. OpenSSL resumes (and,
 * in some 3.5 builds, even issues a TLS 1.2 ticket) only when the server set
 * one while it asks for client certificates; node:tls's own Server sets one,
 * a bare TLSSocket on a secure context does not.
 */
export const SESSION_ID_CONTEXT = 'stream-socket-server';

/**
 * Checks the options and builds the secure context now, so a wrong option,
 * a bad certificate, key or passphrase fails at open, not at the first client.
 */
export function secureContextOf(options: TlsOptions): {
  context: tls.SecureContext;
  sni: Map<string, tls.SecureContext>;
  limits: TlsLimits;
} {
  const limits = validateTlsOptions(options);
  const make = (o: tls.SecureContextOptions, what: string): tls.SecureContext => {
    try {
      return tls.createSecureContext(o);
    } catch (error) {
      // A certificate, key or passphrase OpenSSL refuses is a wrong argument: a TypeError, OpenSSL's error as the cause.
      throw Object.assign(new TypeError(`TLS ${what}: ${(error as Error).message}`, { cause: error }), { code: 'ERR_TLS_CONTEXT' });
    }
  };
  const context = make(
    {
      cert: options.cert,
      key: options.key,
      passphrase: options.passphrase,
      ca: options.ca,
      ciphers: options.ciphers,
      minVersion: options.minVersion,
      maxVersion: options.maxVersion,
      honorCipherOrder: options.honorCipherOrder,
      sessionIdContext: SESSION_ID_CONTEXT,
    },
    'certificate/key',
  );
  const sni = new Map<string, tls.SecureContext>();
  for (const [name, c] of Object.entries(options.sni ?? {})) {
    sni.set(
      name.toLowerCase(),
      make(
        { ...c, ca: options.ca, minVersion: options.minVersion, maxVersion: options.maxVersion, sessionIdContext: SESSION_ID_CONTEXT },
        `SNI certificate for ${name}`,
      ),
    );
  }
  return { context, sni, limits };
}
