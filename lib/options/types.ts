// Option types shared by the layers above (servers, TLS, the opener): a leaf
// that imports nothing of the library, so options/ never points upwards.
import type tls from 'node:tls';

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
  /** ms a client has to complete its handshake (default 10,000). */
  handshakeTimeout?: number;
  /** Handshakes in flight at once (default 64); beyond that, connections wait in the kernel's queue. */
  maxPendingHandshakes?: number;
}
