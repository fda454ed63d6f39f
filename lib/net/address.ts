// The one address module: the strict host:port grammar (server URLs and
// datagram targets; PHP's lenient splitting lives in php/address.ts), and
// kernel endpoints (what getsockname returns) -> what users see: address
// objects, names, and the address/port an error message names.
import { argumentError, formatHostPort } from '../binding/errors.js';

export { formatHostPort };
import { C, type NativeEndpoint, type NativeInetEndpoint, type NativeUnixEndpoint } from '../binding/native.js';
import { interfaceIndex, interfaceName } from './interfaces.js';

export interface AddressInfo {
  family: 'IPv4' | 'IPv6';
  /** With an IPv6 scope as node:dgram writes it: `fe80::1%eth0` (`%2` for an interface without a name). */
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
  const address = withScope(inet.address, inet.scopeId);
  return { address, port: inet.port, info: { family, address, port: inet.port } };
}

/**
 * `fe80::1%eth0`, as node:dgram and getaddrinfo write a scoped address: the
 * kernel sets a scope id only where the address needs one (link-local).
 */
export function withScope(address: string, scopeId: number | undefined): string {
  return scopeId ? `${address}%${interfaceName(scopeId) ?? scopeId}` : address;
}

/** `fe80::1%eth0` or `fe80::1%2` -> the address and its scope id (0: none); a TypeError for an interface that does not exist. */
export function splitScope(text: string): { address: string; scopeId: number } {
  const at = text.indexOf('%');
  if (at < 0) return { address: text, scopeId: 0 };
  const scope = text.slice(at + 1);
  const scopeId = /^[0-9]{1,10}$/.test(scope) && Number(scope) <= 0xffffffff ? Number(scope) : interfaceIndex(scope);
  if (scopeId === undefined) {
    throw argumentError('type', 'ERR_INVALID_ARG_VALUE', `${JSON.stringify(text)}: no network interface ${JSON.stringify(scope)}`);
  }
  return { address: text.slice(0, at), scopeId };
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
