// Server URLs ("tcp://[::1]:8000") -> endpoints. Pure: no I/O.
// Scheme detection follows PHP exactly (it decides which strings are URLs at
// all); the core parser is strict where PHP silently mangles input.
import { argumentError } from '../binding/errors.js';
import { invalidUrl as invalid, parseHostPort } from './address.js';

export const TRANSPORTS = ['tcp', 'udp', 'unix', 'udg', 'ssl', 'tls', 'tlsv1.0', 'tlsv1.1', 'tlsv1.2', 'tlsv1.3'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface SchemeSplit {
  /** The transport name as written, or null when the string has no scheme (meaning tcp). */
  scheme: string | null;
  target: string;
}

/**
 * PHP's rule: a run of at least two [A-Za-z0-9+.-] followed by "://" is a
 * scheme; anything else is a tcp target, whole.
 */
export function splitScheme(url: string): SchemeSplit {
  const match = /^[A-Za-z0-9+.-]{2,}(?=:\/\/)/.exec(url);
  if (match === null) return { scheme: null, target: url };
  return { scheme: match[0], target: url.slice(match[0].length + 3) };
}

export interface InetUrl {
  transport: 'tcp' | 'udp' | 'ssl' | 'tls' | 'tlsv1.0' | 'tlsv1.1' | 'tlsv1.2' | 'tlsv1.3';
  /** Host name or numeric address, without brackets; may carry a %scope. */
  host: string;
  port: number;
}

export interface UnixUrl {
  transport: 'unix' | 'udg';
  /** The sun_path bytes: a leading NUL for an abstract name. */
  path: Buffer;
}

/** sun_path is 108 bytes on Linux; a pathname needs its terminating NUL. */
export const UNIX_PATH_MAX = 107;

function checkTransport(scheme: string, url: string): Transport {
  if ((TRANSPORTS as readonly string[]).includes(scheme)) return scheme as Transport;
  throw invalid(
    url,
    `unknown transport "${scheme}" (known: ${[...TRANSPORTS, ...INHERITED_SCHEMES].join(', ')}; names are case-sensitive)`,
  );
}

/** unix:///path, unix://relative/path, unix://@abstract — strict: no silent truncation. */
export function parseUnixTarget(target: string, url: string): Buffer {
  if (target === '') throw invalid(url, 'the socket path is empty');
  const path = target.startsWith('@') ? Buffer.concat([Buffer.from([0]), Buffer.from(target.slice(1))]) : Buffer.from(target);
  const limit = path[0] === 0 ? UNIX_PATH_MAX + 1 : UNIX_PATH_MAX;
  if (path.length > limit) {
    throw argumentError(
      'range',
      'ERR_SOCKET_PATH_TOO_LONG',
      `Invalid server URL ${JSON.stringify(url)}: the socket path is ${path.length} bytes, sun_path holds at most ${limit} (ENAMETOOLONG)`,
    );
  }
  return path;
}

/**
 * Listeners that exist already: fd://N (inherited), systemd:// and
 * systemd://NAME (socket activation), handover:///path (taken from a running
 * process). Not transports: PHP never lists them.
 */
export const INHERITED_SCHEMES = ['fd', 'systemd', 'handover'] as const;

export type InheritedUrl =
  { transport: 'fd'; fd: number } | { transport: 'systemd'; name: string | undefined } | { transport: 'handover'; path: Buffer };

function parseInherited(scheme: (typeof INHERITED_SCHEMES)[number], target: string, url: string): InheritedUrl {
  switch (scheme) {
    case 'fd':
      if (!/^\d{1,10}$/.test(target) || Number(target) > 2 ** 31 - 1)
        throw invalid(url, 'fd:// takes a file descriptor number, e.g. fd://3');
      return { transport: 'fd', fd: Number(target) };
    case 'systemd':
      // systemd's FileDescriptorName=: at most 255 characters, no ':' (the separator of LISTEN_FDNAMES).
      if (target.length > 255 || target.includes(':')) throw invalid(url, 'a systemd socket name has at most 255 characters and no ":"');
      return { transport: 'systemd', name: target === '' ? undefined : target };
    default:
      return { transport: 'handover', path: parseUnixTarget(target, url) };
  }
}

/** Parses a URL for the core API: tcp://host:port, host:port with no scheme, unix://path, fd://N, systemd://[NAME], handover:///path. */
export function parseServerUrl(url: unknown): InetUrl | UnixUrl | InheritedUrl {
  if (typeof url !== 'string') {
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', `The server URL must be a string, got ${typeof url}`);
  }
  if (url.includes('\0')) throw invalid(url, 'it contains a NUL byte');
  const { scheme, target } = splitScheme(url);
  if ((INHERITED_SCHEMES as readonly (string | null)[]).includes(scheme)) {
    return parseInherited(scheme as (typeof INHERITED_SCHEMES)[number], target, url);
  }
  const transport = scheme === null ? 'tcp' : checkTransport(scheme, url);
  if (transport === 'unix' || transport === 'udg') return { transport, path: parseUnixTarget(target, url) };
  return { transport, ...parseHostPort(target, url) };
}
