// Accepted fd -> net.Socket. `new net.Socket({ fd })` first asks libuv what
// the fd is (uv_guess_handle: fstat + getsockname + getsockopt), which cost
// ~6 µs per connection here, a quarter of the whole per-connection budget.
// We already know: the fd came from accept4() on a TCP listener. So when
// Node exposes its TCP wrap (process.binding('tcp_wrap'), in every Node from
// 20 to 26), we open the fd on one directly, exactly as node:net's own
// server does, and fall back to the public { fd } path otherwise.
import * as net from 'node:net';
import { closeSync } from 'node:fs';

interface StreamWrap {
  open(fd: number): number;
}
type StreamWrapConstructor = new (type: number) => StreamWrap;
interface WrapClass {
  Wrap: StreamWrapConstructor;
  SOCKET: number;
}

/** What an accepted fd is: a TCP socket, or a unix stream socket (libuv: a pipe). */
export type SocketKind = 'tcp' | 'pipe';

/**
 * process.binding is deprecated (DEP0111, documentation-only): Node prints a
 * warning for it under --pending-deprecation, which comes on the command line,
 * in NODE_OPTIONS, or as NODE_PENDING_DEPRECATION=1. Node takes `_` for `-`
 * in its flags, and NODE_OPTIONS may quote them.
 */
function pendingDeprecation(): boolean {
  const isFlag = (arg: string) => arg.replace(/^["']|["']$/g, '').replaceAll('_', '-') === '--pending-deprecation';
  if (process.execArgv.some(isFlag)) return true;
  if (process.env.NODE_PENDING_DEPRECATION === '1') return true;
  return (process.env.NODE_OPTIONS ?? '').split(/\s+/).some(isFlag);
}

function loadWrap(binding: 'tcp_wrap' | 'pipe_wrap', className: 'TCP' | 'Pipe'): WrapClass | undefined {
  // Stay off process.binding where using it would print a warning.
  if (pendingDeprecation()) return undefined;
  try {
    const exports = (process as unknown as { binding(name: string): Record<string, unknown> }).binding(binding);
    const Wrap = exports[className] as StreamWrapConstructor | undefined;
    const SOCKET = (exports.constants as { SOCKET?: number } | undefined)?.SOCKET;
    return typeof Wrap === 'function' && typeof SOCKET === 'number' ? { Wrap, SOCKET } : undefined;
  } catch {
    return undefined;
  }
}

const wraps: Record<SocketKind, WrapClass | undefined> = {
  tcp: loadWrap('tcp_wrap', 'TCP'),
  pipe: loadWrap('pipe_wrap', 'Pipe'),
};

/**
 * Which way accepted fds of `kind` become sockets: 'private' (Node's own
 * TCP/Pipe wrap, no uv_guess_handle) or 'public' (`new net.Socket({ fd })`).
 * Read-only; for tests and diagnostics.
 */
export function socketWrapPath(kind: SocketKind): 'private' | 'public' {
  return wraps[kind] === undefined ? 'public' : 'private';
}

/** How an accepted socket starts: node:net's pauseOnConnect and allowHalfOpen. */
export interface WrapOptions {
  /** libuv reads nothing until the user does. */
  paused?: boolean;
  /** The peer's FIN ends only the readable side; we may still write (node:net's default: false). */
  allowHalfOpen?: boolean;
}

function openSocket(fd: number, kind: SocketKind, options: WrapOptions): net.Socket {
  const wrap = wraps[kind];
  const pauseOnCreate = options.paused === true;
  const allowHalfOpen = options.allowHalfOpen === true;
  if (wrap === undefined)
    return new net.Socket({ fd, readable: true, writable: true, pauseOnCreate, allowHalfOpen } as net.SocketConstructorOpts);
  const handle = new wrap.Wrap(wrap.SOCKET);
  const err = handle.open(fd);
  if (err !== 0) {
    (handle as unknown as { close(): void }).close(); // a wrap that opened nothing still is a libuv handle
    // libuv's negative errno; the fd is still ours to close (below).
    throw Object.assign(new Error(`open: libuv error ${err}`), { errno: -err, syscall: kind === 'tcp' ? 'uv_tcp_open' : 'uv_pipe_open' });
  }
  // One literal, the shape node:net's own onconnection passes.
  return new net.Socket({ handle, readable: true, writable: true, pauseOnCreate, allowHalfOpen } as net.SocketConstructorOpts);
}

/** Ownership of `fd` moves to the returned socket; if that fails, the fd is closed. */
export function wrapAccepted(fd: number, kind: SocketKind, options: WrapOptions = {}): net.Socket {
  try {
    return openSocket(fd, kind, options);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
