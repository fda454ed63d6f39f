// A TLS server's settings checked and its secure context built before any
// socket is opened or adopted, so a bad certificate fails the open, not the
// first client; then the TlsServer over the listener that was opened.
import { argumentError } from '../binding/errors.js';
import type { TlsOptions } from '../options/types.js';
import type { StreamServer } from '../stream/server.js';
import { validateTlsOptions } from './tls-options.js';
import { secureContextOf, TlsServer } from './tls-server.js';
import { pinnedVersion } from './versions.js';
import type { Transport } from '../net/url.js';

/** Checks `tlsOptions` and builds the context now; the result wraps a listener in TLS. `transport` (tlsv1.2…) may pin the version. */
export function prepareTls(transport: string, tlsOptions: unknown): (stream: StreamServer) => TlsServer {
  if (tlsOptions === undefined || typeof tlsOptions !== 'object' || tlsOptions === null) {
    throw argumentError('type', 'ERR_INVALID_ARG_VALUE', `${transport}:// needs options.tls with at least cert and key`);
  }
  validateTlsOptions(tlsOptions); // the user's own values, before the URL pins a version over them
  const pinned = pinnedVersion(transport as Transport)?.version; // tlsv1.x:// accepts exactly that version, as in PHP
  const settings = (pinned ? { ...tlsOptions, minVersion: pinned, maxVersion: pinned } : tlsOptions) as TlsOptions;
  const built = secureContextOf(settings);
  return (stream) => new TlsServer(stream, settings, built);
}

/** `open()` wrapped in TLS per `tlsOptions`, all checked before `open()` runs. */
export function openTls(transport: string, tlsOptions: unknown, open: () => StreamServer): TlsServer {
  return prepareTls(transport, tlsOptions)(open());
}
