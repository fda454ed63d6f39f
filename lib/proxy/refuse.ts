// How a connection that is never handed out ends: with a reset (SO_LINGER
// on, timeout 0, then close), not a FIN. The peer learns at once, and
// unmistakably, that nothing will be served: a FIN would read as "the server
// answered and closed", and a client that already sent its request could
// take that for a served one. And the server keeps no TIME_WAIT per refused
// connection, which matters most under the floods that limits exist for.
import { C, native, type NativeHandle } from '../binding/native.js';

/** struct linger { int l_onoff = 1; int l_linger = 0; }: close() sends RST. */
const RESET = new Int32Array([1, 0]);

export function refuse(handle: NativeHandle): void {
  try {
    native.setsockoptBuffer(handle, C.SOL_SOCKET, C.SO_LINGER, RESET);
  } catch {
    // Already reset by the peer, or a unix socket (no RST to send): close() ends it as well.
  }
  native.close(handle);
}
