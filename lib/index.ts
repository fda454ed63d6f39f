// Public surface of stream-socket-server.
// The types speak Buffer and net.Socket: without @types/node a TypeScript user
// gets one error that names it, not one per use.
/// <reference types="node" preserve="true" />
export { openServer } from './open/open.js';
export { systemdListeners } from './open/systemd.js';
export type { InheritedOptions } from './open/inherit.js';
export type { Origin } from './socket/bound-socket.js';
export type { HandoverOptions, HandoverResult } from './lifecycle/handover-offer.js';
export type { DrainOptions, DrainResult } from './lifecycle/drain.js';
export { StreamServer } from './stream/server.js';
export type { AcceptOptions, AcceptQueue, AddressInfo, UnixAddressInfo, ServerStats, OverflowSample } from './stream/server.js';
export type { AcceptErrorPolicy, AcceptCounters } from './stream/acceptor.js';
export type { DatagramOptions, SocketOptions, TcpOptions } from './options/options.js';
export type { ServerOptions } from './open/open.js';
export { proxyOf } from './stream/connections.js';
export type { ProxiedSocket } from './stream/connections.js';
export type { GateOptions, GateStats } from './proxy/gate.js';
export type { ProxyProtocolOptions, DropReason } from './proxy/reader.js';
export type { AdmissionOptions, Peer } from './proxy/admission.js';
export type { ProxyHeader } from './proxy/header.js';
export type { ProxyTlvs } from './proxy/tlv.js';
export { SOCKET_OPTIONS } from './options/sockopts.js';
export type { SocketOptionName } from './options/sockopts.js';
export { C as constants } from './binding/native.js';
export { DatagramServer } from './dgram/datagram.js';
export type { Datagram, RecvOptions, IterateOptions, DatagramStats, DatagramTarget } from './dgram/datagram.js';
export { DEFAULT_BACKLOG } from './options/options.js';
export { SocketError } from './binding/errors.js';
export { TRANSPORTS } from './net/url.js';
export type { Transport } from './net/url.js';
export { TlsServer, startTls } from './tls/tls-server.js';
export type { TlsOptions, TlsStats } from './tls/tls-server.js';
export { selfSignedCertificate } from './tls/selfsigned.js';
export type { SelfSigned, SelfSignedOptions } from './tls/selfsigned.js';
