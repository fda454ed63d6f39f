// What the ssl options name on disk, read as PHP reads it when it enables
// crypto: certificate chains and keys (local_cert, local_pk, SNI_server_certs),
// trust anchors (cafile, capath) and DH parameters, each failure with PHP's text.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import * as tls from 'node:tls';
import type { StreamContext } from './context.js';
import { dhAllowed, readDhParameters } from './dh-params.js';
import type { PendingWarning } from './diagnostics.js';
import { phpString, phpTruthy } from './values.js';

export class SetupFailure extends Error {
  readonly warnings: PendingWarning[];
  constructor(text: string, bare = false, more: PendingWarning[] = []) {
    super(text);
    this.warnings = [{ text, bare }, ...more];
  }
}

/** PHP refuses a local_cert / local_pk path with a NUL byte before it looks at the file; its text shows the path up to the NUL. */
function checkNul(path: string, option: 'local_cert' | 'local_pk', what: string): void {
  if (!path.includes('\0')) return;
  const shown = path.slice(0, path.indexOf('\0'));
  throw new SetupFailure(`Path for ${option} in ssl stream context option must not contain any null bytes`, false, [
    { text: `Unable to get real path of ${what} file \`${shown}'` },
  ]);
}

function readPath(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

/** PEM certificates of a capath directory (OpenSSL's hashed names or any .pem file). */
function capathCertificates(dir: string): Buffer[] {
  const found: Buffer[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    const pem = statSync(file, { throwIfNoEntry: false })?.isFile() ? readPath(file) : null;
    // Not a certificate: OpenSSL's lookup would skip it too.
    if (pem !== null && holdsCertificate(pem)) found.push(pem);
  }
  return found;
}

/**
 * cafile / capath: trust anchors for client certificates (else Node's root
 * store, as OpenSSL's default paths). PHP's server first loads the cafile's
 * names for its certificate request, and gives up when it has none; a
 * capath is looked into lazily, so a missing one is no error.
 */
export function trustAnchors(context: StreamContext): Buffer[] | undefined {
  const cafile = context.get('ssl', 'cafile');
  const capath = context.get('ssl', 'capath');
  if (!phpTruthy(cafile) && !phpTruthy(capath)) return undefined;
  const anchors: Buffer[] = [];
  if (phpTruthy(cafile)) {
    const pem = readPath(phpString(cafile));
    if (pem === null || !holdsCertificate(pem)) throw new SetupFailure('SSL: failed loading CA names from cafile', true);
    anchors.push(pem);
  }
  if (phpTruthy(capath)) {
    try {
      anchors.push(...capathCertificates(phpString(capath)));
    } catch {
      // unreadable: no anchors from it, as OpenSSL's lookup would find none
    }
  }
  return anchors;
}

function holdsCertificate(pem: Buffer): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

interface CertAndKey {
  cert?: Buffer;
  key?: Buffer;
  passphrase?: string;
}

/** PHP's texts when a certificate file (unreadable or invalid) or a key file (unreadable, wrong passphrase, not matching) fails. */
interface LoadTexts {
  cert(path: string): string;
  key(path: string): string;
  /** local_cert / local_pk paths are checked for NUL bytes first (SNI paths are not). */
  checksNul: boolean;
}

const LOCAL_CERT_TEXTS: LoadTexts = {
  cert: (path) =>
    `Unable to set local cert chain file \`${path}'; Check that your cafile/capath settings include details of your certificate and its issuer`,
  key: (path) => `Unable to set private key file \`${path}'`,
  checksNul: true,
};

const SNI_TEXTS: LoadTexts = {
  cert: (path) =>
    `Failed setting local cert chain file \`${path}'; check that your cafile/capath settings include details of your certificate and its issuer`,
  key: (path) => `Failed setting private key from file \`${path}'`,
  checksNul: false,
};

/**
 * A certificate chain (which may hold the key too) and its key, checked one
 * at a time for PHP's separate messages, under the cipher list's security
 * level (a key too small for it fails as the certificate).
 */
function certificateAndKey(certFile: string, keyFile: string, passphrase: unknown, texts: LoadTexts, ciphers: string): CertAndKey {
  if (texts.checksNul) checkNul(certFile, 'local_cert', 'certificate');
  const cert = readPath(certFile);
  if (cert === null || !loads({ ciphers, cert })) throw new SetupFailure(texts.cert(certFile));
  if (texts.checksNul) checkNul(keyFile, 'local_pk', 'private key');
  const key = readPath(keyFile);
  // Never a prompt: without a passphrase an encrypted key simply fails to load.
  const pass = phpString(passphrase);
  if (key === null || !loads({ ciphers, cert, key, passphrase: pass })) throw new SetupFailure(texts.key(keyFile));
  return { cert, key, passphrase: pass };
}

export function loads(options: tls.SecureContextOptions): boolean {
  try {
    tls.createSecureContext(options);
    return true;
  } catch {
    return false;
  }
}

/** local_cert and local_pk (default: the key is in local_cert's file). */
export function localCertificate(context: StreamContext, ciphers: string): CertAndKey {
  const certPath = context.get('ssl', 'local_cert');
  if (!phpTruthy(certPath)) return {};
  const keyPath = context.get('ssl', 'local_pk');
  return certificateAndKey(
    phpString(certPath),
    phpString(phpTruthy(keyPath) ? keyPath : certPath),
    context.get('ssl', 'passphrase'),
    LOCAL_CERT_TEXTS,
    ciphers,
  );
}

/**
 * dh_param (servers): Diffie-Hellman parameters for DHE suites, which are
 * off without them (PHP 8.2 asks OpenSSL for no automatic ones). EC or DSA
 * parameters are taken but serve no suite, so they are dropped.
 */
export function dhParameters(context: StreamContext, level: number): string | undefined {
  if (!context.has('ssl', 'dh_param')) return undefined;
  const path = phpString(context.get('ssl', 'dh_param'));
  let text: string;
  try {
    text = statSync(path).isDirectory() ? '' : readFileSync(path, 'latin1'); // a directory opens, and reads as nothing
  } catch {
    throw new SetupFailure('Invalid dh_param');
  }
  const params = readDhParameters(text);
  if (params === null) throw new SetupFailure('Failed reading DH params');
  if (params.kind === 'other') return undefined;
  if (!dhAllowed(params, level)) throw new SetupFailure('Failed assigning DH params');
  return params.pem;
}

/** One SNI_server_certs entry: a path holding certificate and key, or { local_cert, local_pk } (no passphrase, as in PHP). */
export function sniCertificate(entry: unknown, ciphers: string): CertAndKey {
  if (entry === null || typeof entry !== 'object')
    return certificateAndKey(phpString(entry), phpString(entry), undefined, SNI_TEXTS, ciphers);
  const pair = entry as Record<string, unknown>;
  if (!Object.hasOwn(pair, 'local_cert')) throw new SetupFailure('local_cert not present in the array');
  if (!Object.hasOwn(pair, 'local_pk')) throw new SetupFailure('local_pk not present in the array');
  return certificateAndKey(phpString(pair.local_cert), phpString(pair.local_pk), undefined, SNI_TEXTS, ciphers);
}
