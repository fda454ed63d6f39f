// The facade's stream I/O where Node is involved, beyond what the
// differential suite compares with PHP: one read buffer shared with Node's
// 'data' events (nothing repeated, nothing lost), a slow reader that loses
// nothing, byte-exact binary data, non-blocking writes that account for
// every byte, stream_select over several clients with PHP's keys, and
// fread()/fwrite() over TLS.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../lib/index.js';
import {
  feof,
  fgets,
  fread,
  fwrite,
  ref,
  stream_context_create,
  stream_get_line,
  stream_select,
  stream_set_blocking,
  stream_socket_accept,
  stream_socket_get_name,
  stream_socket_server,
  type PhpServerStream,
  type StreamArray,
} from '../../lib/php/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';
import { waitFor } from '../helpers/peers.js';
import { warningsOf } from '../helpers/php.js';

const track = checkSocketLeaks();

function serve(
  url: string,
  flags = 12,
  context: ReturnType<typeof stream_context_create> | null = null,
): { server: PhpServerStream; port: number } {
  const server = stream_socket_server(url, null, null, flags, context);
  if (server === false) throw new Error(`cannot serve ${url}`);
  track(server);
  return { server, port: Number(String(stream_socket_get_name(server, false)).split(':').pop()) };
}

async function client(port: number): Promise<net.Socket> {
  const socket = track(net.connect(port, '127.0.0.1'));
  await once(socket, 'connect');
  return socket;
}

async function accept(server: PhpServerStream): Promise<net.Socket> {
  const conn = await stream_socket_accept(server, 10);
  if (conn === false) throw new Error('accept failed');
  return track(conn);
}

