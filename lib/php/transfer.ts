// stream_socket_sendto() and stream_socket_recvfrom(): bytes in and out of
// a server stream or an accepted connection, with PHP's results.
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { DatagramServer } from '../dgram/datagram.js';
import { constants as C, errnoText, receiveOnce, resolveHost, sendOnce, type Endpoint } from '../socket/syscalls.js';
import { STREAM_OOB, STREAM_PEEK } from './constants.js';
import { phpWarning, recordSocketError } from './diagnostics.js';
import { targetOf, type PhpStream } from './endpoints.js';
import { formatHostPort } from '../net/address.js';
import { PhpServerStream, type Ref } from './server.js';
import { activeSocket, connectionState, requireOpen } from './stream-state.js';
import { splitPhpHostPort } from './address.js';
import { readSome } from './read-side.js';
import { phpType, ValueError } from './values.js';

/** PHP's string argument as bytes: any ArrayBufferView is taken as its bytes; anything else is PHP's TypeError. */
function bytesOf(data: unknown): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (Buffer.isBuffer(data)) return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`stream_socket_sendto(): Argument #2 ($data) must be of type string, ${phpType(data)} given`);
}

/** Why a connection has no fd left: Node closed it after an error PHP would have reported (EPIPE, ECONNRESET). */
function lostReason(stream: PhpStream): string {
  const errno = stream instanceof PhpServerStream ? undefined : connectionState(stream)?.error?.errno;
  return typeof errno === 'number' ? errnoText(Math.abs(errno)) : 'Bad file descriptor';
}

function sysFailure(fn: string, error: unknown): -1 {
  const reason = (error as { reason?: string }).reason ?? String(error);
  recordSocketError(error);
  phpWarning(fn, `${reason}\n`); // sic: PHP's text ends with a newline
  return -1;
}

/**
 * PHP's stream_socket_sendto() on a stream: bytes sent, -1 on a system error
 * (with PHP's warning). Datagram targets arrive with the datagram issue.
 */
export function stream_socket_sendto(stream: PhpStream, data: string | ArrayBufferView, flags = 0, address = ''): number | false {
  requireOpen('stream_socket_sendto', stream);
  const bytes = bytesOf(data);
  const fd = targetOf(stream);
  if (fd === null) return sysFailure('stream_socket_sendto', { reason: lostReason(stream) });
  if (!(stream instanceof PhpServerStream) && activeSocket(stream) instanceof tls.TLSSocket) {
    // Encrypted: the bytes go through the TLS layer (PHP's sendto would bypass it; see the README).
    const secure = activeSocket(stream);
    if (!secure.writable) return sysFailure('stream_socket_sendto', { reason: 'Broken pipe' });
    secure.write(bytes);
    return bytes.length;
  }
  const sysFlags = flags & STREAM_OOB ? C.MSG_OOB! : 0;
  let target: Endpoint | null = null;
  if (address !== '') {
    const parsed = parseSendtoTarget(address);
    if (parsed === null) {
      phpWarning('stream_socket_sendto', `Failed to parse \`${address}' into a valid network address`);
      return false;
    }
    target = parsed;
  }
  try {
    return sendOnce(fd, bytes, sysFlags, target);
  } catch (error) {
    return sysFailure('stream_socket_sendto', error);
  }
}

/**
 * PHP's sendto target: `[v6]:port` or `host:port` split at the first colon,
 * the port through atoi() into 16 bits; a numeric IPv6, then IPv4 address,
 * else the resolver's first answer. Unix paths are not targets (as in PHP).
 */
function parseSendtoTarget(target: string): Endpoint | null {
  const split = splitPhpHostPort(target, 'sendto');
  if (split === null) return null;
  const { host, port } = split;
  const version = isIP(host);
  if (version !== 0) return { family: version === 6 ? C.AF_INET6 : C.AF_INET, address: host, port };
  try {
    const [first] = resolveHost(host, C.AF_UNSPEC, C.SOCK_DGRAM);
    return first === undefined ? null : { ...first, port };
  } catch (error) {
    // PHP reports the resolver twice before its "Failed to parse".
    const text = `php_network_getaddresses: getaddrinfo for ${host} failed: ${(error as { reason?: string }).reason}`;
    phpWarning('stream_socket_sendto', text);
    phpWarning('stream_socket_sendto', `Failed to resolve \`${host}': ${text}`);
    return null;
  }
}

/**
 * PHP's stream_socket_recvfrom() on a stream socket: at most `length` bytes,
 * waiting for data like PHP's blocking recv(); "" at end of stream; false on
 * an error (silently, as PHP). STREAM_PEEK leaves the data to be read again;
 * STREAM_OOB reads TCP urgent data.
 */
export async function stream_socket_recvfrom(
  stream: PhpStream,
  length: number,
  flags = 0,
  address?: Ref<string | null> | null,
): Promise<Buffer | false> {
  if (!(length > 0)) throw new ValueError('stream_socket_recvfrom(): Argument #2 ($length) must be greater than 0');
  requireOpen('stream_socket_recvfrom', stream);
  if (address) address.value = null;
  const fd = targetOf(stream);
  if (fd === null) return false;
  if (stream instanceof PhpServerStream) {
    // Listeners: ENOTCONN, silently. Datagram servers: one datagram.
    return stream.server instanceof DatagramServer ? recvDatagram(stream, stream.server, length, flags, address) : false;
  }
  try {
    if (flags & STREAM_OOB && !(activeSocket(stream) instanceof tls.TLSSocket)) {
      const got = receiveOnce(fd, length, C.MSG_OOB! | C.MSG_DONTWAIT!);
      if (got === null) return false;
      if (address) address.value = '';
      return got.data;
    }
    const data = await readSome(activeSocket(stream), length, (flags & STREAM_PEEK) !== 0);
    if (address) address.value = '';
    return data;
  } catch (error) {
    recordSocketError(error);
    return false;
  }
}

/** One datagram, up to `length` bytes (the rest is lost, as in PHP); waits unless the stream is non-blocking. */
export async function recvDatagram(
  stream: PhpServerStream,
  server: DatagramServer,
  length: number,
  flags: number,
  address?: Ref<string | null> | null,
): Promise<Buffer | false> {
  try {
    const got = await server.recvfrom(length, {
      peek: (flags & STREAM_PEEK) !== 0,
      oob: (flags & STREAM_OOB) !== 0,
      ...(stream.blocking ? {} : { timeout: 0 }),
    });
    if (address)
      // PHP prints a link-local sender without its scope (the core's `from` carries it: fe80::1%eth0).
      address.value =
        got.from === null
          ? ''
          : got.from.family === 'unix'
            ? got.from.path
            : formatHostPort(got.from.address.split('%')[0]!, got.from.port);
    return got.data;
  } catch (error) {
    recordSocketError(error);
    return false;
  }
}
