// Which fd a PHP stream stands on, and PHP's text for a socket's address.
import type net from 'node:net';
import { isUnixEndpoint, nameOf } from '../net/address.js';
import type { Endpoint } from '../socket/syscalls.js';
import { PhpServerStream } from './server.js';
import { connectionState } from './stream-state.js';

export type PhpStream = PhpServerStream | net.Socket;

/** PHP's text for an endpoint: the core's name (`1.2.3.4:80`, `[::1]:80`, a unix path), but false for abstract/unnamed. */
export function phpName(endpoint: Endpoint): string | false {
  if (isUnixEndpoint(endpoint) && (endpoint.path.length === 0 || endpoint.path[0] === 0)) return false;
  return nameOf(endpoint);
}

/** The fd of a socket Node owns, or -1 once Node has closed it. */
export function socketFd(socket: net.Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/** The fd under a stream (a connection's: its accepted socket's, under any TLS), or null when there is none. */
export function targetOf(stream: PhpStream): number | null {
  if (stream instanceof PhpServerStream) return stream.server === null || stream.server.closed ? null : stream.server.fd;
  const fd = socketFd(connectionState(stream)?.raw ?? stream);
  return fd < 0 ? null : fd;
}
