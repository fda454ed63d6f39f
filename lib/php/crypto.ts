// The facade's TLS handshake: PHP's outcome and warnings, but asynchronous —
// a handshake never blocks the event loop, and its deadline is the stream's
// read timeout (default_socket_timeout or stream_set_timeout), as in PHP.
import { createHash, type X509Certificate } from 'node:crypto';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { errnoText } from '../socket/syscalls.js';
import { phpWarning } from './diagnostics.js';
import { peerNameMismatch } from './host-names.js';
import type { PeerPolicy, TlsSetup } from './tls-setup.js';
import { endThenRelease } from './connection.js';
import { handshake, HandshakeClosed, HandshakeTimeout } from '../tls/handshake.js';

const NO_SHARED_CIPHER =
  'SSL_R_NO_SHARED_CIPHER: no suitable shared cipher could be used.  This could be because the server is missing an SSL certificate (local_cert context option)';
/** What OpenSSL reports when its verify callback refuses a certificate (PHP's server does so inside the handshake). */
const CERT_VERIFY_FAILED =
  'SSL operation failed with code 1. OpenSSL Error messages:\nerror:0A000086:SSL routines::certificate verify failed';

interface OpenSslError extends Error {
  code?: string;
  library?: string;
  reason?: string;
  syscall?: string;
  errno?: number;
}

/**
 * Failures on the first record's header (the client does not speak TLS).
 * PHP's OpenSSL has read only those 5 bytes, so its close finds unread data
 * and the kernel answers with a reset; Node has read everything, so the
 * facade resets on purpose to give the client the same ending.
 */
const NOT_TLS = new Set([
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_HTTPS_PROXY_REQUEST',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
]);

/** PHP's warning for a failed handshake step, or none (the peer closed first). */
function failureText(error: OpenSslError, hasCertificate: boolean): string | null {
  // Without a certificate PHP's OpenSSL finds no cipher, Node's no signature algorithm: PHP explains both the same way.
  if (error.code === 'ERR_SSL_NO_SHARED_CIPHER' || (!hasCertificate && error.code === 'ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM'))
    return NO_SHARED_CIPHER;
  const packed = /error:([0-9A-F]{8}):/.exec(error.message);
  if (packed !== null && error.library !== undefined && error.reason !== undefined) {
    // OpenSSL 3's ERR_error_string_n() form, as PHP prints it: no function name.
    return `SSL operation failed with code 1. OpenSSL Error messages:\nerror:${packed[1]}:${error.library}::${error.reason}`;
  }
  if (error.syscall !== undefined && typeof error.errno === 'number' && error.errno !== 0)
    return `SSL: ${errnoText(Math.abs(error.errno))}`;
  return null;
}

/** The verification error OpenSSL recorded for the peer's certificate, e.g. DEPTH_ZERO_SELF_SIGNED_CERT; null when it verified. */
function verifyErrorOf(secure: tls.TLSSocket): string | null {
  const handle = (secure as unknown as { _handle?: { verifyError?: () => { code?: string } | null } })._handle;
  if (typeof handle?.verifyError === 'function') return handle.verifyError()?.code ?? null;
  return secure.authorized ? null : String(secure.authorizationError ?? 'UNABLE_TO_VERIFY');
}

/** peer_fingerprint: a hex md5/sha1 string, or { algorithm: hex } pairs that must all match. */
function fingerprintMatches(cert: X509Certificate, expected: unknown): boolean {
  const digest = (algorithm: string) => createHash(algorithm).update(cert.raw).digest('hex');
  if (typeof expected === 'string') {
    const algorithm = expected.length === 32 ? 'md5' : expected.length === 40 ? 'sha1' : null;
    return algorithm !== null && digest(algorithm) === expected.toLowerCase();
  }
  if (expected !== null && typeof expected === 'object') {
    const pairs = Object.entries(expected as Record<string, unknown>);
    return (
      pairs.length > 0 &&
      pairs.every(([algorithm, hex]) => {
        try {
          return digest(algorithm) === String(hex).toLowerCase();
        } catch {
          return false;
        }
      })
    );
  }
  return false;
}

interface PeerCertificate {
  /** Linked through issuerCertificate to the other certificates the peer sent. */
  cert: X509Certificate;
  /** How deep the verified chain goes: 0 for a self-signed certificate, 1 for one a trusted root issued, … */
  depth: number;
}

const peerCertificates = new WeakMap<tls.TLSSocket, PeerCertificate | undefined>();

/**
 * The peer's certificate and its chain's depth, read once. node:tls's
 * getPeerX509Certificate() links the other certificates the peer sent only
 * on its first call, and the legacy getPeerCertificate(true) no longer sees
 * them after it; so the legacy form (which also adds the trust anchors that
 * complete the chain) is read first, for the depth. The differential cases
 * on verify_depth and capture_peer_cert_chain fail if a Node changes that.
 */
