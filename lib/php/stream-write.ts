// PHP's writing functions on the facade's streams: fwrite()/fputs(),
// fflush() and the buffer settings. A blocking fwrite() resolves once every
// byte reached the kernel (PHP's blocking send()); a non-blocking one sends
// once and resolves to what the kernel took, as PHP reports it.
import * as tls from 'node:tls';
import { errnoText, sendOnce } from '../socket/syscalls.js';
import { phpWarning, recordSocketError } from './diagnostics.js';
import { targetOf, type PhpStream } from './endpoints.js';
import { PhpServerStream } from './server.js';
import { activeSocket, connectionState, requireOpen, type ConnectionState } from './stream-state.js';
import { requireStream, requireStreamType } from './stream-args.js';
import { intParam, phpType, stringParam } from './values.js';

/** PHP's notice for a failed send(): `Send of N bytes failed with errno=E text`. */
function sendFailed(fn: string, length: number, errno: number): false {
  phpWarning(fn, `Send of ${length} bytes failed with errno=${errno} ${errnoText(errno)}`, 'Notice');
  return false;
}

function bytesOf(fn: string, data: unknown): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  const scalar = stringParam(fn, 2, 'data', data);
  if (scalar !== null) return Buffer.from(scalar);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`${fn}(): Argument #2 ($data) must be of type string, ${phpType(data)} given`);
}

/** PHP's fwrite(): the number of bytes written, or false (with PHP's notice). */
export async function fwrite(stream: PhpStream, data: string | ArrayBufferView, length: number | null = null): Promise<number | false> {
  return write('fwrite', stream, data, length);
}

/** PHP's fputs(), an alias of fwrite(). */
export async function fputs(stream: PhpStream, data: string | ArrayBufferView, length: number | null = null): Promise<number | false> {
  return write('fputs', stream, data, length);
}

async function write(fn: string, stream: PhpStream, data: unknown, length: number | null): Promise<number | false> {
  requireStreamType(fn, stream);
  let bytes = bytesOf(fn, data);
  length = intParam(fn, 3, 'length', length, true);
  requireOpen(fn, stream);
  if (length !== null) bytes = bytes.subarray(0, Math.max(0, length));
  if (bytes.length === 0) return 0;
  const fd = targetOf(stream);
  if (stream instanceof PhpServerStream || fd === null) {
    // A listener or an unconnected datagram socket: PHP's one send() fails (EPIPE, EDESTADDRREQ…).
    if (fd === null) return sendFailed(fn, bytes.length, stream instanceof PhpServerStream ? 9 : 32);
    try {
      return sendOnce(fd, bytes, 0, null);
    } catch (error) {
      recordSocketError(error);
      return sendFailed(fn, bytes.length, (error as { errno?: number }).errno ?? 5);
    }
  }
  const state = connectionState(stream);
  const socket = activeSocket(stream);
  // Node closed the fd after a reset or ended our side: PHP's send() would now fail with EPIPE.
  if (!socket.writable) return consumed(state, sendFailed(fn, bytes.length, 32));
  if (state !== null && !state.blocking) {
    // Nothing of ours queued: one non-blocking send() tells what the kernel takes now.
    if (socket.writableLength > 0 || socket.writableNeedDrain) return 0;
    if (socket instanceof tls.TLSSocket) {
      socket.write(bytes);
      return bytes.length;
    }
    try {
      return sendOnce(fd, bytes, 0, null);
    } catch (error) {
      const { errno = 5, code } = error as { errno?: number; code?: string };
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return 0;
      recordSocketError(error);
      return consumed(state, sendFailed(fn, bytes.length, errno));
    }
  }
  return new Promise((resolve) => {
    socket.write(bytes, (error) => {
      if (!error) return resolve(bytes.length);
      const errno = (error as NodeJS.ErrnoException).errno;
      resolve(consumed(state, sendFailed(fn, bytes.length, typeof errno === 'number' ? Math.abs(errno) : 32)));
    });
  });
}

/** A failed send took the socket's pending error: PHP's next read finds EOF, not the error. */
function consumed(state: ConnectionState | null, result: false): false {
  if (state) state.errorRead = true;
  return result;
}

/** PHP's fflush(): socket streams have no write buffer to flush. */
export function fflush(stream: PhpStream): boolean {
  requireStream('fflush', stream);
  return true;
}

/** PHP's stream_set_read_buffer(): 0, the read buffer is set (here: Node's, which it bounds nothing of). */
export function stream_set_read_buffer(stream: PhpStream, size: number): number {
  requireStreamType('stream_set_read_buffer', stream);
  intParam('stream_set_read_buffer', 2, 'size', size);
  requireOpen('stream_set_read_buffer', stream);
  return 0;
}

/** PHP's stream_set_write_buffer(): -1, socket streams do not buffer writes. */
export function stream_set_write_buffer(stream: PhpStream, size: number): number {
  requireStreamType('stream_set_write_buffer', stream);
  intParam('stream_set_write_buffer', 2, 'size', size);
  requireOpen('stream_set_write_buffer', stream);
  return -1;
}

/** PHP's umask(): the process umask, set when a mask is given; returns the previous one. */
export function umask(mask: number | null = null): number {
  return mask === null ? process.umask() : process.umask(mask & 0o777);
}
