// PHP's reading functions on a udp/udg server stream. PHP reads a datagram
// socket through the same stream buffer as a connection: a recv() brings in
// one datagram (up to 8 KiB), fread(5) of a longer one leaves the rest
// buffered for the next read, and fgets() joins datagrams until a newline.
// The stream's read timeout bounds each wait; non-blocking, nothing waits.
import { SocketError } from '../index.js';
import type { DatagramServer } from '../dgram/datagram.js';
import { recordSocketError } from './diagnostics.js';
import type { PhpServerStream } from './server.js';
import { timeoutMs } from './stream-state.js';

/** PHP's chunk: one recv() asks the socket for this much (stream-read.ts too). */
export const CHUNK = 8192;

/**
 * How many of the collected bytes make the answer (null: not yet). `ended`:
 * nothing more will come now (EOF, timeout, or a non-blocking stream ran
 * dry); `eof`: the peer has ended it. Shared with stream-read.ts.
 */
export type Enough = (collected: Buffer, ended: boolean, eof: boolean) => number | null;

/** Reads like PHP's stream layer from `server`'s datagrams; null when nothing at all is returned. */
export async function collectDatagrams(
  stream: PhpServerStream,
  server: DatagramServer,
  enough: Enough,
  limit = Infinity,
  reads = Infinity,
): Promise<Buffer | null> {
  const ms = stream.blocking ? timeoutMs(stream.readTimeout) : 0;
  const started = Date.now();
  stream.timedOut = false;
  let collected: Buffer = Buffer.alloc(0);
  let recvs = 0;
  const finish = (count: number | null): Buffer | null => {
    const used = count ?? 0;
    if (used < collected.length) stream.pending = Buffer.concat([collected.subarray(used), stream.pending]);
    return used === 0 ? null : collected.subarray(0, used);
  };
  for (;;) {
    const fromBuffer = Math.min(stream.pending.length, limit - collected.length);
    if (fromBuffer > 0) {
      collected = Buffer.concat([collected, stream.pending.subarray(0, fromBuffer)]);
      stream.pending = stream.pending.subarray(fromBuffer);
    }
    const count = enough(collected, false, false);
    if (count !== null) return finish(count);
    if (collected.length >= limit || recvs >= reads) return finish(collected.length);
    const left = ms === undefined ? undefined : Math.max(0, ms - (Date.now() - started));
    try {
      const got = await server.recvfrom(CHUNK, left === undefined ? {} : { timeout: left });
      stream.pending = Buffer.concat([stream.pending, got.data]);
      recvs++;
    } catch (error) {
      const timedOut = error instanceof SocketError && error.code === 'ETIMEDOUT';
      if (!timedOut) recordSocketError(error);
      if (timedOut && stream.blocking) stream.timedOut = true;
      return finish(enough(collected, true, !timedOut));
    }
  }
}
