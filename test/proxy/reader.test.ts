// The PROXY header read from the raw fd of a real accepted connection, before
// any net.Socket exists (lib/proxy/reader.ts): the header's bytes are taken
// off, the client's data after them stays; a slow sender holds up nobody;
// what may not be handed out is closed and counted.
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer } from '../../lib/index.js';
import { ProxyReader } from '../../lib/proxy/reader.js';
import { native, type NativeHandle } from '../../lib/binding/native.js';
import { wrapAccepted } from '../../lib/stream/socket-wrap.js';
import { checkSocketLeaks } from '../helpers/leaks.js';

const track = checkSocketLeaks();

/** A client that writes `chunks` (with `gapMs` between them) and keeps the connection open until the test ends. */
function client(port: number, chunks: Array<string | Buffer>, gapMs = 0): net.Socket {
  const socket = track(net.connect(port, '127.0.0.1'));
  socket.on('error', () => {});
  const send = async (): Promise<void> => {
    for (const chunk of chunks) {
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      if (!socket.destroyed) socket.write(chunk);
    }
  };
  socket.once('connect', () => void send());
  return socket;
}

/** What the client's data reads as once the header is gone: the bytes a net.Socket gets on the fd. */
function readRest(fd: number, bytes: number): Promise<string> {
  const socket = track(wrapAccepted(fd, 'tcp', {}));
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (d) => {
      text += d;
      if (text.length >= bytes) resolve(text);
    });
  });
}

describe('ProxyReader on accepted connections', () => {
  it('v1: the header is consumed, the client data after it is the socket’s first bytes', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const reader = new ProxyReader({ trusted: ['127.0.0.0/8'] });
    client(server.port, ['PROXY TCP4 203.0.113.9 192.0.2.1 40000 443\r\nhello']);
    const outcome = await reader.take((await server.acceptFd())!);
    expect(outcome).toMatchObject({ header: { version: 1, source: { address: '203.0.113.9', port: 40000 } } });
    expect(await readRest(native.release((outcome as { handle: NativeHandle }).handle), 5)).toBe('hello');
    expect(reader.read).toBe(1);
  });

  it('a sender that dribbles its header byte by byte holds up no other connection', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const reader = new ProxyReader({ trusted: ['127.0.0.1'] });
    const slowHeader = 'PROXY TCP4 198.51.100.1 192.0.2.1 1 2\r\n';
    client(server.port, [...slowHeader, 'slow'], 15);
    const slowFd = (await server.acceptFd())!;
    client(server.port, ['PROXY TCP4 198.51.100.2 192.0.2.1 3 4\r\nfast']);
    const fastFd = (await server.acceptFd())!;
    const order: string[] = [];
    const slow = Promise.resolve(reader.take(slowFd)).then((o) => (order.push('slow'), o));
    const fast = Promise.resolve(reader.take(fastFd)).then((o) => (order.push('fast'), o));
    const [s, f] = await Promise.all([slow, fast]);
    expect(order).toEqual(['fast', 'slow']);
    expect(s).toMatchObject({ header: { source: { address: '198.51.100.1' } } });
    expect(f).toMatchObject({ header: { source: { address: '198.51.100.2' } } });
    expect(await readRest(native.release((s as { handle: NativeHandle }).handle), 4)).toBe('slow');
    expect(await readRest(native.release((f as { handle: NativeHandle }).handle), 4)).toBe('fast');
  });

  it('what may not be handed out is closed and counted: untrusted, invalid, silent, missing', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const untrusting = new ProxyReader({ trusted: ['10.0.0.0/8'] });
    const reader = new ProxyReader({ trusted: ['127.0.0.1'], timeout: 100 });
    const closed: Array<Promise<unknown>> = [];
    const watched = (socket: net.Socket) => (closed.push(new Promise((resolve) => socket.once('close', resolve))), socket);

    watched(client(server.port, ['PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n']));
    expect(await untrusting.take((await server.acceptFd())!)).toMatchObject({ handle: null, reason: 'untrusted' });
    watched(client(server.port, ['PROXY TCP9 nonsense\r\n']));
    expect(await reader.take((await server.acceptFd())!)).toMatchObject({ handle: null, reason: 'invalid' });
    watched(client(server.port, []));
    expect(await reader.take((await server.acceptFd())!)).toMatchObject({ handle: null, reason: 'timeout' });
    watched(client(server.port, ['GET / HTTP/1.1\r\n\r\n']));
    expect(await reader.take((await server.acceptFd())!)).toMatchObject({ handle: null, reason: 'missing' });
    await Promise.all(closed); // each client sees its connection end
    expect({ ...reader.dropped, ...{ untrusted: untrusting.dropped.untrusted } }).toEqual({
      untrusted: 1,
      invalid: 1,
      truncated: 0,
      timeout: 1,
      missing: 1,
    });
  });

  it('required: false hands out a connection without a header untouched, and still refuses an untrusted header', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const lenient = new ProxyReader({ trusted: ['127.0.0.1'], required: false });
    client(server.port, ['GET / HTTP/1.1\r\n']);
    const plain = await lenient.take((await server.acceptFd())!);
    expect(plain).toMatchObject({ header: undefined });
    expect(await readRest(native.release((plain as { handle: NativeHandle }).handle), 16)).toBe('GET / HTTP/1.1\r\n');
    const strangers = new ProxyReader({ trusted: ['10.0.0.0/8'], required: false });
    client(server.port, ['PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n']);
    await new Promise((resolve) => setTimeout(resolve, 50)); // its bytes have arrived before we look
    expect(await strangers.take((await server.acceptFd())!)).toMatchObject({ handle: null, reason: 'untrusted' });
  });

  it('bad options are TypeError / RangeError', () => {
    expect(() => new ProxyReader({})).toThrow(TypeError);
    expect(() => new ProxyReader({ trusted: ['10.0.0.0/33'] })).toThrow(TypeError);
    expect(() => new ProxyReader({ trusted: ['example.com'] })).toThrow(TypeError);
    expect(() => new ProxyReader({ trusted: [], timeout: 0 })).toThrow(RangeError);
    expect(() => new ProxyReader({ trusted: [], bogus: 1 })).toThrow(TypeError);
  });
});