export function peerCertificate(secure: tls.TLSSocket): PeerCertificate | undefined {
  if (!peerCertificates.has(secure)) {
    let depth = 0;
    // A root links to itself.
    for (
      let c = secure.getPeerCertificate(true);
      c.issuerCertificate !== undefined && c.issuerCertificate !== c && depth < 100;
      c = c.issuerCertificate
    )
      depth++;
    const cert = secure.getPeerX509Certificate();
    peerCertificates.set(secure, cert === undefined ? undefined : { cert, depth });
  }
  return peerCertificates.get(secure);
}

/**
 * The check PHP's verify callback makes inside the handshake: a certificate
 * that was asked for (verify_peer not off) and fails verification, or whose
 * chain is deeper than verify_depth allows, is refused. A warning, or null.
 */
function verifyRefusal(secure: tls.TLSSocket, setup: Extract<TlsSetup, { ok: true }>): string | null {
  const peer = peerCertificate(secure);
  if (setup.options.requestCert !== true || peer === undefined) return null;
  const code = verifyErrorOf(secure);
  if (code !== null && !(code === 'DEPTH_ZERO_SELF_SIGNED_CERT' && setup.peer.allowSelfSigned)) return CERT_VERIFY_FAILED;
  return peer.depth > setup.peer.verifyDepth ? CERT_VERIFY_FAILED : null;
}

/** PHP's peer policy once the handshake is done (after capture_peer_cert): a warning, or null to accept the peer. */
function policyRefusal(secure: tls.TLSSocket, policy: PeerPolicy): string | null {
  const cert = peerCertificate(secure)?.cert;
  if (policy.required && cert === undefined) return 'Could not get peer certificate';
  if (cert === undefined) return null;
  if (policy.fingerprint !== undefined) {
    if (typeof policy.fingerprint !== 'string' && (policy.fingerprint === null || typeof policy.fingerprint !== 'object'))
      return 'Expected peer fingerprint must be a string or an array';
    if (!fingerprintMatches(cert, policy.fingerprint)) return 'peer_fingerprint match failure';
  }
  return policy.peerName === null ? null : peerNameMismatch(cert, policy.peerName);
}

/**
 * Runs the handshake PHP's stream_socket_accept() / enable_crypto() would,
 * on an accepted socket: a server handshake, or a client one for a client
 * method. Resolves to the TLS socket, or to null after PHP's OpenSSL-level
 * warnings (the socket is then closed, with a close_notify when the
 * handshake itself had completed). `timeoutMs` undefined: no deadline.
 */
export function phpHandshake(
  raw: net.Socket,
  setup: Extract<TlsSetup, { ok: true }>,
  fn: string,
  timeoutMs: number | undefined,
  /** Called once the peer passed verification, before PHP's policy checks (where PHP captures the peer's certificate). */
  onVerified?: (secure: tls.TLSSocket) => void,
): Promise<tls.TLSSocket | null> {
  let secure: tls.TLSSocket;
  try {
    secure = setup.client ? tls.connect({ ...setup.options, socket: raw }) : new tls.TLSSocket(raw, { ...setup.options, isServer: true });
  } catch (error) {
    // Options node:tls refuses only here: the connection ends as a failed handshake would.
    raw.destroy();
    phpWarning(fn, (error as Error).message);
    return Promise.resolve(null);
  }
  // Not TLS at all (an HTTP request…): PHP resets the connection; it must happen before node:tls closes it.
  const onFailure = (error: OpenSslError) => {
    if (NOT_TLS.has(error.code ?? '') && !raw.destroyed) raw.resetAndDestroy();
  };
  return handshake(secure, { timeoutMs, client: setup.client, onFailure, raw }).then(
    () => {
      const verified = verifyRefusal(secure, setup);
      if (verified === null) onVerified?.(secure);
      const refusal = verified ?? policyRefusal(secure, setup.peer);
      if (refusal === null) return secure; // its later errors are kept on the stream (connection.ts)
      endThenRelease(secure); // PHP shuts the session down (close_notify) before it closes the socket
      phpWarning(fn, refusal);
      return null;
    },
    (error: OpenSslError) => {
      if (error instanceof HandshakeTimeout) {
        secure.destroy();
        phpWarning(fn, 'SSL: Handshake timed out');
      } else if (error instanceof HandshakeClosed)
        secure.destroy(); // PHP says nothing more than "Failed to enable crypto"
      else {
        secure.destroy();
        const text = failureText(error, setup.hasCertificate);
        if (text !== null) phpWarning(fn, text);
      }
      return null;
    },
  );
}
