// The JSON line bench/build/loadgen prints at the end of a run (loadgen.c):
// one shape for every benchmark that drives it.
export interface LoadResult {
  connections: number;
  seconds: number;
  connPerSec: number;
  p50us: number;
  p99us: number;
  connectErrors: number;
  ioErrors: number;
  /** With -P: headers sent only after the handshake completed (EPOLLOUT). */
  headersLater?: number;
}
