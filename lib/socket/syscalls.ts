// The fd-level calls made on a socket someone else owns (an accepted
// net.Socket's fd, a server's): names, shutdown, one sendto/recvfrom, the
// resolver. The PHP facade reaches the kernel only through here and the
// servers' own methods; every failure is the addon's SocketError as thrown
// (the resolver's names the host; the others name no address).
import { C, native, type NativeEndpoint, type NativeInetEndpoint } from '../binding/native.js';

/** An address as the addon gives it: `{ family, address, port }` or `{ family: AF_UNIX, path }`. */
export type Endpoint = NativeEndpoint;
export type InetEndpoint = NativeInetEndpoint;

/** The platform's socket constants (AF_*, SOCK_*, MSG_*), as numbers. */
export const constants = C;

export function socketName(fd: number, remote: boolean): Endpoint {
  return remote ? native.getpeername(fd) : native.getsockname(fd);
}

export function shutdownSocket(fd: number, how: number): void {
  native.shutdown(fd, how);
}

/** One sendto(2): the bytes the kernel took. */
export function sendOnce(fd: number, data: Buffer, flags: number, to: Endpoint | null): number {
  return native.sendto(fd, data, flags, to);
}

/** One recvfrom(2) with `flags`; null when nothing is there (EAGAIN). */
export function receiveOnce(fd: number, max: number, flags: number): { data: Buffer; from: Endpoint | null; length: number } | null {
  return native.recvfrom(fd, max, flags);
}

/** getaddrinfo(3), synchronously (opening a server is synchronous, as in PHP); EAI_* failures are SocketErrors with errno 0. */
export function resolveHost(host: string, family: number, socktype: number, numericOnly = false): InetEndpoint[] {
  return native.getaddrinfo(host, family, socktype, numericOnly);
}

/** Whether this machine can make an IPv6 socket (false also when no fd is left to try with). */
export function ipv6Available(): boolean {
  try {
    native.close(native.socket(C.AF_INET6, C.SOCK_DGRAM, 0));
    return true;
  } catch {
    return false;
  }
}

/** The C library's text for a (positive) errno. */
export function errnoText(errno: number): string {
  return native.strerror(errno);
}
