// Accepted fd -> net.Socket. `new net.Socket({ fd })` first asks libuv what
// the fd is (uv_guess_handle: fstat + getsockname + getsockopt), which cost
// ~6 µs per connection here, a quarter of the whole per-connection budget.
// We already know: the fd came from accept4() on a TCP listener. So when
// Node exposes its TCP wrap (process.binding('tcp_wrap'), in every Node from
// 20 to 26), we open the fd on one directly, exactly as node:net's own
// server does, and fall back to the public { fd } path otherwise.
import net from 'node:net';
import { native } from './native.js';

interface TcpWrap {
  open(fd: number): number;
}
type TcpWrapConstructor = new (type: number) => TcpWrap;

function loadTcpWrap(): { TCP: TcpWrapConstructor; SOCKET: number } | undefined {
  // process.binding is deprecated (DEP0111, documentation-only): stay off it
  // where using it would print a warning.
  if (process.execArgv.includes('--pending-deprecation') || process.env.NODE_PENDING_DEPRECATION === '1') return undefined;
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding('tcp_wrap');
    const TCP = binding.TCP as TcpWrapConstructor | undefined;
    const SOCKET = (binding.constants as { SOCKET?: number } | undefined)?.SOCKET;
    return typeof TCP === 'function' && typeof SOCKET === 'number' ? { TCP, SOCKET } : undefined;
  } catch {
    return undefined;
  }
}

const tcpWrap = loadTcpWrap();

/** True when accepted fds are wrapped without uv_guess_handle (see above). */
export const FAST_WRAP = tcpWrap !== undefined;

function tcpSocket(fd: number): net.Socket {
  if (tcpWrap === undefined) return new net.Socket({ fd, readable: true, writable: true });
  const handle = new tcpWrap.TCP(tcpWrap.SOCKET);
  const err = handle.open(fd);
  if (err !== 0) {
    // libuv's negative errno; the fd is still ours to close (below).
    throw Object.assign(new Error(`open: libuv error ${err}`), { errno: -err, syscall: 'uv_tcp_open' });
  }
  return new net.Socket({ handle, readable: true, writable: true } as net.SocketConstructorOpts);
}

/** Ownership of `fd` moves to the returned socket; if that fails, the fd is closed. */
export function wrapAccepted(fd: number): net.Socket {
  try {
    return tcpSocket(fd);
  } catch (error) {
    native.closeRaw(fd);
    throw error;
  }
}
