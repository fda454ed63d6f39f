// PHP's `ssl` context options, read the way PHP reads them when it enables
// crypto on a stream, turned into a node:tls secure context. Failures carry
// PHP's warning texts; the handshake itself is crypto.ts's.
import { readdirSync, statSync } from 'node:fs';
import { constants as cryptoConstants } from 'node:crypto';
import { join } from 'node:path';
import * as tls from 'node:tls';
import type { Transport } from '../net/url.js';
import { SESSION_ID_CONTEXT } from '../tls/tls-server.js';
import { pinnedVersion, TLS_VERSIONS } from '../tls/versions.js';
import type { StreamContext } from './context.js';
import type { PendingWarning } from './diagnostics.js';
import { dhParameters, loads, localCertificate, SetupFailure, sniCertificate, trustAnchors } from './tls-files.js';
import { matchesHostName } from './host-names.js';
import { phpInt, phpString, phpTruthy } from './values.js';

const CLIENT_BIT = 1;
/** What ssl:// and tls:// servers accept unless `crypto_method` says otherwise: TLS 1.0 to 1.3. */
const ANY_TLS = TLS_VERSIONS.reduce((bits, v) => bits | v.cryptoBit, 0);

/** The crypto method a server made for `transport` gives its accepted streams (PHP decides it at stream_socket_server()). */
export function serverCryptoMethod(transport: Transport, context: StreamContext): number {
  const pinned = pinnedVersion(transport);
  if (pinned !== undefined) return pinned.cryptoBit;
  // For ssl:// and tls:// the context's crypto_method replaces the set.
  return context.has('ssl', 'crypto_method') ? Number(phpInt(context.get('ssl', 'crypto_method'))) & ~CLIENT_BIT : ANY_TLS;
}

export function isClientMethod(method: number): boolean {
  return (method & CLIENT_BIT) !== 0;
}

/**
 * The TLS versions of a method as PHP applies them with OpenSSL 3: only the
 * lowest and the highest count (a hole in between is not excluded), and
 * min_proto_version / max_proto_version replace either end.
 */
