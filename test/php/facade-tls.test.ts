// The facade's TLS beyond what the differential suite compares: real
// clients (node:tls, openssl s_client) against ssl:// and STARTTLS servers,
// handshakes that run side by side, and no socket left behind by a failure.
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate, type StreamServer } from '../../lib/index.js';
import {
  fclose,
  PhpServerStream,
  stream_context_create,
  stream_context_get_options,
  stream_get_meta_data,
  stream_set_timeout,
  stream_socket_accept,
  stream_socket_enable_crypto,
  stream_socket_get_name,
  stream_socket_recvfrom,
  stream_socket_sendto,
  stream_socket_server,
  STREAM_CRYPTO_METHOD_TLS_CLIENT,
  STREAM_CRYPTO_METHOD_TLS_SERVER,
  type ContextOptions,
} from '../../lib/php/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';
import { warningsOf } from '../helpers/php.js';
import { hasCommand, waitFor } from '../helpers/peers.js';

// Everything a test opens is tracked and closed after it, passed or failed, before the leak
// check looks: facade servers by their close() (which also ends their pending waits).
const tracked = checkSocketLeaks();
function track<T extends net.Socket | PhpServerStream | ChildProcess | false>(thing: T): T {
  if (thing !== false) tracked(thing);
  return thing;
}

/** stream_socket_accept(), its connection tracked. */
async function accept(server: PhpServerStream, timeout: number): Promise<net.Socket | false> {
  return track(await stream_socket_accept(server, timeout));
}

/** A plain TCP client, tracked. */
function plainClient(port: number): net.Socket {
  return track(net.connect(port, '127.0.0.1'));
}

const dir = mkdtempSync(join(tmpdir(), 'sss-facade-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const { cert, key } = selfSignedCertificate({ commonName: 'localhost', altNames: ['localhost', '127.0.0.1'] });
const certFile = join(dir, 'cert.pem');
const keyFile = join(dir, 'key.pem');
writeFileSync(certFile, cert);
writeFileSync(keyFile, key);
const SSL: ContextOptions = { ssl: { local_cert: certFile, local_pk: keyFile } };

function serverOn(url: string, options: ContextOptions = SSL): { server: PhpServerStream; port: number } {
  const server = stream_socket_server(url, null, null, 12, stream_context_create(options)) as PhpServerStream;
  expect(server).not.toBe(false);
  track(server);
  return { server, port: Number((stream_socket_get_name(server, false) as string).split(':').pop()) };
}

function tlsClient(port: number, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket: tls.TLSSocket = track(
      tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => resolve(socket)),
    );
    socket.once('error', reject);
  });
}

function readLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
  });
}

async function recvLine(conn: net.Socket): Promise<string> {
  let text = '';
  while (!text.includes('\n')) {
    const got = await stream_socket_recvfrom(conn, 256);
    if (got === false || got.length === 0) break;
    text += got.toString();
  }
  return text;
}

