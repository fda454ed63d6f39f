// stream_socket_enable_crypto() and the TLS step of stream_socket_accept()
// on ssl:// and tls*:// servers. Both resolve when the handshake is over;
// neither blocks the event loop while it runs.
import { requireStreamType } from './stream-args.js';
import type { X509Certificate } from 'node:crypto';
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { peerCertificate, phpHandshake } from './crypto.js';
import { emitPending, phpWarning } from './diagnostics.js';
import { PhpServerStream } from './server.js';
import { secured } from './connection.js';
import { activeSocket, connectionState, handshakeMs, requireOpen, TLS_CAPABLE } from './stream-state.js';
import { isClientMethod, tlsSetup, type TlsSetup } from './tls-setup.js';
import { phpInt, phpTruthy, ValueError } from './values.js';
import type { StreamContext } from './context.js';

/**
 * The handshake of an ssl:// accept, with the setup read for this accept.
 * A server that cannot do TLS (missing key…) closes the connection without
 * reading it. Null after PHP's warnings (the caller adds "Failed to enable
 * crypto").
 */
export async function secureAccepted(
  conn: net.Socket,
  context: StreamContext,
  setup: TlsSetup,
  deadlineMs: number | undefined,
): Promise<tls.TLSSocket | null> {
  if (!setup.ok) {
    emitPending('stream_socket_accept', setup.warnings);
    conn.destroy();
    return null;
  }
  return phpHandshake(conn, setup, 'stream_socket_accept', deadlineMs, (secure) => capturePeer(secure, context, setup.client));
}

/**
 * capture_peer_cert / capture_peer_cert_chain: as PHP, once the peer passed
 * verification and before its policy checks (a peer_name or fingerprint
 * refusal still leaves them), the stream's context (shared with its server)
 * gets `peer_certificate`, and `peer_certificate_chain`: the certificates
 * the peer sent, in its order, as OpenSSL lists them (a server's list leaves
 * the client's own out; null when empty). Nothing is set when the peer sent
 * no certificate.
 */
function capturePeer(secure: tls.TLSSocket, context: StreamContext, asClient: boolean): void {
  const wantCert = phpTruthy(context.get('ssl', 'capture_peer_cert'));
  const wantChain = phpTruthy(context.get('ssl', 'capture_peer_cert_chain'));
  const cert = wantCert || wantChain ? peerCertificate(secure)?.cert : undefined;
  if (cert === undefined) return;
  const ssl = context.options.ssl!;
  if (wantCert) ssl.peer_certificate = cert;
  if (wantChain) {
    // node:tls links the certificates the peer sent, in its order, through issuerCertificate.
    const chain: X509Certificate[] = asClient ? [cert] : [];
    for (let next = cert.issuerCertificate; next !== undefined && chain.length < 100; next = next.issuerCertificate) chain.push(next);
    ssl.peer_certificate_chain = chain.length > 0 ? chain : null;
  }
}

function methodFrom(context: StreamContext, method: number | null | undefined): number {
  if (method !== null && method !== undefined) return method;
  if (context.has('ssl', 'crypto_method')) return Number(phpInt(context.get('ssl', 'crypto_method')));
  throw new ValueError('stream_socket_enable_crypto(): Argument #3 ($crypto_method) must be specified when enabling encryption');
}

/** Streams without crypto (udp, udg, unix): PHP warns, and — its quirk — says true to turning crypto off. */
const unsupported = (enable: boolean): boolean => {
  phpWarning('stream_socket_enable_crypto', 'This stream does not support SSL/crypto');
  return !enable;
};

/**
 * PHP's stream_socket_enable_crypto(): turns TLS on for an accepted
 * connection (STARTTLS) and resolves to true, or to false after PHP's
 * warnings. A server method runs a server handshake, a client method
 * (bit 0 set) a client one. `crypto_method` may come from the context's
 * `ssl` options instead. A second call warns as PHP does. Turning crypto
 * off resolves false (as PHP's) but leaves TLS on: Node cannot hand a TLS
 * connection back as plain text.
 */
export async function stream_socket_enable_crypto(
  stream: PhpServerStream | net.Socket,
  enable: boolean,
  cryptoMethod?: number | null,
  _sessionStream?: unknown,
): Promise<boolean | 0> {
  requireStreamType('stream_socket_enable_crypto', stream, 'stream');
  requireOpen('stream_socket_enable_crypto', stream);
  if (typeof enable !== 'boolean') throw new TypeError('stream_socket_enable_crypto(): Argument #2 ($enable) must be of type bool');
  if (cryptoMethod !== undefined && cryptoMethod !== null && !Number.isInteger(cryptoMethod)) {
    throw new TypeError('stream_socket_enable_crypto(): Argument #3 ($crypto_method) must be of type ?int');
  }
  if (stream instanceof PhpServerStream) return listenerCrypto(stream, enable, cryptoMethod);
  const state = connectionState(stream);
  if (state === null)
    throw new TypeError('stream_socket_enable_crypto(): Argument #1 ($stream) must be a stream from stream_socket_accept()');
  const method = enable ? methodFrom(state.context, cryptoMethod) : 0;
  if (!TLS_CAPABLE.has(state.transport)) return unsupported(enable);
  // Off: PHP shuts TLS down and says false; Node cannot hand a TLS socket back as plain text, so it stays on.
  if (!enable) return false;
  if (state.secure !== null || state.handshaking) {
    phpWarning('stream_socket_enable_crypto', 'SSL/TLS already set-up for this stream');
    return false;
  }
  const setup = tlsSetup(state.context, method);
  if (!setup.ok) {
    emitPending('stream_socket_enable_crypto', setup.warnings);
    return false;
  }
  state.handshaking = true;
  const capture = (secure: tls.TLSSocket) => capturePeer(secure, state.context, setup.client);
  const secure = await phpHandshake(activeSocket(stream), setup, 'stream_socket_enable_crypto', handshakeMs(state.readTimeout), capture);
  state.handshaking = false;
  if (secure === null) return false;
  secured(state, secure);
  return true;
}

/**
 * On a server stream, as PHP: datagram and unix streams have no crypto. A
 * TCP listener cannot write a ClientHello (a client method fails at once:
 * EPIPE) and never receives one (a server method times out, and later calls
 * answer 0, PHP's "not yet"); once a client method failed, TLS counts as set
 * up. Without a deadline (read timeout <= 0) the wait ends at fclose().
 */
async function listenerCrypto(stream: PhpServerStream, enable: boolean, cryptoMethod: number | null | undefined): Promise<boolean | 0> {
  const method = enable ? methodFrom(stream.context, cryptoMethod) : 0;
  if (!TLS_CAPABLE.has(stream.transport)) return unsupported(enable);
  if (!enable) return false;
  if (stream.listenerCrypto === 'refused') {
    phpWarning('stream_socket_enable_crypto', 'SSL/TLS already set-up for this stream');
    return false;
  }
  if (stream.listenerCrypto === 'timed out') return 0;
  if (isClientMethod(method)) {
    stream.listenerCrypto = 'refused';
    phpWarning('stream_socket_enable_crypto', 'SSL: Broken pipe');
    return false;
  }
  if (await stream.waitUnlessClosed(handshakeMs(stream.readTimeout))) {
    phpWarning('stream_socket_enable_crypto', 'SSL: Bad file descriptor');
    return false;
  }
  stream.listenerCrypto = 'timed out';
  phpWarning('stream_socket_enable_crypto', 'SSL: Handshake timed out');
  return false;
}