function versionsOf(method: number, context: StreamContext): { minVersion: tls.SecureVersion; maxVersion: tls.SecureVersion } {
  const inMethod = TLS_VERSIONS.filter((v) => (method & v.cryptoBit) !== 0).map((v) => v.cryptoBit);
  const option = (name: string) => (context.has('ssl', name) ? Number(phpInt(context.get('ssl', name))) & ~CLIENT_BIT : 0);
  const min = option('min_proto_version') || inMethod[0] || 0;
  const max = option('max_proto_version') || inMethod.at(-1) || 0;
  const allowed = TLS_VERSIONS.filter((v) => v.cryptoBit >= min && v.cryptoBit <= max);
  // Nothing OpenSSL 3 can speak (e.g. SSLv3 alone): a range no handshake fits.
  if (allowed.length === 0) return { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' };
  return { minVersion: allowed[0]!.version, maxVersion: allowed.at(-1)!.version };
}

/**
 * OpenSSL's security level when neither `security_level` nor the cipher
 * list sets one. PHP takes it from the system's OpenSSL configuration, which
 * on Debian and Ubuntu says 2; Node 20's bundled OpenSSL would use 1.
 */
const SYSTEM_SECURITY_LEVEL = 2;

/** The security level in force: `security_level`, else the cipher list's last @SECLEVEL, else the system's. */
function securityLevel(context: StreamContext): number {
  if (context.has('ssl', 'security_level')) return Number(phpInt(context.get('ssl', 'security_level')));
  const given = context.get('ssl', 'ciphers');
  const inList = phpTruthy(given) ? [...phpString(given).matchAll(/@SECLEVEL=(\d+)/g)].at(-1) : undefined;
  return inList === undefined ? SYSTEM_SECURITY_LEVEL : Number(inList[1]);
}

/**
 * PHP's `ciphers` is OpenSSL's cipher list, which concerns TLS 1.2 and
 * below: TLS 1.3 keeps its suites, and a list with no TLS ≤ 1.2 cipher
 * fails. The list ends with the security level in force (securityLevel()).
 * Null: the list fails.
 */
function cipherList(context: StreamContext, level: number): string | null {
  const given = context.get('ssl', 'ciphers');
  if (!phpTruthy(given)) return `${PHP_DEFAULT_CIPHERS}:@SECLEVEL=${level}`;
  const tls12 = phpString(given)
    .split(':')
    .filter((name) => name !== '' && !name.startsWith('TLS_'));
  if (tls12.length === 0) return null;
  const list = [...tls12, `@SECLEVEL=${level}`].join(':');
  return loads({ ciphers: list }) ? list : null;
}
/**
 * PHP's built-in default list (its PHP_OPENSSL_DEFAULT_STREAM_CIPHERS): with
 * honor_cipher_order on, its order picks the cipher (AES-128 before AES-256).
 */
const PHP_DEFAULT_CIPHERS = [
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-DSS-AES128-GCM-SHA256',
  'kEDH+AESGCM',
  'ECDHE-RSA-AES128-SHA256',
  'ECDHE-ECDSA-AES128-SHA256',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES256-SHA384',
  'ECDHE-ECDSA-AES256-SHA384',
  'ECDHE-RSA-AES256-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'DHE-RSA-AES128-SHA256',
  'DHE-RSA-AES128-SHA',
  'DHE-DSS-AES128-SHA256',
  'DHE-RSA-AES256-SHA256',
  'DHE-DSS-AES256-SHA',
  'DHE-RSA-AES256-SHA',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128',
  'AES256',
  'HIGH',
  '!SSLv2',
  '!aNULL',
  '!eNULL',
  '!EXPORT',
  '!DES',
  '!MD5',
  '!RC4',
  '!ADH',
].join(':');

/** How the handshake's peer certificate is judged afterwards (PHP's apply_peer_verification). */
export interface PeerPolicy {
  allowSelfSigned: boolean;
  /** verify_peer / verify_peer_name / peer_fingerprint set truthy: a certificate is required. */
  required: boolean;
  /** verify_peer_name with a peer_name: the certificate must name it. */
  peerName: string | null;
  fingerprint: unknown;
  /** verify_depth (default 9): the deepest certificate a verified chain may have (the peer's own is at 0). */
  verifyDepth: number;
}

/** PHP's default verify_depth (its OPENSSL_DEFAULT_STREAM_VERIFY_DEPTH). */
const DEFAULT_VERIFY_DEPTH = 9;

export type TlsSetup =
  | { ok: true; client: boolean; hasCertificate: boolean; options: tls.TLSSocketOptions; peer: PeerPolicy }
  /** PHP's warnings for a setup that failed before any handshake (may be none: an invalid cipher list). */
  | { ok: false; warnings: PendingWarning[] };

/**
 * SNI_server_certs (unless SNI_enabled is false): a secure context per host
 * name pattern, first match wins. PHP makes each in a fresh OpenSSL context,
 * so the system's security level judges its certificate, not the stream's.
 */
function sniContexts(context: StreamContext, base: tls.SecureContextOptions): Array<[pattern: string, context: tls.SecureContext]> {
  if (!context.has('ssl', 'SNI_server_certs') || (context.has('ssl', 'SNI_enabled') && !phpTruthy(context.get('ssl', 'SNI_enabled'))))
    return [];
  const certs = context.get('ssl', 'SNI_server_certs');
  if (certs === null || typeof certs !== 'object' || Array.isArray(certs))
    throw new SetupFailure('SNI_server_certs requires an array mapping host names to cert paths');
  const ciphers = `${PHP_DEFAULT_CIPHERS}:@SECLEVEL=${SYSTEM_SECURITY_LEVEL}`;
  return Object.entries(certs as Record<string, unknown>).map(([pattern, entry]) => [
    pattern,
    tls.createSecureContext({ ...base, ciphers, ...sniCertificate(entry, ciphers) }),
  ]);
}

/** alpn_protocols: a comma list; a name longer than 255 bytes cannot be sent. */
function alpnProtocols(context: StreamContext): string[] | undefined {
  const text = context.get('ssl', 'alpn_protocols');
  if (!phpTruthy(text)) return undefined;
  const names = phpString(text).split(',');
  if (names.some((name) => Buffer.byteLength(name) > 255))
    throw new SetupFailure('Failed parsing comma-separated TLS ALPN protocol string');
  // PHP lets empty names through; newer Node refuses them, and they can match nothing anyway.
  return names.filter((name) => name !== '');
}

/** The files (and capath directory) the options name: a setup is reused only while none of them changed. */
function referencedPaths(ssl: Record<string, unknown>): string[] {
  const paths = ['local_cert', 'local_pk', 'cafile', 'capath']
    .map((name) => ssl[name])
    .filter(phpTruthy)
    .map(phpString);
  if (Object.hasOwn(ssl, 'dh_param')) paths.push(phpString(ssl.dh_param)); // read whenever present
  const sni = ssl.SNI_server_certs;
  if (sni !== null && typeof sni === 'object') {
    for (const entry of Object.values(sni as Record<string, unknown>)) {
      if (entry !== null && typeof entry === 'object')
        paths.push(
          ...[(entry as Record<string, unknown>).local_cert, (entry as Record<string, unknown>).local_pk].filter(phpTruthy).map(phpString),
        );
      else paths.push(phpString(entry));
    }
  }
  return paths;
}

function fileSignature(path: string, inDirectory = false): string {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st?.isDirectory() && !inDirectory) {
    // capath: the files in it count, not only the directory.
    return `${path}/:${readdirSync(path)
      .map((name) => fileSignature(join(path, name), true))
      .join(';')}`;
  }
  return st === undefined ? `${path}:-` : `${path}:${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/**
 * PHP reads certificates and keys at every accept; building a secure context
 * costs about 3 ms, more than the handshake. The same options over unchanged
 * files give the same setup, so it is kept (a few, most recent last).
 */
const setups = new Map<string, TlsSetup>();
const MAX_SETUPS = 16;

/**
 * Reads the stream context's `ssl` options for a handshake with `method`
 * (a server method, or a client one: PHP then runs a client handshake), in
 * PHP's order: verify locations, ciphers, certificate and key, SNI.
 */
export function tlsSetup(context: StreamContext, method: number): TlsSetup {
  // What capture_peer_cert left in the context says nothing about the setup.
  const { peer_certificate: _cert, peer_certificate_chain: _chain, ...ssl } = context.options.ssl ?? {};
  let key: string;
  try {
    // undefined is kept in the key: a present-but-undefined option is not an absent one.
    key = JSON.stringify([method, ssl, referencedPaths(ssl).map((path) => fileSignature(path))], (_k, v: unknown) =>
      v === undefined ? '\u0000undefined' : v,
    );
  } catch {
    return buildSetup(context, method); // options JSON cannot hold, or a path stat() refuses: no reuse
  }
  const cached = setups.get(key);
  if (cached !== undefined) {
    setups.delete(key);
    setups.set(key, cached);
    return cached;
  }
  const built = buildSetup(context, method);
  setups.set(key, built);
  if (setups.size > MAX_SETUPS) setups.delete(setups.keys().next().value!);
  return built;
}

function buildSetup(context: StreamContext, method: number): TlsSetup {
  const opt = (name: string) => context.get('ssl', name);
  const client = isClientMethod(method);
  try {
    const verifyOff = context.has('ssl', 'verify_peer') && !phpTruthy(opt('verify_peer'));
    const ca = verifyOff ? undefined : trustAnchors(context);
    const level = securityLevel(context);
    const ciphers = cipherList(context, level);
    if (ciphers === null) return { ok: false, warnings: [] }; // PHP says nothing more than that it failed
    const base: tls.SecureContextOptions = {
      ...versionsOf(method, context),
      ca,
      ciphers,
      honorCipherOrder: !context.has('ssl', 'honor_cipher_order') || phpTruthy(opt('honor_cipher_order')),
      // no_ticket: OpenSSL's SSL_OP_NO_TICKET, as PHP sets it (TLS 1.2 clients get no ticket).
      secureOptions: phpTruthy(opt('no_ticket')) ? cryptoConstants.SSL_OP_NO_TICKET : 0,
      // Without it Node 24's OpenSSL 3.5.9 gives no ticket when verify_peer asks for a certificate.
      sessionIdContext: SESSION_ID_CONTEXT,
    };
    const alpn = alpnProtocols(context);
    const own = localCertificate(context, ciphers);
    const dhparam = client ? undefined : dhParameters(context, level);
    const secureContext = tls.createSecureContext({ ...base, ...own, dhparam });
    const sni = client ? [] : sniContexts(context, base);
    const explicit = (name: string) => context.has('ssl', name) && phpTruthy(opt(name));
    const peerName = explicit('verify_peer_name') && phpTruthy(opt('peer_name')) ? phpString(opt('peer_name')) : null;
    return {
      ok: true,
      client,
      hasCertificate: own.cert !== undefined,
      options: {
        secureContext,
        requestCert: !verifyOff,
        rejectUnauthorized: false, // judged after the handshake, with PHP's rules (crypto.ts)
        ALPNProtocols: alpn,
        SNICallback:
          sni.length > 0
            ? (name, done) => done(null, sni.find(([pattern]) => matchesHostName(name, pattern))?.[1] ?? secureContext)
            : undefined,
      },
      peer: {
        allowSelfSigned: phpTruthy(opt('allow_self_signed')),
        // peer_fingerprint counts when present at all (even false or '').
        required: explicit('verify_peer') || explicit('verify_peer_name') || context.has('ssl', 'peer_fingerprint'),
        peerName,
        fingerprint: context.has('ssl', 'peer_fingerprint') ? opt('peer_fingerprint') : undefined,
        // PHP compares the depth as unsigned: a negative limit is no limit.
        verifyDepth: context.has('ssl', 'verify_depth')
          ? phpInt(opt('verify_depth')) < 0n
            ? Infinity
            : Number(phpInt(opt('verify_depth')))
          : DEFAULT_VERIFY_DEPTH,
      },
    };
  } catch (error) {
    if (error instanceof SetupFailure) return { ok: false, warnings: error.warnings };
    // Options node:tls refuses that PHP's checks above let through: the accept fails with its text, never throws.
    return { ok: false, warnings: [{ text: (error as Error).message, bare: false }] };
  }
}