describe('facade TLS', () => {
  it('ssl:// accept hands out a TLS socket: crypto metadata, data both ways, close_notify at fclose', async () => {
    const { server, port } = serverOn('ssl://127.0.0.1:0');
    const [client, conn] = await Promise.all([tlsClient(port, { maxVersion: 'TLSv1.2' }), accept(server, 5)]);
    expect(conn).toBeInstanceOf(tls.TLSSocket);
    const meta = stream_get_meta_data(conn as net.Socket);
    expect(meta).toMatchObject({ stream_type: 'tcp_socket/ssl', mode: 'r+', crypto: { protocol: 'TLSv1.2', cipher_version: 'TLSv1.2' } });
    expect((meta.crypto as { cipher_bits: number }).cipher_bits).toBeGreaterThanOrEqual(128);
    expect((meta.crypto as { cipher_name: string }).cipher_name).toBe(client.getCipher().name);
    client.write('ping\n');
    expect(await recvLine(conn as net.Socket)).toBe('ping\n');
    expect(stream_socket_sendto(conn as net.Socket, 'pong\n')).toBe(5);
    expect(await readLine(client)).toBe('pong\n');
    const ended = new Promise((resolve) => client.once('end', resolve));
    fclose(conn as net.Socket);
    await ended; // a clean TLS close, not a reset
    client.destroy();
    fclose(server);
  });

  it('certificates are read at each accept, as in PHP: a replaced file serves the new certificate', async () => {
    const file = join(dir, 'rotating.pem');
    const { server, port } = serverOn('ssl://127.0.0.1:0', { ssl: { local_cert: file, verify_peer: false } });
    const { warnings } = await warningsOf(async () => {
      const client = track(tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }));
      client.on('error', () => {});
      expect(await accept(server, 5)).toBe(false); // no file yet
      client.destroy();
    });
    expect(warnings[0]).toContain(`Unable to set local cert chain file \`${file}'`);
    for (const name of ['first.test', 'second.test']) {
      // The accept is already waiting when the file changes: it reads the file once the connection is there.
      const accepting = accept(server, 5);
      const made = selfSignedCertificate({ commonName: name, altNames: [name] });
      writeFileSync(file, made.cert + made.key);
      const [client, conn] = await Promise.all([tlsClient(port), accepting]);
      expect(client.getPeerCertificate().subject.CN).toBe(name);
      client.destroy();
      fclose(conn as net.Socket);
    }
    fclose(server);
  });

  it('a silent client does not hold up a second accept: each handshake runs on its own', async () => {
    const { server, port } = serverOn('ssl://127.0.0.1:0');
    stream_set_timeout(server, 2); // the good one's handshake has that long to come first
    const silent = plainClient(port);
    await new Promise((resolve) => silent.once('connect', resolve));
    const order: string[] = [];
    const slow = warningsOf(() => accept(server, 5)).then((r) => (order.push('silent'), r));
    expect(await waitFor(() => (server.server as StreamServer).stats().accepted === 1)).toBe(true); // the silent connection is taken first
    const [client, good] = await Promise.all([tlsClient(port), accept(server, 5).then((c) => (order.push('good'), c))]);
    expect(good).toBeInstanceOf(tls.TLSSocket);
    const failed = await slow;
    expect(order).toEqual(['good', 'silent']);
    expect(failed.result).toBe(false);
    expect(failed.warnings).toEqual([
      'stream_socket_accept(): SSL: Handshake timed out',
      'stream_socket_accept(): Failed to enable crypto',
      'stream_socket_accept(): Accept failed: Success',
    ]);
    fclose(good as net.Socket);
    client.destroy();
    silent.destroy();
    fclose(server);
  });

  it('STARTTLS in a tiny line protocol: stream_socket_enable_crypto() resolves true, then the same stream is encrypted', async () => {
    const { server, port } = serverOn('tcp://127.0.0.1:0');
    const plain = plainClient(port);
    const conn = (await accept(server, 5)) as net.Socket;
    stream_socket_sendto(conn, '220 ready\r\n');
    expect(await readLine(plain)).toBe('220 ready\r\n');
    plain.write('STARTTLS\r\n');
    expect(await recvLine(conn)).toBe('STARTTLS\r\n');
    stream_socket_sendto(conn, '220 go ahead\r\n');
    expect(await readLine(plain)).toBe('220 go ahead\r\n');
    const upgraded = track(tls.connect({ socket: plain, rejectUnauthorized: false }));
    const enabled = stream_socket_enable_crypto(conn, true, STREAM_CRYPTO_METHOD_TLS_SERVER);
    await new Promise((resolve) => upgraded.once('secureConnect', resolve));
    expect(await enabled).toBe(true);
    expect(stream_get_meta_data(conn).crypto).toMatchObject({ protocol: 'TLSv1.3' });
    const again = await warningsOf(() => stream_socket_enable_crypto(conn, true, STREAM_CRYPTO_METHOD_TLS_SERVER));
    expect(again).toEqual({ result: false, warnings: ['stream_socket_enable_crypto(): SSL/TLS already set-up for this stream'] }); // as PHP
    upgraded.write('MAIL FROM:<a@b>\r\n');
    expect(await recvLine(conn)).toBe('MAIL FROM:<a@b>\r\n');
    stream_socket_sendto(conn, '250 ok\r\n');
    expect(await readLine(upgraded)).toBe('250 ok\r\n');
    fclose(conn);
    upgraded.destroy();
    fclose(server);
  });

  it.runIf(hasCommand('openssl'))('STARTTLS with openssl s_client -starttls smtp', async () => {
    const { server, port } = serverOn('tcp://127.0.0.1:0');
    const child = track(
      spawn('openssl', ['s_client', '-quiet', '-starttls', 'smtp', '-connect', `127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'ignore'] }),
    );
    const exited = new Promise((resolve) => child.once('close', resolve));
    let clientOut = '';
    child.stdout.on('data', (d: Buffer) => (clientOut += d));
    const conn = (await accept(server, 5)) as net.Socket;
    stream_socket_sendto(conn, '220 facade ESMTP\r\n');
    expect(await recvLine(conn)).toMatch(/^EHLO /);
    stream_socket_sendto(conn, '250-facade\r\n250 STARTTLS\r\n');
    expect(await recvLine(conn)).toBe('STARTTLS\r\n');
    stream_socket_sendto(conn, '220 go ahead\r\n');
    expect(await stream_socket_enable_crypto(conn, true, STREAM_CRYPTO_METHOD_TLS_SERVER)).toBe(true);
    child.stdin.end('hello over tls\n');
    expect(await recvLine(conn)).toBe('hello over tls\n');
    stream_socket_sendto(conn, '221 bye\r\n');
    fclose(conn);
    await exited;
    expect(clientOut).toContain('221 bye');
    fclose(server);
  });

  it('fclose() of the server during a handshake: the accept ends at the handshake deadline, nothing is left', async () => {
    const { server, port } = serverOn('ssl://127.0.0.1:0');
    stream_set_timeout(server, 1);
    const silent = plainClient(port);
    silent.on('error', () => {});
    const pending = warningsOf(() => accept(server, 5));
    expect(await waitFor(() => (server.server as StreamServer).stats().accepted === 1)).toBe(true); // taken: its handshake began
    fclose(server);
    const { result, warnings } = await pending;
    expect(result).toBe(false);
    expect(warnings[0]).toMatch(/SSL: Handshake timed out$/);
    silent.destroy();
  });

  it('two overlapping enable_crypto() calls: the second warns as PHP does, the first completes', async () => {
    const { server, port } = serverOn('tcp://127.0.0.1:0');
    const plain = plainClient(port);
    const conn = (await accept(server, 5)) as net.Socket;
    const first = stream_socket_enable_crypto(conn, true, STREAM_CRYPTO_METHOD_TLS_SERVER);
    const second = await warningsOf(() => stream_socket_enable_crypto(conn, true, STREAM_CRYPTO_METHOD_TLS_SERVER));
    expect(second).toEqual({ result: false, warnings: ['stream_socket_enable_crypto(): SSL/TLS already set-up for this stream'] });
    const upgraded = track(tls.connect({ socket: plain, rejectUnauthorized: false }));
    expect(await first).toBe(true);
    upgraded.destroy();
    fclose(conn);
    fclose(server);
  });

  it('enable_crypto: a client method on the server side fails like PHP (both sides say hello); bad arguments throw', async () => {
    const { server, port } = serverOn('tcp://127.0.0.1:0');
    const client = track(tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }));
    const clientFailed = new Promise((resolve) => client.once('error', resolve));
    const conn = (await accept(server, 5)) as net.Socket;
    const { result, warnings } = await warningsOf(() => stream_socket_enable_crypto(conn, true, STREAM_CRYPTO_METHOD_TLS_CLIENT));
    expect(result).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^stream_socket_enable_crypto\(\): SSL operation failed with code 1\. OpenSSL Error messages:\nerror:[0-9A-F]{8}:SSL routines::/,
    );
    await clientFailed;
    await expect(stream_socket_enable_crypto(conn, true)).rejects.toThrow(/must be specified when enabling encryption/);
    await expect(stream_socket_enable_crypto(conn, 'yes' as never, 120)).rejects.toThrow(TypeError);
    await expect(stream_socket_enable_crypto(new net.Socket(), true, 120)).rejects.toThrow(TypeError);
    fclose(conn);
    client.destroy();
    fclose(server);
  });

  it('capture_peer_cert(_chain): the client certificate lands in the context its server shares, as an X509Certificate', async () => {
    const mine = selfSignedCertificate({ commonName: 'a-client' });
    const options = { ssl: { ...SSL.ssl, allow_self_signed: true, capture_peer_cert: true, capture_peer_cert_chain: true } };
    const { server, port } = serverOn('ssl://127.0.0.1:0', options);
    const [client, conn] = await Promise.all([tlsClient(port, { cert: mine.cert, key: mine.key }), accept(server, 5)]);
    const ssl = stream_context_get_options(conn as net.Socket).ssl!;
    expect(ssl.peer_certificate).toBeInstanceOf(X509Certificate);
    expect((ssl.peer_certificate as X509Certificate).fingerprint256).toBe(new X509Certificate(mine.cert).fingerprint256);
    expect(ssl.peer_certificate_chain).toBeNull(); // the client sent its certificate alone
    expect(stream_context_get_options(server).ssl!.peer_certificate).toBe(ssl.peer_certificate);
    client.destroy();
    fclose(conn as net.Socket);
    fclose(server);
  });

  it('no_ticket: a TLS 1.2 client gets no session ticket (and one without the option)', async () => {
    for (const noTicket of [false, true]) {
      const { server, port } = serverOn('ssl://127.0.0.1:0', { ssl: { ...SSL.ssl, no_ticket: noTicket } });
      // TLS 1.2 hands out its ticket in the handshake; the client's 'session' event comes once the session is complete, ticket or not.
      const client = track(tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, maxVersion: 'TLSv1.2' }));
      const session = new Promise<Buffer>((resolve, reject) => client.once('session', resolve).once('error', reject));
      const [conn] = await Promise.all([accept(server, 5), session, new Promise((resolve) => client.once('secureConnect', resolve))]);
      expect({ noTicket, ticket: client.getTLSTicket() === undefined ? 'none' : 'issued' }).toEqual({
        noTicket,
        ticket: noTicket ? 'none' : 'issued',
      });
      client.destroy();
      fclose(conn as net.Socket);
      fclose(server);
    }
  });

  it('failed handshakes of every kind leave no socket behind', async () => {
    const cases: Array<{ options: ContextOptions; connect: (port: number) => net.Socket; timeout?: number; first: RegExp }> = [
      // no key: closed before any handshake
      {
        options: { ssl: { local_cert: certFile, local_pk: join(dir, 'missing.pem') } },
        connect: (port) => track(tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false })),
        first: /Unable to set private key file/,
      },
      // an ALPN name node:tls cannot send
      {
        options: { ssl: { ...SSL.ssl, alpn_protocols: 'x'.repeat(300) } },
        connect: (port) => track(tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false })),
        first: /Failed parsing comma-separated TLS ALPN/,
      },
      // garbage instead of a ClientHello: reset
      { options: SSL, connect: (port) => plainClient(port).end('GET / HTTP/1.0\r\n\r\n'), first: /::http request$/ },
      // an untrusted client certificate: refused after the handshake
      {
        options: SSL,
        connect: (port) => track(tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, cert, key })),
        first: /::certificate verify failed$/,
      },
      // silent until the handshake deadline
      { options: SSL, connect: (port) => plainClient(port), timeout: 1, first: /SSL: Handshake timed out$/ },
      // DH parameters that are not there
      {
        options: { ssl: { ...SSL.ssl, dh_param: join(dir, 'missing-dh.pem') } },
        connect: (port) => track(tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false })),
        first: /Invalid dh_param$/,
      },
    ];
    for (const c of cases) {
      const { server, port } = serverOn('ssl://127.0.0.1:0', c.options);
      if (c.timeout !== undefined) stream_set_timeout(server, c.timeout);
      const client = c.connect(port);
      client.on('error', () => {});
      const { result, warnings } = await warningsOf(() => accept(server, 5));
      expect(result).toBe(false);
      expect(warnings[0]).toMatch(c.first);
      expect(warnings.slice(-2)).toEqual([
        'stream_socket_accept(): Failed to enable crypto',
        'stream_socket_accept(): Accept failed: Success',
      ]);
      client.destroy();
      fclose(server);
    }
  });
});
