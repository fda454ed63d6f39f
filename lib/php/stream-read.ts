// PHP's reading functions on the facade's streams: fread(), fgets(),
// fgetc(), stream_get_line(), stream_get_contents() and feof(). Bytes are
// Buffers; PHP's '' is an empty Buffer. Where PHP blocks they return a
// Promise, bounded by the stream's read timeout (stream_set_timeout(),
// default_socket_timeout), after which meta `timed_out` is true.
import type * as net from 'node:net';
import { DatagramServer } from '../dgram/datagram.js';
import { phpWarning } from './diagnostics.js';
import { targetOf, type PhpStream } from './endpoints.js';
import { drained, failsAtEnd, kernelReadable, pullFromKernel, take, whenReadable } from './read-side.js';
import { PhpServerStream } from './server.js';
import { activeSocket, connectionState, requireOpen, timeoutMs } from './stream-state.js';
import { requireStream, requireStreamType } from './stream-args.js';
import { CHUNK, collectDatagrams, type Enough } from './datagram-read.js';
import { intParam, ValueError } from './values.js';

/**
 * What PHP's stream layer holds in its own read buffer, counted at the head
 * of Node's: a socket read (recv) brings in up to 8 KiB of what has arrived,
 * and PHP serves from those bytes before it reads the socket again. Kept per
 * stream (for sockets the facade did not hand out, here).
 */
const foreign = new WeakMap<net.Socket, { buffered: number; position: number; timedOut: boolean }>();
function accountOf(stream: net.Socket): { buffered: number; position: number; timedOut: boolean } {
  const state = connectionState(stream);
  if (state) return state;
  let account = foreign.get(stream);
  if (!account) foreign.set(stream, (account = { buffered: 0, position: 0, timedOut: false }));
  return account;
}

/**
 * Reads as PHP's stream layer does: from PHP's buffer first, then socket
 * reads (waiting for data on a blocking stream, up to its read timeout)
 * until `enough` says how many bytes make the answer, or `reads` socket reads
 * were made (fread: one), or the stream ends. Unused bytes go back, still
 * PHP's. Null: nothing at all to return.
 */
async function collectConnection(stream: net.Socket, enough: Enough, limit = Infinity, reads = Infinity): Promise<Buffer | null> {
  const state = connectionState(stream);
  const account = accountOf(stream);
  const socket = activeSocket(stream);
  const blocking = state?.blocking ?? true;
  const ms = blocking ? timeoutMs(state?.readTimeout ?? null) : 0;
  const started = Date.now();
  account.timedOut = false;
  let collected: Buffer = Buffer.alloc(0);
  let socketReads = 0;
  const finish = (count: number | null) => settle(account, socket, collected, count ?? 0);
  for (;;) {
    const buffered = Math.min(account.buffered, socket.readableLength, limit - collected.length);
    if (buffered > 0) {
      const more = take(socket, buffered);
      collected = collected.length === 0 ? more : Buffer.concat([collected, more]);
    }
    account.buffered = Math.min(account.buffered, socket.readableLength);
    const count = enough(collected, false, false);
    if (count !== null) return finish(count);
    if (collected.length >= limit || socketReads >= reads) return finish(collected.length);
    // One socket read: up to 8 KiB of what has arrived, at once; else wait for it.
    if (socket.readableLength > account.buffered) {
      account.buffered += Math.min(CHUNK, socket.readableLength - account.buffered);
      socketReads++;
      continue;
    }
    if (drained(socket)) {
      if (state) state.eofSeen = true;
      return finish(enough(collected, true, true));
    }
    if (!blocking) {
      if (socket === stream && pullFromKernel(socket, targetOf(stream))) continue;
      socket.read(0); // start reading, so a later call finds what arrives
      return finish(enough(collected, true, false));
    }
    const left = ms === undefined ? undefined : Math.max(0, ms - (Date.now() - started));
    const wake = await whenReadable(socket, left).catch(() => 'eof' as const);
    if (wake === 'timeout') {
      account.timedOut = true;
      return finish(enough(collected, true, false));
    }
  }
}

/**
 * The reads of every function below: a connection's, a datagram server's
 * (datagram-read.ts), or a listener's (PHP's recv fails there: it waits for
 * the read timeout, then nothing).
 */
async function collect(stream: PhpStream, enough: Enough, limit = Infinity, reads = Infinity): Promise<Buffer | null> {
  if (!(stream instanceof PhpServerStream)) return collectConnection(stream, enough, limit, reads);
  if (stream.server instanceof DatagramServer) return collectDatagrams(stream, stream.server, enough, limit, reads);
  if (stream.blocking) await stream.waitUnlessClosed(timeoutMs(stream.readTimeout));
  return null;
}

function settle(account: { buffered: number; position: number }, socket: net.Socket, collected: Buffer, count: number): Buffer | null {
  if (count < collected.length) {
    socket.unshift(collected.subarray(count));
    account.buffered += collected.length - count; // still in PHP's buffer
  }
  if (count === 0) return null;
  account.position += count;
  return collected.subarray(0, count);
}

