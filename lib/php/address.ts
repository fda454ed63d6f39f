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

/**
 * `[v6]:port` / `host:port` split as PHP does, the port through atoi() into
 * 16 bits; null when it does not split. PHP has two splitters: the server
 * address one (`stream_socket_server`) looks for "]" and ":" among all bytes
 * but the last ("server"); the one of stream_socket_sendto()'s target looks
 * at every byte ("sendto").
 */
export function splitPhpHostPort(target: string, rule: 'server' | 'sendto'): { host: string; port: number } | null {
  const searched = rule === 'server' ? target.slice(0, -1) : target;
  let host: string;
  let portText: string;
  if (target.length > 1 && target[0] === '[') {
    const close = searched.indexOf(']', 1);
    if (close < 0 || target[close + 1] !== ':') return null;
    host = target.slice(1, close);
    portText = target.slice(close + 2);
  } else {
    const colon = searched.indexOf(':');
    if (colon < 0) return null;
    host = target.slice(0, colon);
    portText = target.slice(colon + 1);
  }
  return { host, port: cAtoi(portText) & 0xffff };
}

/** `[v6]:port` / `host:port` of a server address, with PHP's errors. */
export function phpHostPort(target: string): { host: string; port: number } {
  if (target.includes('\0')) throw new PhpParseError('The hostname must not contain null bytes');
  const split = splitPhpHostPort(target, 'server');
  if (split !== null) return split;
  throw new PhpParseError(
    target.length > 1 && target[0] === '[' ? `Failed to parse IPv6 address "${target}"` : `Failed to parse address "${target}"`,
  );
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
