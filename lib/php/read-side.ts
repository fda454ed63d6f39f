// Reading a connection as PHP's stream functions do, from Node's own read
// buffer: what fread() and friends take is gone from the socket (no 'data'
// event repeats it), what they leave stays for the next call or for a 'data'
// listener. Nothing is copied to a buffer of our own, so nothing is lost when
// a program mixes the PHP functions with the Node view of the same socket.
import type * as net from 'node:net';
import { constants as C, receiveOnce, type SocketRef } from '../socket/syscalls.js';

/** The peer has ended and everything it sent has been read. */
export function drained(socket: net.Socket): boolean {
  if (socket.readableLength > 0) return false;
  // `ended`: the FIN arrived; 'end' itself is only emitted once a read finds the buffer empty.
  const state = (socket as unknown as { _readableState?: { ended?: boolean } })._readableState;
  return socket.readableEnded || socket.destroyed || state?.ended === true;
}

/**
 * What a poll of the fd would say before Node reads from it: data or the
 * peer's FIN waiting in the kernel (PHP's feof() and stream_select() ask the
 * kernel the same way: a non-blocking MSG_PEEK).
 */
export function kernelReadable(fd: SocketRef): 'data' | 'eof' | 'none' {
  try {
    const peek = receiveOnce(fd, 1, C.MSG_PEEK! | C.MSG_DONTWAIT!);
    if (peek === null) return 'none';
    return peek.length === 0 ? 'eof' : 'data';
  } catch {
    return 'eof'; // ECONNRESET and the like: a read would end now
  }
}

/**
 * A non-blocking recv() of what waits in the kernel, appended to Node's read
 * buffer in stream order (Node reads the fd only once asked, so a
 * non-blocking PHP read would otherwise miss what has arrived). Plain sockets
 * only: a TLS socket's bytes are Node's to decrypt. True if any arrived.
 */
export function pullFromKernel(socket: net.Socket, fd: SocketRef | null): boolean {
  if (fd === null || socket.readableEnded || socket.destroyed) return false;
  try {
    const got = receiveOnce(fd, 65536, C.MSG_DONTWAIT!);
    if (got === null || got.data.length === 0) return false;
    socket.push(got.data);
    return true;
  } catch {
    return false; // a reset: Node's own read reports it
  }
}

/**
 * PHP's recv() at the end of a stream: libuv reports a peer's RST after its
 * last data as a plain EOF (the poll saw the hangup), but the socket still
 * holds the error, and PHP's next recv() fails with it. True if one did
 * (the error is then consumed, as by PHP's).
 */
export function failsAtEnd(fd: SocketRef | null): boolean {
  if (fd === null) return false;
  try {
    receiveOnce(fd, 1, C.MSG_DONTWAIT!);
    return false;
  } catch {
    return true;
  }
}

export type Wake = 'data' | 'eof' | 'timeout';

/**
 * Waits until the socket has bytes buffered or has ended, or `ms` passes
 * (undefined: forever); rejects with a socket error that comes meanwhile.
 * Asking for a read makes Node read from the fd.
 */
export function whenReadable(socket: net.Socket, ms: number | undefined, signal?: AbortSignal): Promise<Wake> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      if (socket.readableLength > 0) return finish('data');
      if (drained(socket)) return finish('eof');
      return false;
    };
    const finish = (wake: Wake): true => {
      cleanup();
      resolve(wake);
      return true;
    };
    const onAbort = (): void => {
      cleanup();
      reject(signal!.reason);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const timer = ms === undefined ? undefined : setTimeout(() => finish('timeout'), ms);
    const retry = (): void => void check();
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('readable', retry).off('end', retry).off('close', retry).off('error', onError);
    };
    if (check()) return;
    socket.on('readable', retry).on('end', retry).on('close', retry).on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Up to `max` bytes of what Node has buffered, taken now (an empty Buffer when nothing is). */
export function take(socket: net.Socket, max: number): Buffer {
  const length = Math.min(max, socket.readableLength);
  if (length === 0) return Buffer.alloc(0);
  return (socket.read(length) as Buffer | null) ?? Buffer.alloc(0);
}

/**
 * Takes bytes up to and including the first `delimiter` within the first
 * `max` buffered bytes; null when the buffer has no delimiter there yet
 * (and fewer than `max` bytes), leaving everything in place.
 */
export function takeThrough(socket: net.Socket, delimiter: Buffer, max: number): Buffer | null {
  const all = socket.read() as Buffer | null;
  if (all === null) return null;
  const at = all.subarray(0, max).indexOf(delimiter);
  const end = at >= 0 ? at + delimiter.length : all.length >= max ? max : -1;
  if (end < 0) {
    socket.unshift(all);
    return null;
  }
  if (end < all.length) socket.unshift(all.subarray(end));
  return all.subarray(0, end);
}

/** One "recv": up to `length` bytes, waiting for some (forever); peek leaves them in place. */
export async function readSome(socket: net.Socket, length: number, peek: boolean): Promise<Buffer> {
  const wake = await whenReadable(socket, undefined);
  if (wake !== 'data') return Buffer.alloc(0);
  const chunk = take(socket, length);
  if (peek && chunk.length > 0) socket.unshift(chunk);
  return chunk;
}
