// A listener with proxyProtocol / maxConnectionsPerSource / admit, as a user
// meets it: openServer options, connections from real node:net and node:tls
// clients, `for await`, accept(), stats(). What may not pass is reset (the
// client sees ECONNRESET) and counted, never handed out; nothing leaks.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { openServer, proxyOf, selfSignedCertificate, SocketError, type StreamServer } from '../../lib/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';

const track = checkSocketLeaks();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client that writes `chunks` (with `gapMs` between them); resolves how its connection ended. */
function client(port: number, chunks: Array<string | Buffer>, gapMs = 0): { socket: net.Socket; ended: Promise<string> } {
  const socket = track(net.connect(port, '127.0.0.1'));
  const ended = new Promise<string>((resolve) => {
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    socket.on('close', () => resolve('close'));
  });
  const send = async (): Promise<void> => {
    for (const chunk of chunks) {
      if (gapMs > 0) await sleep(gapMs);
      if (!socket.destroyed) socket.write(chunk);
    }
  };
  socket.once('connect', () => void send());
  return { socket, ended };
}

/** The first `bytes` bytes a handed-out socket reads. */
function firstBytes(socket: net.Socket, bytes: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (d) => {
      text += d;
      if (text.length >= bytes) resolve(text);
    });
  });
}

const v1 = (address: string, port: number) => `PROXY TCP4 ${address} 192.0.2.1 ${port} 443\r\n`;

