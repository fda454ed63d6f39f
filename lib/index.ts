// Public surface of stream-socket-server.
export { openServer, StreamServer } from './server.js';
export type { AcceptOptions, AcceptQueue, AddressInfo } from './server.js';
export type { ServerOptions } from './options.js';
export { DEFAULT_BACKLOG } from './options.js';
export { SocketError } from './errors.js';
export { TRANSPORTS } from './url.js';
export type { Transport } from './url.js';
