// Option types shared by the layers above (servers, TLS, the opener): a leaf
// that imports nothing of the library, so options/ never points upwards.
import type * as tls from 'node:tls';

/** What accept does on EMFILE/ENFILE/ENOBUFS/ENOMEM (see stream/acceptor.ts); openServer's default is 'pause'. */
export type AcceptErrorPolicy = 'propagate' | 'pause' | 'shed';

export interface TlsOptions {
  /** PEM certificate chain, leaf first (or an array of them). */
  cert: string | Buffer | Array<string | Buffer>;
  /** PEM private key (or an array, matching `cert`). */
  key: string | Buffer | Array<string | Buffer>;
  /** For an encrypted key. Never prompts: a missing or wrong one fails at open. */
  passphrase?: string;
  /** Trust anchors for client certificates. */
  ca?: string | Buffer | Array<string | Buffer>;
  ciphers?: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  honorCipherOrder?: boolean;
  /** Per-name certificates for SNI: { 'example.com': { cert, key } }. */
  sni?: Record<string, { cert: string | Buffer; key: string | Buffer; passphrase?: string }>;
  alpnProtocols?: string[];
  /** Client certificates: 'none' (default), 'optional' (asked for, verified if sent) or 'required'. */
  clientCertificates?: 'none' | 'optional' | 'required';
  /**
   * ms a client has to complete its handshake, 1..2**31-1 (default 10,000);
   * a TlsServer adds up to 10% at random, so that clients that came together
   * do not all time out in the same instant.
   * Also how long a connection whose handshake completed while no accept()
   * waited is kept for the next one; then it is closed (stats().unclaimed).
   */
  handshakeTimeout?: number;
  /**
   * Handshakes in flight at once, 1..2**31-1 (default 1024; each holds an fd
   * and about 70 KB of memory). At the cap, a new connection is not left in the
   * kernel's queue: a handshake in flight is closed to make room
   * (stats().evicted): the oldest whose client has not yet sent a whole
   * ClientHello (silent, slowloris, truncated), or if all have, the oldest.
   */
  maxPendingHandshakes?: number;
}