describe('openServer(…, { proxyProtocol })', () => {
  it('hands out the client the header names, as remoteAddress/remotePort, with conn.proxy; the data after the header is intact', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['127.0.0.0/8'] } }));
    client(server.port, [v1('203.0.113.7', 40001) + 'hello']);
    for await (const conn of server) {
      track(conn);
      expect([conn.remoteAddress, conn.remotePort, conn.remoteFamily]).toEqual(['203.0.113.7', 40001, 'IPv4']);
      expect(proxyOf(conn)).toMatchObject({ version: 1, command: 'proxy', destination: { address: '192.0.2.1', port: 443 } });
      expect(await firstBytes(conn, 5)).toBe('hello');
      break;
    }
    expect(server.stats()).toMatchObject({ accepted: 1, proxy: { read: 1, pending: 0 } });
  });

  it('untrusted, invalid and missing headers are reset and counted, never handed out; a slow sender holds up nobody', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['127.0.0.1'], timeout: 3000 } }));
    const slow = client(server.port, [...v1('198.51.100.1', 1)], 10); // ~400 ms, byte by byte
    await sleep(20);
    const bad = client(server.port, ['PROXY TCP4 nonsense\r\n']);
    const none = client(server.port, ['GET / HTTP/1.1\r\n\r\n']);
    client(server.port, [v1('198.51.100.2', 2)]);
    const order: string[] = [];
    for (let i = 0; i < 2; i++) order.push(track(await server.accept({ timeout: 2000 })).remoteAddress!);
    expect(order).toEqual(['198.51.100.2', '198.51.100.1']); // the quick one first, though it came last
    expect(await bad.ended).toBe('ECONNRESET');
    expect(await none.ended).toBe('ECONNRESET');
    void slow;
    const stranger = track(openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['10.0.0.0/8'] } }));
    const refused = client(stranger.port, [v1('1.2.3.4', 5)]);
    // Pull-based: the connection waits in the kernel's queue until someone accepts.
    await expect(stranger.accept({ timeout: 300 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(await refused.ended).toBe('ECONNRESET');
    expect(server.stats().proxy).toEqual({
      read: 2,
      pending: 0,
      dropped: { untrusted: 0, invalid: 1, truncated: 0, timeout: 0, missing: 1 },
    });
    expect(stranger.stats().proxy!.dropped.untrusted).toBe(1);
  });

  it('a sender that stops halfway and closes is counted as truncated at once, not after the timeout', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['127.0.0.1'], timeout: 10_000 } }));
    const half = track(net.connect(server.port, '127.0.0.1'));
    half.on('error', () => {});
    half.end('PROXY TCP4 198.51.100.9 192.0.2.1');
    const started = Date.now();
    const waiting = server.accept({ timeout: 1000 }).catch((error: SocketError) => error.code);
    while (server.stats().proxy!.dropped.truncated === 0 && Date.now() - started < 3000) await sleep(10);
    expect(server.stats().proxy!.dropped.truncated).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000); // seen by its FIN, within back-offs, long before the 10 s deadline
    expect(await waiting).toBe('ETIMEDOUT');
  });

  it('accept() keeps its timeout and signal; bare fds and handOff are refused with a reason', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['127.0.0.1'] } }));
    await expect(server.accept({ timeout: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT', syscall: 'accept4' });
    const abort = new AbortController();
    const waiting = server.accept({ signal: abort.signal });
    abort.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await expect(server.acceptFd()).rejects.toThrow(/PROXY header/);
    await expect(server.handOff(new net.Server())).rejects.toThrow(TypeError);
    // A wait that comes while the given-up one is being stopped still gets its connection.
    const given = new AbortController();
    const givenUp = server.accept({ signal: given.signal });
    given.abort(new Error('given up'));
    const next = server.accept({ timeout: 2000 });
    await expect(givenUp).rejects.toThrow('given up');
    client(server.port, [v1('192.0.2.43', 43)]);
    expect(track(await next).remoteAddress).toBe('192.0.2.43');
    // The connection a given-up wait left in the kernel is still served.
    client(server.port, [v1('192.0.2.44', 44)]);
    expect(track(await server.accept({ timeout: 2000 })).remoteAddress).toBe('192.0.2.44');
  });

  it('close() with headers still being read resets those connections and leaks no fd', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['127.0.0.1'] } }));
    const silent = [client(server.port, []), client(server.port, ['PROXY TCP4 '])];
    const waiting = server.accept();
    await sleep(100);
    expect(server.stats().proxy!.pending).toBe(2);
    server.close();
    await expect(waiting).rejects.toMatchObject({ code: 'EBADF' });
    expect(await Promise.all(silent.map((c) => c.ended))).toEqual(['ECONNRESET', 'ECONNRESET']);
  });

  it('works with deferAccept, and over unix sockets trusted as "unix"', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { deferAccept: 1, proxyProtocol: { trusted: ['127.0.0.1'] } }));
    client(server.port, [v1('192.0.2.5', 5) + 'x']);
    expect(track(await server.accept({ timeout: 5000 })).remotePort).toBe(5);
    const path = `/tmp/sss-proxy-${process.pid}.sock`;
    const local = track(openServer(`unix://${path}`, { proxyProtocol: { trusted: ['unix'] } }));
    const unixClient = track(net.connect(path));
    unixClient.on('error', () => {});
    unixClient.write('PROXY TCP6 2001:db8::1 2001:db8::2 7 8\r\n');
    const conn = track(await local.accept({ timeout: 2000 }));
    expect([conn.remoteAddress, conn.remotePort, conn.remoteFamily]).toEqual(['2001:db8::1', 7, 'IPv6']);
  });

  it('tls://: the header first, then the handshake; the TLSSocket presents the client', async () => {
    const { cert, key } = selfSignedCertificate();
    const server = track(openServer('tls://127.0.0.1:0', { tls: { cert, key }, proxyProtocol: { trusted: ['127.0.0.1'] } }));
    const raw = track(net.connect(server.port, '127.0.0.1'));
    raw.write(v1('203.0.113.99', 4433));
    const secure = track(tls.connect({ socket: raw, rejectUnauthorized: false, servername: 'localhost' }));
    secure.on('error', () => {});
    secure.write('ping');
    const conn = track(await server.accept({ timeout: 5000 }));
    expect([conn.remoteAddress, conn.remotePort]).toEqual(['203.0.113.99', 4433]);
    expect(proxyOf(conn)?.version).toBe(1);
    expect(await firstBytes(conn, 4)).toBe('ping');
  });

  it('bad options are a TypeError / RangeError before any socket exists', () => {
    expect(() => openServer('tcp://127.0.0.1:0', { proxyProtocol: {} as never })).toThrow(TypeError);
    expect(() => openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['300.1.1.1'] } })).toThrow(TypeError);
    expect(() => openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: [], timeout: -1 } })).toThrow(RangeError);
    expect(() => openServer('tcp://127.0.0.1:0', { maxConnectionsPerSource: 0 })).toThrow(RangeError);
    expect(() => openServer('tcp://127.0.0.1:0', { admit: 'yes' as never })).toThrow(TypeError);
    expect(() => openServer('udp://127.0.0.1:0', { proxyProtocol: { trusted: [] } } as never)).toThrow(TypeError);
  });
});

