// Kernel endpoints (what getsockname returns) -> what users see: address
// objects, PHP-style names, and the address/port an error message names.
import { formatHostPort } from '../binding/errors.js';

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
