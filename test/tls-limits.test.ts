// TlsServer's bounds: TLS options checked at open, clients that never finish
// a handshake against the cap on handshakes in flight, and no connection
// taken from the kernel, or kept in the heap, for nobody. Real node:tls
// clients and raw sockets on loopback. (Timing under 1,000 hostile clients:
// bench/tls-starvation.ts, not here.)
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { openServer, selfSignedCertificate, SocketError, startTls, type TlsOptions } from '../lib/index.js';
import { checkSocketLeaks } from './helpers/leaks.js';
import { waitFor } from './helpers/peers.js';

const track = checkSocketLeaks();
const { cert, key } = selfSignedCertificate();

/** A node:tls client that resolves once its handshake completed. */
function tlsClient(port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket: tls.TLSSocket = track(tls.connect({ port, host: '127.0.0.1', ca: cert, servername: 'localhost' }, () => resolve(socket)));
    socket.once('error', reject);
  });
}

/** A raw client, connected; `hello` is what it sends (nothing: a silent one). */
async function rawClient(port: number, hello?: Buffer): Promise<net.Socket> {
  const socket = track(net.connect(port, '127.0.0.1')).on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  if (hello) socket.write(hello);
  return socket;
}

/** The ClientHello a node:tls client sends first, caught by a plain TCP server. */
async function clientHello(): Promise<Buffer> {
  const sink = track(net.createServer());
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const caught = new Promise<Buffer>((resolve) => sink.once('connection', (s: net.Socket) => track(s).once('data', resolve)));
  const client = track(tls.connect({ port: (sink.address() as net.AddressInfo).port, host: '127.0.0.1', servername: 'localhost' }));
  client.on('error', () => {});
  const hello = await caught;
  client.destroy();
  sink.close();
  return hello;
}

