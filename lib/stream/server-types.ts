// The shapes StreamServer's API takes and gives: accept options and stats.
import type { AcceptCounters } from './acceptor.js';
import type { ListenCounters } from '../socket/netstat.js';
import type { GateStats } from '../proxy/gate.js';

export interface AcceptOptions {
  /** Abort the wait; the promise rejects with signal.reason. */
  signal?: AbortSignal;
  /** Milliseconds to wait; then the promise rejects with an ETIMEDOUT SocketError. */
  timeout?: number;
  /** accept() only: start the socket paused (node:net's pauseOnConnect): nothing is read from the kernel until `read()` or `resume()`. */
  paused?: boolean;
  /** accept() only: overrides the server's `allowHalfOpen` for this connection. */
  allowHalfOpen?: boolean;
}

/** With proxyProtocol or admission, `accepted` counts what accept4() took, `proxy` and `refused` what the gate reset of it. */
export interface ServerStats extends AcceptCounters, GateStats {
  /** The backlog asked for, the limit the kernel applied, and who clamped it. */
  backlog: {
    requested: number | undefined;
    applied: number | undefined;
    somaxconn: number | undefined;
    clampedBy: 'net.core.somaxconn' | null;
  };
  /** The accept queue now (TCP). */
  queue: AcceptQueue | undefined;
  /**
   * TcpExt ListenOverflows / ListenDrops since this server opened. They count
   * every listener of the network namespace: set them beside your client's own
   * retransmit/timeout counts, not in their place.
   */
  system: ListenCounters | undefined;
}

export interface AcceptQueue {
  /** Connections completed by the kernel and waiting for accept(). */
  length: number;
  /** The limit the kernel applies: the backlog, clamped to net.core.somaxconn (0 when not listening). */
  limit: number;
}
