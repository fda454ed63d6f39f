// Public surface of stream-socket-server.
export { openServer } from './open.js';
export { StreamServer } from './server.js';
export type { AcceptOptions, AcceptQueue, AddressInfo, UnixAddressInfo } from './server.js';
export type { ServerOptions, DatagramOptions, SocketOptions } from './options.js';
export { DatagramServer } from './datagram.js';
export type { Datagram, RecvOptions, IterateOptions, DatagramStats, DatagramTarget } from './datagram.js';
export { DEFAULT_BACKLOG } from './options.js';
export { SocketError } from './errors.js';
export { TRANSPORTS } from './url.js';
export type { Transport } from './url.js';
export * from './php/index.js';