describe('TLS options are checked at open', () => {
  const cases: Array<[string, 'TypeError' | 'RangeError', string, Record<string, unknown>]> = [
    ['passphrase: 5', 'TypeError', 'ERR_INVALID_ARG_TYPE', { passphrase: 5 }],
    ["minVersion: 'bogus'", 'TypeError', 'ERR_INVALID_ARG_VALUE', { minVersion: 'bogus' }],
    ["maxVersion: 'TLSv1.4'", 'TypeError', 'ERR_INVALID_ARG_VALUE', { maxVersion: 'TLSv1.4' }],
    ['minVersion above maxVersion', 'RangeError', 'ERR_OUT_OF_RANGE', { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' }],
    ['maxPendingHandshakes: 0', 'RangeError', 'ERR_OUT_OF_RANGE', { maxPendingHandshakes: 0 }],
    ['maxPendingHandshakes: -1', 'RangeError', 'ERR_OUT_OF_RANGE', { maxPendingHandshakes: -1 }],
    ['maxPendingHandshakes: 1.5', 'RangeError', 'ERR_OUT_OF_RANGE', { maxPendingHandshakes: 1.5 }],
    ["maxPendingHandshakes: 'x'", 'TypeError', 'ERR_INVALID_ARG_TYPE', { maxPendingHandshakes: 'x' }],
    ['handshakeTimeout: 0', 'RangeError', 'ERR_OUT_OF_RANGE', { handshakeTimeout: 0 }],
    ['handshakeTimeout: -5', 'RangeError', 'ERR_OUT_OF_RANGE', { handshakeTimeout: -5 }],
    ['handshakeTimeout: NaN', 'RangeError', 'ERR_OUT_OF_RANGE', { handshakeTimeout: NaN }],
    ["handshakeTimeout: '10'", 'TypeError', 'ERR_INVALID_ARG_TYPE', { handshakeTimeout: '10' }],
    ["clientCertificates: 'yes'", 'TypeError', 'ERR_INVALID_ARG_VALUE', { clientCertificates: 'yes' }],
    ["alpnProtocols: 'h2'", 'TypeError', 'ERR_INVALID_ARG_TYPE', { alpnProtocols: 'h2' }],
    ['honorCipherOrder: 1', 'TypeError', 'ERR_INVALID_ARG_TYPE', { honorCipherOrder: 1 }],
    ['an SNI entry without a key', 'TypeError', 'ERR_INVALID_ARG_TYPE', { sni: { 'a.test': { cert } } }],
    ['cert: undefined', 'TypeError', 'ERR_INVALID_ARG_TYPE', { cert: undefined }],
    ['a misspelt option', 'TypeError', 'ERR_INVALID_ARG_VALUE', { handshakeTimout: 5000 }],
  ];
  it.each(cases)('%s: a %s (%s), before any socket exists', (_, name, code, bad) => {
    const options = { cert, key, ...bad } as unknown as TlsOptions;
    expect(() => openServer('tls://127.0.0.1:0', { tls: options })).toThrow(expect.objectContaining({ name, code }));
  });

  it('a tlsv1.x:// URL pins the version, but a bad minVersion/maxVersion of the user is still refused', () => {
    const options = { cert, key, minVersion: 'bogus' } as unknown as TlsOptions;
    expect(() => openServer('tlsv1.2://127.0.0.1:0', { tls: options })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    );
  });

  it('startTls() on a socket destroyed before or during the handshake rejects at once with a SocketError, not at the deadline', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const started = Date.now();
    for (const when of ['before', 'during'] as const) {
      const client = track(await rawClient(server.port));
      const plain = track(await server.accept({ timeout: 5000 }));
      if (when === 'before') plain.destroy();
      const upgrading = startTls(plain, { cert, key, handshakeTimeout: 30_000 });
      if (when === 'during') setTimeout(() => plain.destroy(), 20);
      await expect(upgrading).rejects.toMatchObject({ name: 'SocketError', code: 'ECONNRESET', syscall: 'handshake' });
      client.destroy();
    }
    expect(Date.now() - started).toBeLessThan(20_000); // far from the 30 s deadline
  });

  it("a peer that resets mid-handshake: startTls() rejects with a SocketError ECONNRESET, not node:net's plain Error", async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const hello = await clientHello();
    const client = track(await rawClient(server.port, hello.subarray(0, hello.length - 10)));
    const plain = track(await server.accept({ timeout: 5000 }));
    const upgrading = startTls(plain, { cert, key, handshakeTimeout: 30_000 });
    setTimeout(() => client.resetAndDestroy(), 50);
    const error = await upgrading.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketError);
    expect(error).toMatchObject({ code: 'ECONNRESET' });
  });

  it('options.tls itself must be an object; startTls() rejects the same options', async () => {
    expect(() => openServer('tls://127.0.0.1:0', { tls: null as unknown as TlsOptions })).toThrow(TypeError);
    const server = track(openServer('tcp://127.0.0.1:0'));
    const client = await rawClient(server.port);
    const plain = track(await server.accept({ timeout: 5000 }));
    await expect(startTls(plain, { cert, key, handshakeTimeout: -1 })).rejects.toThrow(RangeError);
    expect(plain.destroyed).toBe(false); // a wrong argument leaves the caller's socket alone
    plain.destroy();
    client.destroy();
    server.close();
  });

  it('accept({ timeout: -1 }) rejects with a RangeError', async () => {
    const server = track(openServer('tls://127.0.0.1:0', { tls: { cert, key } }));
    await expect(server.accept({ timeout: -1 })).rejects.toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
    expect(server.stats().pending).toBe(0);
    server.close();
  });
});

