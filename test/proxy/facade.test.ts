// The PHP facade behind a PROXY balancer: the socket context option
// proxy_protocol (our extension; PHP ignores unknown options) makes
// stream_socket_accept()'s $peer_name and stream_socket_get_name($conn, true)
// name the client the header names, and fread() starts at the client's own
// bytes. A connection the core refuses never reaches the PHP program.
import { once } from 'node:events';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  fclose,
  fread,
  ref,
  stream_context_create,
  stream_socket_accept,
  stream_socket_get_name,
  stream_socket_server,
  type PhpServerStream,
} from '../../lib/php/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';

const track = checkSocketLeaks();

function serve(proxy: Record<string, unknown>): { server: PhpServerStream; port: number } {
  const context = stream_context_create({ socket: { proxy_protocol: proxy } });
  const server = stream_socket_server('tcp://127.0.0.1:0', null, null, 12, context);
  if (server === false) throw new Error('cannot serve');
  track(server);
  return { server, port: Number(String(stream_socket_get_name(server, false)).split(':').pop()) };
}

async function send(port: number, data: string | Buffer): Promise<net.Socket> {
  const socket = track(net.connect(port, '127.0.0.1'));
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(data);
  return socket;
}

/** A v2 PROXY header for TCP over IPv6 from [2001:db8::7]:5555 to [2001:db8::1]:443. */
function v2Tcp6(): Buffer {
  const signature = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
  const body = Buffer.alloc(36);
  Buffer.from('20010db8000000000000000000000007', 'hex').copy(body, 0);
  Buffer.from('20010db8000000000000000000000001', 'hex').copy(body, 16);
  body.writeUInt16BE(5555, 32);
  body.writeUInt16BE(443, 34);
  return Buffer.concat([signature, Buffer.from([0x21, 0x21, 0, 36]), body]);
}

describe('PHP facade: socket context proxy_protocol', () => {
  it('$peer_name and stream_socket_get_name($c, true) name the client; fread() reads what it sent after the header', async () => {
    const { server, port } = serve({ trusted: ['127.0.0.1'], timeout: 2.5 });
    await send(port, 'PROXY TCP4 203.0.113.10 192.0.2.1 51000 80\r\nGET /');
    const peer = ref<string | false>('');
    const conn = track((await stream_socket_accept(server, 5, peer)) as net.Socket);
    expect(peer.value).toBe('203.0.113.10:51000');
    expect(stream_socket_get_name(conn, true)).toBe('203.0.113.10:51000');
    expect(stream_socket_get_name(conn, false)).toBe(`127.0.0.1:${port}`); // the local side stays ours
    expect((await fread(conn, 5))!.toString()).toBe('GET /');
    fclose(conn);

    await send(port, Buffer.concat([v2Tcp6(), Buffer.from('v2')]));
    const second = track((await stream_socket_accept(server, 5, peer)) as net.Socket);
    expect(peer.value).toBe('[2001:db8::7]:5555');
    expect(stream_socket_get_name(second, true)).toBe('[2001:db8::7]:5555');
    expect((await fread(second, 2))!.toString()).toBe('v2');
    fclose(second);
  });

  it('a connection without a header never reaches the program: accept times out as PHP would', async () => {
    const { server, port } = serve({ trusted: ['127.0.0.1'] });
    const stray = await send(port, 'GET / HTTP/1.1\r\n\r\n');
    const ended = new Promise((resolve) => stray.once('close', resolve));
    expect(await stream_socket_accept(server, 0.3)).toBe(false);
    await ended;
  });

  it('a malformed option is a TypeError before any socket exists', () => {
    expect(() => serve({ trusted: 'everyone' })).toThrow(TypeError);
    const context = stream_context_create({ socket: { proxy_protocol: 'yes' } });
    expect(() => stream_socket_server('tcp://127.0.0.1:0', null, null, 12, context)).toThrow(TypeError);
  });
});