/** PHP's fread(): one read's worth (up to `length` bytes); '' at EOF or when a non-blocking stream has nothing; false on a timeout or a listener. */
export async function fread(stream: PhpStream, length: number): Promise<Buffer | false> {
  requireStreamType('fread', stream);
  length = intParam('fread', 2, 'length', length) as number;
  if (!(length > 0)) throw new ValueError('fread(): Argument #2 ($length) must be greater than 0');
  requireOpen('fread', stream);
  // What PHP's buffer holds, then one socket read if that was not enough (PHP waits for it).
  const got = await collect(
    stream,
    (collected, ended) => (collected.length >= length || (ended && collected.length > 0) ? collected.length : null),
    length,
    1,
  );
  if (got !== null) return got;
  // A datagram server with nothing there (non-blocking): ""; a listener, or any read that timed out: false.
  if (stream instanceof PhpServerStream) return stream.server instanceof DatagramServer && !stream.timedOut ? Buffer.alloc(0) : false;
  const state = connectionState(stream);
  // `errored` is set with the destroy; the 'error' event (state.error) comes a tick later.
  if (state && !state.errorRead) {
    const reset = state.error ?? stream.errored ?? activeSocket(stream).errored;
    if (reset || (activeSocket(stream) === stream && drained(stream) && failsAtEnd(targetOf(stream)))) {
      state.errorRead = true; // a reset: PHP's recv() fails once (false, silently), then reads EOF
      return false;
    }
  }
  return accountOf(stream).timedOut ? false : Buffer.alloc(0);
}

/** PHP's fgets(): up to and including "\n", at most `length - 1` bytes; false at EOF with nothing read. */
export async function fgets(stream: PhpStream, length: number | null = null): Promise<Buffer | false> {
  requireStreamType('fgets', stream);
  length = intParam('fgets', 2, 'length', length, true);
  if (length !== null && !(length > 0)) throw new ValueError('fgets(): Argument #2 ($length) must be greater than 0');
  requireOpen('fgets', stream);
  const max = length === null ? Infinity : length - 1;
  if (max === 0) return false;
  const got = await collect(
    stream,
    (collected, ended) => {
      const newline = collected.subarray(0, Math.min(collected.length, max)).indexOf(0x0a);
      if (newline >= 0) return newline + 1;
      if (collected.length >= max) return max;
      return ended && collected.length > 0 ? collected.length : null;
    },
    max,
  );
  return got ?? false;
}

/** PHP's fgetc(): one byte, false at EOF. */
export async function fgetc(stream: PhpStream): Promise<Buffer | false> {
  requireStream('fgetc', stream);
  return (await collect(stream, (collected) => (collected.length > 0 ? 1 : null), 1)) ?? false;
}

/**
 * PHP's stream_get_line(): up to `ending` (consumed, not returned) or
 * `length` bytes (0: PHP's 8192) or EOF; false at EOF with nothing read.
 */
export async function stream_get_line(stream: PhpStream, length: number, ending = ''): Promise<Buffer | false> {
  requireStreamType('stream_get_line', stream);
  length = intParam('stream_get_line', 2, 'length', length) as number;
  if (!(length >= 0)) throw new ValueError('stream_get_line(): Argument #2 ($length) must be greater than or equal to 0');
  requireOpen('stream_get_line', stream);
  const max = length === 0 ? CHUNK : length;
  const delimiter = Buffer.from(ending);
  let skip = 0;
  // Short of the ending and of `length`: PHP keeps the bytes (false) unless the stream ended.
  const got = await collect(stream, (collected, _ended, eof) => {
    if (delimiter.length > 0) {
      const at = collected.subarray(0, max + delimiter.length).indexOf(delimiter);
      if (at >= 0 && at <= max) {
        skip = delimiter.length;
        return at + delimiter.length;
      }
    }
    if (collected.length >= max) return max;
    return eof && collected.length > 0 ? collected.length : null;
  });
  if (got === null) return false;
  return got.subarray(0, got.length - skip);
}

/**
 * PHP's stream_get_contents(): what is left until EOF (or `length` bytes).
 * A socket cannot seek: an `offset` other than -1 gets PHP's two warnings
 * and false, unless it lies ahead of what was read (then PHP skips forward).
 */
export async function stream_get_contents(stream: PhpStream, length: number | null = null, offset = -1): Promise<Buffer | false> {
  requireStreamType('stream_get_contents', stream);
  length = intParam('stream_get_contents', 2, 'length', length, true);
  offset = intParam('stream_get_contents', 3, 'offset', offset) as number;
  if (length !== null && length < -1) {
    throw new ValueError('stream_get_contents(): Argument #2 ($length) must be greater than or equal to -1');
  }
  requireOpen('stream_get_contents', stream);
  if (stream instanceof PhpServerStream) {
    return (await collect(stream, (collected, ended) => (ended ? collected.length : null))) ?? Buffer.alloc(0);
  }
  const position = accountOf(stream).position;
  if (offset >= 0 && offset < position) {
    phpWarning('stream_get_contents', 'Stream does not support seeking');
    phpWarning('stream_get_contents', `Failed to seek to position ${offset} in the stream`);
    return false;
  }
  // Forward: PHP reads and drops the bytes in between.
  const skip = offset - position;
  if (skip > 0) await collect(stream, (collected, ended) => (collected.length >= skip ? skip : ended ? collected.length : null), skip);
  const max = length === null || length === -1 ? Infinity : length;
  if (max === 0) return Buffer.alloc(0);
  const got = await collect(stream, (collected, ended) => (collected.length >= max ? max : ended ? collected.length : null), max);
  return got ?? Buffer.alloc(0);
}

/** PHP's feof(): true once the peer has ended and everything it sent has been read. */
export function feof(stream: PhpStream): boolean {
  requireStream('feof', stream);
  if (stream instanceof PhpServerStream) return false;
  const socket = activeSocket(stream);
  if (socket.readableLength > 0) return false;
  let eof = drained(socket);
  // TLS: only a read can tell a close_notify from data.
  if (!eof && socket === stream) {
    const fd = targetOf(stream);
    eof = fd === null || kernelReadable(fd) === 'eof';
  }
  const state = connectionState(stream);
  if (eof && state) state.eofSeen = true;
  return eof;
}