describe('admission at accept', () => {
  async function accepted(server: StreamServer, n: number): Promise<net.Socket[]> {
    const conns: net.Socket[] = [];
    for (let i = 0; i < n; i++) conns.push(track(await server.accept({ timeout: 2000 })));
    return conns;
  }

  it('maxConnectionsPerSource judges the real client (after the header); a closed connection frees its slot', async () => {
    const server = track(
      openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['127.0.0.1'] }, maxConnectionsPerSource: { limit: 2, prefix4: 24 } }),
    );
    client(server.port, [v1('198.51.100.1', 1)]);
    client(server.port, [v1('198.51.100.2', 2)]);
    const [first] = await accepted(server, 2);
    const third = client(server.port, [v1('198.51.100.3', 3)]); // same /24: over the limit
    const other = client(server.port, [v1('198.51.101.1', 4)]); // another /24
    expect((await accepted(server, 1))[0]!.remoteAddress).toBe('198.51.101.1');
    expect(await third.ended).toBe('ECONNRESET');
    first!.destroy();
    await sleep(50);
    client(server.port, [v1('198.51.100.4', 5)]);
    expect((await accepted(server, 1))[0]!.remoteAddress).toBe('198.51.100.4');
    expect(server.stats().refused).toEqual({ maxConnectionsPerSource: 1, admit: 0 });
    void other;
  });

  it('admit(peer) sees the client and the header; false or a throw refuses; without proxyProtocol the peer itself is judged', async () => {
    const seen: unknown[] = [];
    const server = track(
      openServer('tcp://127.0.0.1:0', {
        proxyProtocol: { trusted: ['127.0.0.1'] },
        admit: (peer) => {
          seen.push({ address: peer.address, port: peer.port, version: peer.proxy?.version });
          if (peer.port === 666) throw new Error('boom');
          return peer.address !== '192.0.2.66';
        },
      }),
    );
    const no = client(server.port, [v1('192.0.2.66', 1)]);
    const boom = client(server.port, [v1('192.0.2.67', 666)]);
    client(server.port, [v1('192.0.2.68', 2)]);
    expect((await accepted(server, 1))[0]!.remoteAddress).toBe('192.0.2.68');
    expect([await no.ended, await boom.ended]).toEqual(['ECONNRESET', 'ECONNRESET']);
    expect(seen).toContainEqual({ address: '192.0.2.66', port: 1, version: 1 });
    expect(server.stats().refused).toEqual({ maxConnectionsPerSource: 0, admit: 2 });

    const plain = track(openServer('tcp://127.0.0.1:0', { maxConnectionsPerSource: 1 }));
    client(plain.port, ['a']);
    const [kept] = await accepted(plain, 1);
    expect(kept!.remoteAddress).toBe('127.0.0.1');
    expect(proxyOf(kept!)).toBeUndefined();
    const second = client(plain.port, ['b']);
    await plain.accept({ timeout: 300 }).catch((error: SocketError) => expect(error.code).toBe('ETIMEDOUT'));
    expect(await second.ended).toBe('ECONNRESET');
    expect(plain.stats().refused!.maxConnectionsPerSource).toBe(1);
  });
});