describe('hostile clients against the cap on handshakes in flight', () => {
  it('at the cap, a new client evicts the oldest handshake short of a ClientHello instead of waiting behind it: silent, truncated, slowloris', async () => {
    const server = track(openServer('tls://127.0.0.1:0', { tls: { cert, key, maxPendingHandshakes: 2, handshakeTimeout: 60_000 } }));
    const errors: Array<string | undefined> = [];
    server.on('tlsClientError', (e: { code?: string }) => errors.push(e.code));
    const hostile: Record<string, Buffer | undefined> = {
      silent: undefined,
      truncated: Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]), // a 512-byte record, 1 byte of it
      slowloris: Buffer.from([0x16]),
    };
    for (const [kind, hello] of Object.entries(hostile)) {
      const accepting = server.accept({ timeout: 5000 });
      const oldest = await rawClient(server.port, hello);
      expect(await waitFor(() => server.stats().pending === 1)).toBe(true); // pending before the next one connects
      const drip = setInterval(() => kind === 'slowloris' && oldest.write(Buffer.from([0x03])), 100); // 10 bytes a second
      const younger = await rawClient(server.port);
      expect(await waitFor(() => server.stats().pending === 2)).toBe(true);
      try {
        const [conn, client] = await Promise.all([accepting.then(track), tlsClient(server.port)]);
        expect(await waitFor(() => oldest.closed, 5000)).toBe(true); // the oldest made room
        expect(younger.closed).toBe(false);
        conn.destroy();
        client.destroy();
      } finally {
        clearInterval(drip);
      }
      younger.destroy();
      expect(await waitFor(() => server.stats().pending === 0)).toBe(true);
    }
    expect(server.stats()).toMatchObject({ handshakes: 3, evicted: 3, timeouts: 0, failures: 6 });
    expect(errors.filter((code) => code === 'ECONNABORTED')).toHaveLength(3);
    server.close();
  });

  it('a client that sent its whole ClientHello outlives younger silent ones at the cap', async () => {
    const server = track(openServer('tls://127.0.0.1:0', { tls: { cert, key, maxPendingHandshakes: 2, handshakeTimeout: 60_000 } }));
    const accepting = server.accept({ timeout: 5000 });
    const stalled = await rawClient(server.port, await clientHello()); // then never answers the server's flight
    const answered = new Promise((resolve) => stalled.once('data', resolve));
    expect(await waitFor(() => server.stats().pending === 1)).toBe(true);
    await answered; // the server has read the whole ClientHello
    const silent = await rawClient(server.port);
    expect(await waitFor(() => server.stats().pending === 2)).toBe(true);
    const [conn, client] = await Promise.all([accepting.then(track), tlsClient(server.port)]);
    expect(await waitFor(() => silent.closed, 5000)).toBe(true); // the younger, but silent one made room
    expect(stalled.closed).toBe(false);
    expect(server.stats()).toMatchObject({ evicted: 1, pending: 1 });
    conn.destroy();
    client.destroy();
    server.close();
  });
});

describe('nothing taken or kept for nobody', () => {
  it('once every waiter timed out, new connections stay in the kernel queue, to be served by the next accept()', async () => {
    const server = track(openServer('tls://127.0.0.1:0', { tls: { cert, key } }));
    await expect(server.accept({ timeout: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const connecting = tlsClient(server.port);
    expect(await waitFor(() => server.tcp.queue().length === 1, 3000)).toBe(true); // not accepted for nobody
    expect(server.stats().pending).toBe(0);
    const [conn, client] = await Promise.all([server.accept({ timeout: 5000 }).then(track), connecting]);
    expect(server.tcp.queue().length).toBe(0);
    conn.destroy();
    client.destroy();
    server.close();
  });

  it('a finished connection nobody takes is closed after handshakeTimeout, and counted', async () => {
    const server = track(openServer('tls://127.0.0.1:0', { tls: { cert, key, handshakeTimeout: 300 } }));
    // Two clients queued, one accept(): both handshakes run, one connection is left over.
    const clients = [tlsClient(server.port), tlsClient(server.port)];
    expect(await waitFor(() => server.tcp.queue().length === 2)).toBe(true);
    const conn = track(await server.accept({ timeout: 5000 }));
    const [a, b] = await Promise.all(clients);
    expect(await waitFor(() => server.stats().handshakes === 2)).toBe(true);
    const leftOver = conn.remotePort === a!.localPort ? b! : a!;
    expect(await waitFor(() => leftOver.closed, 5000)).toBe(true); // closed by the server, not kept for nobody
    expect(server.stats()).toMatchObject({ ready: 0, unclaimed: 1, timeouts: 0 });
    conn.destroy();
    a!.destroy();
    b!.destroy();
    server.close();
  });
});