describe('stream I/O on accepted connections', () => {
  it("shares one buffer with Node: what fread() took is not emitted as 'data', the rest is, in order", async () => {
    const { server, port } = serve('tcp://127.0.0.1:0');
    const peer = await client(port);
    const conn = await accept(server);
    peer.end('0123456789');
    expect(String(await fread(conn, 4))).toBe('0123');
    const rest: Buffer[] = [];
    conn.on('data', (chunk: Buffer) => rest.push(chunk));
    await once(conn, 'end');
    expect(Buffer.concat(rest).toString()).toBe('456789');
  });

  it('a slow reader loses nothing: 4 MiB from a fast writer arrive whole through fread(…, 1024)', async () => {
    const { server, port } = serve('tcp://127.0.0.1:0');
    const peer = await client(port);
    const conn = await accept(server);
    const sent = randomBytes(4 << 20);
    peer.end(sent);
    const hash = createHash('sha256');
    let total = 0;
    for (let reads = 0; ; reads++) {
      const chunk = await fread(conn, 1024);
      if (chunk === false) throw new Error('fread failed');
      if (chunk.length === 0) break;
      expect(chunk.length).toBeLessThanOrEqual(1024);
      hash.update(chunk);
      total += chunk.length;
      if (reads % 512 === 0) await new Promise((resolve) => setTimeout(resolve, 5)); // fall behind
    }
    expect(total).toBe(sent.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(sent).digest('hex'));
    expect(feof(conn)).toBe(true);
  });

  it('is binary-safe: all 256 byte values, both ways', async () => {
    const { server, port } = serve('tcp://127.0.0.1:0');
    const peer = await client(port);
    const conn = await accept(server);
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    peer.write(bytes);
    const got: Buffer[] = [];
    while (Buffer.concat(got).length < 256) got.push((await fread(conn, 256)) as Buffer);
    expect(Buffer.concat(got)).toEqual(bytes);
    const back = once(peer, 'data');
    expect(await fwrite(conn, new Uint16Array(bytes.buffer, bytes.byteOffset, 128))).toBe(256);
    expect((await back)[0]).toEqual(bytes);
  });

  it('fgets() and stream_get_line() find their delimiters across chunks that arrive apart', async () => {
    const { server, port } = serve('tcp://127.0.0.1:0');
    const peer = await client(port);
    const conn = await accept(server);
    const lines = fgets(conn);
    for (const piece of ['he', 'll', 'o\nwor', 'ld|', '|tail']) {
      peer.write(piece);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    peer.end();
    expect(String(await lines)).toBe('hello\n');
    expect(String(await stream_get_line(conn, 100, '||'))).toBe('world');
    expect(String(await stream_get_line(conn, 100, '||'))).toBe('tail');
    expect(await stream_get_line(conn, 100, '||')).toBe(false);
  });

  it('non-blocking: fread() answers at once, fwrite() returns what the kernel took, and every byte counted arrives', async () => {
    const { server, port } = serve('tcp://127.0.0.1:0');
    const peer = await client(port);
    peer.pause(); // a client that does not read: the kernel's buffers fill
    const conn = await accept(server);
    stream_set_blocking(conn, false);
    expect(await fread(conn, 10)).toEqual(Buffer.alloc(0));
    const block = Buffer.alloc(64 << 10, 0x61);
    let written = 0;
    let partialOrZero = false;
    for (let i = 0; i < 1000 && !partialOrZero; i++) {
      const n = await fwrite(conn, block);
      if (n === false) throw new Error('fwrite failed');
      written += n;
      partialOrZero = n < block.length;
    }
    expect(partialOrZero).toBe(true);
    let received = 0;
    peer.on('data', (chunk: Buffer) => (received += chunk.length));
    peer.resume();
    conn.end();
    await once(peer, 'end');
    expect(received).toBe(written);
  });
});

describe('stream_select', () => {
  it('reports a listener once a connection is queued, and keeps PHP keys for the ready clients', async () => {
    const { server, port } = serve('tcp://127.0.0.1:0');
    const none: { value: StreamArray | null } = ref([server]);
    expect(await stream_select(none, null, null, 0, 200_000)).toBe(0);
    expect(Object.keys(none.value!)).toEqual([]);

    const peers = [await client(port), await client(port), await client(port)];
    const conns = [await accept(server), await accept(server), await accept(server)];
    const read = ref<StreamArray | null>([...conns]);
    const waiting = stream_select(read, null, null, null);
    peers[1]!.write('x');
    expect(await waiting).toBe(1);
    const ready = read.value as net.Socket[];
    expect(ready[0]).toBeUndefined(); // PHP: $read is [1 => $conn1]
    expect(ready[1]).toBe(conns[1]);
    expect(Object.keys(ready)).toEqual(['1']);

    const keyed = ref<StreamArray | null>(
      new Map<string, net.Socket | PhpServerStream>([
        ['listener', server],
        ['second', conns[1]!],
      ]),
    );
    const write = ref<StreamArray | null>({ a: conns[0]! });
    expect(await stream_select(keyed, write, ref(null), 1)).toBe(2); // buffered data, and a writable socket
    expect([...(keyed.value as Map<string, unknown>).keys()]).toEqual(['second']);
    expect(Object.keys(write.value!)).toEqual(['a']);

    const listening = ref<StreamArray | null>([server]);
    const pending = stream_select(listening, null, null, 5);
    await client(port);
    expect(await pending).toBe(1);
  });

  it('refuses what PHP refuses, with its texts', async () => {
    const { server } = serve('tcp://127.0.0.1:0');
    await expect(stream_select(ref(null), ref(null), ref(null), 0)).rejects.toThrow(/^No stream arrays were passed$/);
    await expect(stream_select(ref([server]), null, null, -1)).rejects.toThrow(
      'stream_select(): Argument #4 ($seconds) must be greater than or equal to 0',
    );
  });
});

describe('datagrams and TLS', () => {
  it('fread() takes one datagram; fwrite() on an unconnected udp server fails with PHP notice', async () => {
    const { server, port } = serve('udp://127.0.0.1:0', 4);
    const sender = track((await import('node:dgram')).createSocket('udp4'));
    sender.send('first datagram', port, '127.0.0.1');
    expect(String(await fread(server, 5))).toBe('first');
    const notices: string[] = [];
    const collect = (w: Error) => w.name === 'PHPNotice' && notices.push(w.message);
    process.on('warning', collect);
    const { result } = await warningsOf(() => fwrite(server, 'abc'));
    process.off('warning', collect);
    expect(result).toBe(false);
    expect(notices).toEqual(['fwrite(): Send of 3 bytes failed with errno=89 Destination address required']);
  });

  it('fread() and fwrite() carry plain text over an ssl:// connection', async () => {
    const { cert, key } = selfSignedCertificate({ commonName: 'localhost' });
    const dir = mkdtempSync(join(tmpdir(), 'sss-facade-io-'));
    writeFileSync(join(dir, 'server.pem'), cert + key, { mode: 0o600 });
    const context = stream_context_create({ ssl: { local_cert: join(dir, 'server.pem'), verify_peer: false } });
    const { server, port } = serve('ssl://127.0.0.1:0', 12, context);
    const peer = track(tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }));
    const conn = await accept(server);
    peer.write('GET / HTTP/1.0\r\n\r\n');
    let request = '';
    while (!request.includes('\r\n\r\n')) request += String(await fread(conn, 2046));
    expect(request).toBe('GET / HTTP/1.0\r\n\r\n');
    const reply = once(peer, 'data');
    expect(await fwrite(conn, 'HTTP/1.0 200 OK\r\n\r\n')).toBe(19);
    expect(String((await reply)[0])).toBe('HTTP/1.0 200 OK\r\n\r\n');
    // A documented difference: two records already waiting are one fread() here (PHP: one record per call).
    peer.write('abc');
    peer.write('def');
    conn.read(0); // let Node decrypt what arrives
    await waitFor(() => conn.readableLength >= 6);
    expect(String(await fread(conn, 100))).toBe('abcdef');
    rmSync(dir, { recursive: true, force: true });
  });
});
