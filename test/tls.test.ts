// ssl:// and tls:// servers: handshakes with real clients (node:tls, openssl
// s_client, PHP), version pinning, passphrases, SNI, STARTTLS, and clients
// that misbehave without stalling anyone else.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServer, selfSignedCertificate, startTls, type TlsServer } from '../lib/index.js';
import { checkSocketLeaks } from './helpers/leaks.js';
import { hasCommand, run, waitFor } from './helpers/peers.js';
import { phpAvailable } from './php/harness.js';

const track = checkSocketLeaks();

const { cert, key } = selfSignedCertificate();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sss-tls-'));
  writeFileSync(join(dir, 'cert.pem'), cert);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tlsClient(port: number, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket: tls.TLSSocket = track(
      tls.connect({ port, host: '127.0.0.1', ca: cert, servername: 'localhost', ...options }, () => resolve(socket)),
    );
    socket.once('error', reject);
  });
}

/** Serves one connection: echoes the first chunk back upper-cased, then ends. */
function serveOne(server: TlsServer): Promise<tls.TLSSocket> {
  return server.accept({ timeout: 5000 }).then((conn) => {
    track(conn).once('data', (d: Buffer) => conn.end(d.toString().toUpperCase()));
    return conn;
  });
}

async function exchange(socket: tls.TLSSocket, text: string): Promise<string> {
  let got = '';
  socket.on('data', (d: Buffer) => (got += d));
  socket.write(text);
  await new Promise((resolve) => socket.once('end', resolve));
  socket.destroy();
  return got;
}

