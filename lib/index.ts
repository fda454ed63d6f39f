// Public surface of stream-socket-server.
export { openServer } from './open.js';
export { StreamServer } from './server.js';
export type { AcceptOptions, AcceptQueue, AddressInfo, UnixAddressInfo, ServerStats, OverflowSample } from './server.js';
export type { AcceptErrorPolicy, AcceptCounters } from './acceptor.js';
export type { ServerOptions, DatagramOptions, SocketOptions, TcpOptions } from './options.js';
export { SOCKET_OPTIONS } from './sockopts.js';
export type { SocketOptionName } from './sockopts.js';
export { C as constants } from './native.js';
export { DatagramServer } from './datagram.js';
export type { Datagram, RecvOptions, IterateOptions, DatagramStats, DatagramTarget } from './datagram.js';
export { DEFAULT_BACKLOG } from './options.js';
export { SocketError } from './errors.js';
export { TRANSPORTS } from './url.js';
export type { Transport } from './url.js';
export * from './php/index.js';
