// The fd-level calls made on a socket: names, shutdown, one sendto/recvfrom,
// and the resolver. The PHP facade reaches the kernel only through here and
// the servers' own methods. A socket is a server of ours (its own handle) or
// a net.Socket Node owns, borrowed for the one call (native borrow(): checked
// to be a socket, never closed, never blocked on). Every failure is the
// addon's SocketError as thrown (the resolver's names the host; the others
// name no address); a net.Socket Node has closed is EBADF.
import type * as net from 'node:net';
import { socketErrorOf } from '../binding/errors.js';
import { C, native, type NativeEndpoint, type NativeHandle, type NativeInetEndpoint } from '../binding/native.js';
import { BoundSocket, handleOf } from './bound-socket.js';

/** An address as the addon gives it: `{ family, address, port }` or `{ family: AF_UNIX, path }`. */
export type Endpoint = NativeEndpoint;
export type InetEndpoint = NativeInetEndpoint;

/** A socket the calls below act on: one of our servers, or a net.Socket (an accepted connection). */
export type SocketRef = BoundSocket | net.Socket;

/** The platform's socket constants (AF_*, SOCK_*, MSG_*), as numbers. */
export const constants = C;

/** The fd of a socket Node owns, or -1 once Node has closed it. */
export function socketFd(socket: net.Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

function onSocket<T>(socket: SocketRef, syscall: string, call: (handle: NativeHandle) => T): T {
  if (socket instanceof BoundSocket) return call(handleOf(socket));
  const fd = socketFd(socket);
  if (fd < 0) throw socketErrorOf('EBADF', syscall, 'Bad file descriptor');
  const borrowed = native.borrow(fd);
  try {
    return call(borrowed);
  } finally {
    native.close(borrowed); // lets go; the fd stays Node's
  }
}

export function socketName(socket: SocketRef, remote: boolean): Endpoint {
  return onSocket(socket, remote ? 'getpeername' : 'getsockname', (h) => (remote ? native.getpeername(h) : native.getsockname(h)));
}

export function shutdownSocket(socket: SocketRef, how: number): void {
  onSocket(socket, 'shutdown', (h) => native.shutdown(h, how));
}

/** One sendto(2), never blocking: the bytes the kernel took. */
export function sendOnce(socket: SocketRef, data: Buffer, flags: number, to: Endpoint | null): number {
  return onSocket(socket, 'sendto', (h) => native.sendto(h, data, flags, to));
}

/** One recvfrom(2) with `flags`, never blocking; null when nothing is there (EAGAIN). */
export function receiveOnce(socket: SocketRef, max: number, flags: number): { data: Buffer; from: Endpoint | null; length: number } | null {
  return onSocket(socket, 'recvfrom', (h) => native.recvfrom(h, max, flags));
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
