// Which fd a PHP stream stands on, and PHP's text for a socket's address.
import type * as net from 'node:net';
import { isUnixEndpoint, nameOf } from '../net/address.js';
import { proxyOf } from '../stream/connections.js';
import { constants as C, socketFd, type Endpoint, type SocketRef } from '../socket/syscalls.js';
import { PhpServerStream } from './server.js';
import { connectionState } from './stream-state.js';

export type PhpStream = PhpServerStream | net.Socket;

/** PHP's text for an endpoint: the core's name (`1.2.3.4:80`, `[::1]:80`, a unix path), but false for abstract/unnamed. */
export function phpName(endpoint: Endpoint): string | false {
  if (isUnixEndpoint(endpoint) && (endpoint.path.length === 0 || endpoint.path[0] === 0)) return false;
  return nameOf(endpoint);
}

/**
 * The client a PROXY header named for a connection (the server's
 * proxy_protocol option), as PHP's text; undefined when it came without one
 * (or with a LOCAL one: the peer is then the balancer itself).
 */
export function proxiedPeerName(conn: net.Socket): string | undefined {
  const source = proxyOf(connectionState(conn)?.raw ?? conn);
  const from = source?.command === 'proxy' ? source.source : undefined;
  if (from === undefined) return undefined;
  if (!('address' in from)) return from.path.toString('latin1');
  return nameOf({ family: from.address.includes(':') ? C.AF_INET6 : C.AF_INET, address: from.address, port: from.port });
}

/** The socket under a stream (a connection's: its accepted socket, under any TLS), or null when there is none. */
export function targetOf(stream: PhpStream): SocketRef | null {
  if (stream instanceof PhpServerStream) return stream.server === null || stream.server.closed ? null : stream.server;
  const socket = connectionState(stream)?.raw ?? stream;
  return socketFd(socket) < 0 ? null : socket;
}
