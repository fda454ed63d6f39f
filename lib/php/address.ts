// PHP's parsing of a server address, quirks included (spec §2): scheme rule,
// first-colon split, atoi ports cut to 16 bits, 107-byte unix paths.
import { splitScheme, TRANSPORTS, type Transport } from '../net/url.js';
import { cAtoi } from './values.js';

/** A parse failure: PHP's errstr, no syscall behind it. */
export class PhpParseError extends Error {}

export type PhpTarget =
  | { transport: Transport; kind: 'inet'; host: string; port: number }
  | { transport: Transport; kind: 'unix'; path: Buffer; truncated: boolean };

const MAX_SCHEME_IN_MESSAGE = 31;
/** sun_path holds 108 bytes; PHP keeps at most 107 and truncates the rest. */
export const PHP_UNIX_PATH_MAX = 107;

export function phpTransport(address: string): { transport: Transport; target: string } {
  const { scheme, target } = splitScheme(address);
  if (scheme === null) return { transport: 'tcp', target };
  if (!(TRANSPORTS as readonly string[]).includes(scheme)) {
    throw new PhpParseError(
      `Unable to find the socket transport "${scheme.slice(0, MAX_SCHEME_IN_MESSAGE)}" - did you forget to enable it when you configured PHP?`,
    );
  }
  return { transport: scheme as Transport, target };
}

/** `[v6]:port` / `host:port` as PHP splits it. */
export function phpHostPort(target: string): { host: string; port: number } {
  if (target.includes('\0')) throw new PhpParseError('The hostname must not contain null bytes');
  let host: string;
  let portText: string;
  if (target.length > 1 && target[0] === '[') {
    // "]" is looked for between the first and the last byte only.
    const close = target.slice(1, -1).indexOf(']') + 1;
    if (close === 0 || target[close + 1] !== ':') throw new PhpParseError(`Failed to parse IPv6 address "${target}"`);
    host = target.slice(1, close);
    portText = target.slice(close + 2);
  } else {
    // The first colon, among all bytes but the last.
    const colon = target.slice(0, -1).indexOf(':');
    if (colon < 0) throw new PhpParseError(`Failed to parse address "${target}"`);
    host = target.slice(0, colon);
    portText = target.slice(colon + 1);
  }
  return { host, port: cAtoi(portText) & 0xffff };
}

/** Raw bytes, no parsing; cut to 107 bytes (the caller raises PHP's notice). */
export function phpUnixPath(target: string): { path: Buffer; truncated: boolean } {
  const bytes = Buffer.from(target, 'utf8');
  if (bytes.length <= PHP_UNIX_PATH_MAX) return { path: bytes, truncated: false };
  return { path: bytes.subarray(0, PHP_UNIX_PATH_MAX), truncated: true };
}

export function parsePhpAddress(address: string): PhpTarget {
  const { transport, target } = phpTransport(address);
  if (transport === 'unix' || transport === 'udg') return { transport, kind: 'unix', ...phpUnixPath(target) };
  return { transport, kind: 'inet', ...phpHostPort(target) };
}
