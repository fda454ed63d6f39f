// The one address module: the strict host:port grammar (server URLs and
// datagram targets; PHP's lenient splitting lives in php/address.ts), and
// kernel endpoints (what getsockname returns) -> what users see: address
// objects, names, and the address/port an error message names.
import { argumentError, formatHostPort } from '../binding/errors.js';

export { formatHostPort };
import { C, type NativeEndpoint, type NativeInetEndpoint, type NativeUnixEndpoint } from '../binding/native.js';

export interface AddressInfo {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
}

export interface UnixAddressInfo {
  family: 'unix';
  /** The path as bound; `@name` for an abstract name, '' when autobound to nothing readable. */
  path: string;
}

export function isUnixEndpoint(endpoint: NativeEndpoint): endpoint is NativeUnixEndpoint {
  return endpoint.family === C.AF_UNIX;
}

/** Unix path bytes -> text: abstract names (leading NUL) are shown as `@name`. */
export function unixPathText(path: Buffer): string {
  return path.length > 0 && path[0] === 0 ? `@${path.subarray(1).toString()}` : path.toString();
}

/** `127.0.0.1:80`, `[::1]:80`, a unix path, `@abstract`. */
export function nameOf(endpoint: NativeEndpoint): string {
  if (isUnixEndpoint(endpoint)) return unixPathText(endpoint.path);
  return formatHostPort(endpoint.address, endpoint.port);
}

export function describeEndpoint(endpoint: NativeEndpoint): {
  address: string;
  port: number | undefined;
  info: AddressInfo | UnixAddressInfo;
} {
  if (isUnixEndpoint(endpoint)) {
    const path = unixPathText(endpoint.path);
    return { address: path, port: undefined, info: { family: 'unix', path } };
  }
  const inet = endpoint as NativeInetEndpoint;
  const family = inet.family === C.AF_INET6 ? 'IPv6' : 'IPv4';
  return { address: inet.address, port: inet.port, info: { family, address: inet.address, port: inet.port } };
}

export interface HostPort {
  host: string;
  port: number;
}

/** The TypeError of a server URL (or address) that does not parse. */
export function invalidUrl(url: string, why: string): TypeError {
  return argumentError('type', 'ERR_INVALID_URL', `Invalid server URL ${JSON.stringify(url)}: ${why}`);
}

function parsePort(text: string, url: string): number {
  if (text === '') throw invalidUrl(url, 'the port is missing (use :0 for an ephemeral port)');
  if (!/^[0-9]+$/.test(text)) throw invalidUrl(url, `the port ${JSON.stringify(text)} is not a decimal number`);
  const port = Number(text);
  if (port > 65535) {
    throw argumentError('range', 'ERR_SOCKET_BAD_PORT', `Invalid server URL ${JSON.stringify(url)}: port ${text} is out of range 0..65535`);
  }
  return port;
}

/** Strict `host:port` / `[v6%scope]:port`. */
export function parseHostPort(target: string, url: string): HostPort {
  if (target.startsWith('[')) {
    const close = target.indexOf(']');
    if (close < 0) throw invalidUrl(url, 'the "[" of an IPv6 address is not closed');
    const host = target.slice(1, close);
    if (host === '') throw invalidUrl(url, 'the host between [ and ] is empty');
    if (target[close + 1] !== ':') throw invalidUrl(url, 'expected ":port" after "]"');
    return { host, port: parsePort(target.slice(close + 2), url) };
  }
  const colon = target.lastIndexOf(':');
  if (colon < 0) throw invalidUrl(url, 'expected host:port');
  const host = target.slice(0, colon);
  if (host === '') throw invalidUrl(url, 'the host is empty (use 0.0.0.0 or [::] for all interfaces)');
  if (host.includes(':')) throw invalidUrl(url, 'an IPv6 address must be written in brackets, e.g. [::1]:8000');
  return { host, port: parsePort(target.slice(colon + 1), url) };
}
