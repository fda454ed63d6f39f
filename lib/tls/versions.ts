// The one table of TLS versions: the tlsv1.x:// transport that pins each
// (as PHP's does) and PHP's STREAM_CRYPTO_METHOD_TLSv1_x_SERVER bit for it.
import type * as tls from 'node:tls';
import type { Transport } from '../net/url.js';

export interface TlsVersion {
  transport: Transport;
  version: tls.SecureVersion;
  /** STREAM_CRYPTO_METHOD_*_SERVER; the client method adds bit 0. */
  cryptoBit: number;
}

export const TLS_VERSIONS: readonly TlsVersion[] = [
  { transport: 'tlsv1.0', version: 'TLSv1', cryptoBit: 8 },
  { transport: 'tlsv1.1', version: 'TLSv1.1', cryptoBit: 16 },
  { transport: 'tlsv1.2', version: 'TLSv1.2', cryptoBit: 32 },
  { transport: 'tlsv1.3', version: 'TLSv1.3', cryptoBit: 64 },
];

/** The version a tlsv1.x:// transport accepts exactly; undefined for ssl://, tls:// and the rest. */
export function pinnedVersion(transport: Transport): TlsVersion | undefined {
  return TLS_VERSIONS.find((v) => v.transport === transport);
}
