// The TLS options of ssl://, tls://, tlsv1.x:// servers and startTls(),
// checked before any socket or secure context exists: a wrong one is a
// TypeError or RangeError with a Node-style code naming it, as for every
// other option (options/options.ts), never an OpenSSL message or a server
// that silently fails every client. Here, not in options/, because the
// version names are tls/versions.ts's table.
import { argumentError } from '../binding/errors.js';
import { validateTimeout } from '../io/deadline.js';
import { readBool, readInt } from '../options/options.js';
import type { TlsOptions } from '../options/types.js';
import { TLS_VERSIONS } from './versions.js';

export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
/** Far above what honest clients keep in flight; at the cap, a handshake is evicted for room (pending.ts). */
export const DEFAULT_MAX_PENDING_HANDSHAKES = 1024;

/** The limits of a TlsServer, defaults applied. */
export interface TlsLimits {
  handshakeTimeout: number;
  maxPendingHandshakes: number;
}

const KEYS: ReadonlyArray<keyof TlsOptions> = [
  'cert',
  'key',
  'passphrase',
  'ca',
  'ciphers',
  'minVersion',
  'maxVersion',
  'honorCipherOrder',
  'sni',
  'alpnProtocols',
  'clientCertificates',
  'handshakeTimeout',
  'maxPendingHandshakes',
];
const SNI_KEYS = ['cert', 'key', 'passphrase'];
const VERSIONS = TLS_VERSIONS.map((v) => v.version);

const typeError = (message: string) => argumentError('type', 'ERR_INVALID_ARG_TYPE', message);
const valueError = (message: string) => argumentError('type', 'ERR_INVALID_ARG_VALUE', message);

/** `value` as an object; `known`: the only keys it may have (undefined: any). */
function record(value: unknown, name: string, known?: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw typeError(`${name} must be an object`);
  for (const key of Object.keys(value)) {
    if (known !== undefined && !known.includes(key)) throw valueError(`Unknown option "${name}.${key}" (known: ${known.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

/** PEM text: a string or bytes, or an array of them (a chain, several keys). */
function pem(value: unknown, name: string, required: boolean): void {
  if (value === undefined && !required) return;
  const one = (v: unknown) => typeof v === 'string' || ArrayBuffer.isView(v);
  if (!(one(value) || (Array.isArray(value) && value.length > 0 && value.every(one)))) {
    throw typeError(`${name} must be PEM text (a string or a Buffer), or an array of them`);
  }
}

function text(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'string') throw typeError(`${name} must be a string, got ${typeof value}`);
}

function version(value: unknown, name: string): number {
  if (value === undefined) return -1;
  const rank = VERSIONS.indexOf(value as (typeof VERSIONS)[number]);
  if (rank < 0) throw valueError(`${name} must be one of ${VERSIONS.join(', ')}, got ${JSON.stringify(value)}`);
  return rank;
}

/** Validates TLS options (named `options.tls…`); returns the server's limits, defaults applied. */
export function validateTlsOptions(options: unknown): TlsLimits {
  const o = record(options, 'options.tls', KEYS);
  pem(o.cert, 'options.tls.cert', true);
  pem(o.key, 'options.tls.key', true);
  pem(o.ca, 'options.tls.ca', false);
  text(o.passphrase, 'options.tls.passphrase');
  text(o.ciphers, 'options.tls.ciphers');
  const min = version(o.minVersion, 'options.tls.minVersion');
  const max = version(o.maxVersion, 'options.tls.maxVersion');
  if (min >= 0 && max >= 0 && min > max) {
    throw argumentError(
      'range',
      'ERR_OUT_OF_RANGE',
      `options.tls.minVersion (${o.minVersion}) is above options.tls.maxVersion (${o.maxVersion})`,
    );
  }
  if (o.clientCertificates !== undefined && !['none', 'optional', 'required'].includes(o.clientCertificates as string)) {
    throw valueError(
      `options.tls.clientCertificates must be 'none', 'optional' or 'required', got ${JSON.stringify(o.clientCertificates)}`,
    );
  }
  if (o.alpnProtocols !== undefined) {
    if (!Array.isArray(o.alpnProtocols) || !o.alpnProtocols.every((p) => typeof p === 'string')) {
      throw typeError('options.tls.alpnProtocols must be an array of strings');
    }
    const bad = o.alpnProtocols.find((p: string) => Buffer.byteLength(p) < 1 || Buffer.byteLength(p) > 255);
    if (bad !== undefined)
      throw argumentError('range', 'ERR_OUT_OF_RANGE', `an ALPN protocol name has 1..255 bytes, got ${JSON.stringify(bad)}`);
  }
  if (o.sni !== undefined) {
    for (const [name, entry] of Object.entries(record(o.sni, 'options.tls.sni'))) {
      const e = record(entry, `options.tls.sni['${name}']`, SNI_KEYS);
      pem(e.cert, `options.tls.sni['${name}'].cert`, true);
      pem(e.key, `options.tls.sni['${name}'].key`, true);
      text(e.passphrase, `options.tls.sni['${name}'].passphrase`);
    }
  }
  // readBool/readInt name an option `options.<key>`: keys under `tls.` read as options.tls.<key>.
  const nested = Object.fromEntries(Object.entries(o).map(([k, v]) => [`tls.${k}`, v]));
  readBool(nested, 'tls.honorCipherOrder');
  let handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
  if (o.handshakeTimeout !== undefined) {
    handshakeTimeout = validateTimeout(o.handshakeTimeout, 'options.tls.handshakeTimeout');
    // 0 would fail every handshake at once: a server that never serves anyone.
    if (handshakeTimeout < 1)
      throw argumentError('range', 'ERR_OUT_OF_RANGE', `options.tls.handshakeTimeout must be at least 1 ms, got ${handshakeTimeout}`);
  }
  const maxPendingHandshakes = readInt(nested, 'tls.maxPendingHandshakes', 1, 2 ** 31 - 1) ?? DEFAULT_MAX_PENDING_HANDSHAKES;
  return { handshakeTimeout, maxPendingHandshakes };
}