describe('TLS servers', () => {
  it('ssl:// with a self-signed certificate: a node:tls client completes the handshake and exchanges data', async () => {
    const server = track(openServer('ssl://127.0.0.1:0', { tls: { cert, key } }));
    const [conn, client] = await Promise.all([serveOne(server), tlsClient(server.port)]);
    expect(conn).toBeInstanceOf(tls.TLSSocket);
    expect(conn.encrypted).toBe(true);
    expect(await exchange(client, 'hello')).toBe('HELLO');
    expect(server.stats()).toMatchObject({ handshakes: 1, failures: 0 });
    server.close();
  });

  it('a TLS 1.2 client gets a session ticket, also when client certificates are asked for (a session id context is set)', async () => {
    for (const clientCertificates of ['none', 'optional'] as const) {
      const server = track(openServer('tls://127.0.0.1:0', { tls: { cert, key, clientCertificates } }));
      const accepted = server.accept({ timeout: 5000 }).then(track);
      const client = track(tls.connect({ port: server.port, host: '127.0.0.1', ca: cert, servername: 'localhost', maxVersion: 'TLSv1.2' }));
      const ticket = new Promise<Buffer>((resolve) => client.once('session', () => resolve(client.getTLSTicket()!)));
      await accepted;
      expect((await ticket).length).toBeGreaterThan(0);
      client.destroy();
      server.close();
    }
  });

  it('openssl s_client completes a handshake and exchanges data', async () => {
    if (!hasCommand('openssl')) {
      if (process.env.CI) throw new Error('openssl is required in CI');
      return;
    }
    const server = track(openServer('tls://127.0.0.1:0', { tls: { cert, key } }));
    const served = serveOne(server);
    const { stdout } = await run(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${server.port}`,
        '-CAfile',
        join(dir, 'cert.pem'),
        '-servername',
        'localhost',
        '-quiet',
        '-verify_return_error',
      ],
      { input: 'from openssl\n', timeoutMs: 10_000 },
    );
    await served;
    expect(stdout).toContain('FROM OPENSSL');
    server.close();
  });

  it('tlsv1.2:// refuses a TLS 1.3-only client, and tlsv1.3:// a TLS 1.2-only one', async () => {
    const v12 = track(openServer('tlsv1.2://127.0.0.1:0', { tls: { cert, key } }));
    const v13 = track(openServer('tlsv1.3://127.0.0.1:0', { tls: { cert, key } }));
    const failures: string[] = [];
    const bothFailed = new Promise<void>((resolve) => {
      const failed = (name: string) => () => failures.push(name) === 2 && resolve();
      v12.on('tlsClientError', failed('v12'));
      v13.on('tlsClientError', failed('v13'));
    });
    const pending = [v12.accept({ timeout: 3000 }).catch(() => null), v13.accept({ timeout: 3000 }).catch(() => null)];
    await expect(tlsClient(v12.port, { minVersion: 'TLSv1.3' })).rejects.toThrow();
    await expect(tlsClient(v13.port, { maxVersion: 'TLSv1.2' })).rejects.toThrow();
    const ok12 = await tlsClient(v12.port, { maxVersion: 'TLSv1.2' });
    expect(ok12.getProtocol()).toBe('TLSv1.2');
    ok12.destroy();
    await bothFailed; // each server saw its refused client
    expect(failures.sort()).toEqual(['v12', 'v13']);
    v12.close();
    v13.close();
    await Promise.all(pending);
  });

  it('a passphrase-protected key opens with its passphrase; a wrong one or a bad certificate fails at open, not at the first client', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const own = selfSignedCertificate();
    const locked = createPrivateKey(own.key).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'sesame',
    }) as string;
    const server = track(openServer('ssl://127.0.0.1:0', { tls: { cert: own.cert, key: locked, passphrase: 'sesame' } }));
    server.close();
    expect(() => openServer('ssl://127.0.0.1:0', { tls: { cert: own.cert, key: locked, passphrase: 'wrong' } })).toThrow(
      expect.objectContaining({ code: 'ERR_TLS_CONTEXT' }),
    );
    expect(() => openServer('ssl://127.0.0.1:0', { tls: { cert: own.cert, key: locked } })).toThrow(/TLS certificate\/key/);
    expect(() => openServer('ssl://127.0.0.1:0', { tls: { cert: 'not a certificate', key: own.key } })).toThrow(
      expect.objectContaining({ code: 'ERR_TLS_CONTEXT' }),
    );
    expect(() =>
      openServer('ssl://127.0.0.1:0', { tls: { cert: own.cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string } }),
    ).toThrow(/TLS/);
    expect(() => openServer('ssl://127.0.0.1:0')).toThrow(/needs options.tls/);
  });

  it('SNI picks the certificate of the name the client asks for', async () => {
    const a = selfSignedCertificate({ commonName: 'a.test', altNames: ['a.test'] });
    const b = selfSignedCertificate({ commonName: 'b.test', altNames: ['b.test'] });
    const server = track(openServer('tls://127.0.0.1:0', { tls: { cert, key, sni: { 'a.test': a, 'b.test': b } } }));
    for (const [name, pair] of [
      ['a.test', a],
      ['b.test', b],
    ] as const) {
      const [conn, client] = await Promise.all([
        server.accept({ timeout: 3000 }).then(track),
        tlsClient(server.port, { servername: name, ca: pair.cert }),
      ]);
      expect(client.getPeerCertificate().subject.CN).toBe(name);
      conn.destroy();
      client.destroy();
    }
    server.close();
  });

  it('a client that connects and sends nothing does not delay the next one', async () => {
    // The default handshake deadline (10 s): the silent one is still waiting when the next one is served.
    const server = track(openServer('tls://127.0.0.1:0', { tls: { cert, key } }));
    const silent = track(net.connect(server.port, '127.0.0.1')).on('error', () => {});
    let silentClosed = false;
    silent.once('close', () => (silentClosed = true));
    await new Promise((resolve) => silent.once('connect', resolve));
    const accepting = server.accept({ timeout: 10_000 });
    expect(await waitFor(() => server.stats().pending === 1)).toBe(true); // the silent one's handshake began first
    const [conn, client] = await Promise.all([accepting.then(track), tlsClient(server.port)]);
    expect(server.stats()).toMatchObject({ handshakes: 1, timeouts: 0, pending: 1 }); // served beside it, not behind it
    expect(silentClosed).toBe(false);
    conn.destroy();
    client.destroy();
    server.close(); // ends the silent one's handshake too
    await new Promise((resolve) => (silentClosed ? resolve(undefined) : silent.once('close', resolve)));
  });

  it('a client that connects and sends nothing is closed at the handshake timeout, and counted', async () => {
    const server = track(openServer('tls://127.0.0.1:0', { tls: { cert, key, handshakeTimeout: 300 } }));
    const accepting = server.accept({ timeout: 10_000 }).catch((e: unknown) => e);
    const silent = track(net.connect(server.port, '127.0.0.1')).on('error', () => {});
    await new Promise((resolve) => silent.once('connect', resolve));
    const connected = Date.now();
    await new Promise((resolve) => silent.once('close', resolve));
    expect(Date.now() - connected).toBeGreaterThanOrEqual(250); // not before the deadline (a lower bound only)
    expect(server.stats()).toMatchObject({ handshakes: 0, timeouts: 1, pending: 0 });
    server.close();
    expect(await accepting).toMatchObject({ code: 'EBADF' });
  });

  it('garbage bytes instead of a ClientHello are survived: counted, reported, and the server goes on', async () => {
    const server = track(openServer('tls://127.0.0.1:0', { tls: { cert, key } }));
    const errors: Error[] = [];
    server.on('tlsClientError', (e: Error) => errors.push(e));
    const failed = new Promise((resolve) => server.once('tlsClientError', resolve));
    const next = server.accept({ timeout: 3000 }).then(track);
    const junk: net.Socket = track(net.connect(server.port, '127.0.0.1', () => junk.write('GET / HTTP/1.0\r\n\r\n'))).on('error', () => {});
    await failed; // the junk was taken and refused first
    const client = await tlsClient(server.port);
    (await next).destroy();
    client.destroy();
    junk.destroy();
    expect(errors.length).toBe(1);
    expect(server.stats().failures).toBe(1);
    server.close();
  });

  it('STARTTLS in a tiny line protocol: plain greeting, upgrade, encrypted exchange', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const serverSide = (async () => {
      const conn = track(await server.accept({ timeout: 3000 }));
      conn.write('220 ready\n');
      await new Promise((resolve) => conn.once('data', resolve)); // "STARTTLS"
      conn.write('220 go ahead\n');
      const secure = track(await startTls(conn, { cert, key }));
      secure.once('data', (d: Buffer) => secure.end(`secret: ${d}`));
    })();
    const plain = track(net.connect(server.port, '127.0.0.1'));
    const lines: string[] = [];
    await new Promise<void>((resolve) => plain.once('data', (d: Buffer) => (lines.push(d.toString()), resolve())));
    plain.write('STARTTLS\n');
    await new Promise<void>((resolve) => plain.once('data', (d: Buffer) => (lines.push(d.toString()), resolve())));
    const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s: tls.TLSSocket = track(tls.connect({ socket: plain, ca: cert, servername: 'localhost' }, () => resolve(s)));
      s.once('error', reject);
    });
    expect(lines).toEqual(['220 ready\n', '220 go ahead\n']);
    expect(await exchange(secure, 'hi')).toBe('secret: hi');
    await serverSide;
    server.close();
  });

  it.runIf(phpAvailable())("PHP's stream_socket_client('ssl://…') with a CA file talks to our server", async () => {
    const server = track(openServer('ssl://127.0.0.1:0', { tls: { cert, key } }));
    const served = serveOne(server);
    const code = `
      $ctx = stream_context_create(['ssl' => ['cafile' => $argv[2], 'peer_name' => 'localhost']]);
      $c = stream_socket_client("ssl://127.0.0.1:" . $argv[1], $e, $s, 5, STREAM_CLIENT_CONNECT, $ctx);
      if (!$c) { echo "failed: $s"; exit(1); }
      fwrite($c, "from php");
      echo stream_get_contents($c);`;
    const { stdout } = await run('php', ['-r', code, String(server.port), join(dir, 'cert.pem')], { timeoutMs: 10_000 });
    await served;
    expect(stdout).toBe('FROM PHP');
    server.close();
  });
});
