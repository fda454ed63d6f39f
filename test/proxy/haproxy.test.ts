// The PROXY header as HAProxy really sends it: send-proxy (v1),
// send-proxy-v2 with a unique id, and a TLS frontend with
// proxy-v2-options ssl,authority,unique-id; each time the header names the
// real client's address and port, as its socket sees them.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/peers.js';
import { openServer, proxyOf, selfSignedCertificate, type StreamServer } from '../../lib/index.js';

if (spawnSync('sh', ['-c', 'command -v haproxy']).status !== 0) throw new Error('haproxy is required (Debian package haproxy)');

let dir: string;
let server: StreamServer;
let haproxy: ReturnType<typeof spawn>;
const ports = { v1: 0, v2: 0, tls: 0 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sss-haproxy-'));
  server = openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['127.0.0.1'] } });
  const { cert, key } = selfSignedCertificate({ commonName: 'www.example.test', altNames: ['www.example.test'] });
  writeFileSync(join(dir, 'site.pem'), `${cert}${key}`);
  for (const name of ['v1', 'v2', 'tls'] as const) ports[name] = await freePort();
  const backend = `127.0.0.1:${server.port}`;
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    `defaults
  mode tcp
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend v1
  bind 127.0.0.1:${ports.v1}
  default_backend v1
backend v1
  server s ${backend} send-proxy
frontend v2
  bind 127.0.0.1:${ports.v2}
  unique-id-format %{+X}o%ci:%cp
  default_backend v2
backend v2
  server s ${backend} send-proxy-v2 proxy-v2-options unique-id
frontend tls
  bind 127.0.0.1:${ports.tls} ssl crt ${join(dir, 'site.pem')}
  unique-id-format %{+X}o%ci:%cp
  default_backend tls
backend tls
  server s ${backend} send-proxy-v2 proxy-v2-options ssl,authority,unique-id
`,
  );
  haproxy = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  haproxy.stderr!.on('data', (d: Buffer) => (errors += d));
  // Ready once all three frontends accept.
  for (const port of Object.values(ports)) {
    for (let i = 0; ; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const probe = net.connect(port, '127.0.0.1', () => (probe.destroy(), resolve(true))).on('error', () => resolve(false));
      });
      if (ok) break;
      if (i > 200 || haproxy.exitCode !== null) throw new Error(`haproxy did not start: ${errors}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
});

afterAll(async () => {
  haproxy?.kill('SIGKILL');
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The connection HAProxy relayed for the client on local `port` (the start-up
 * probes' are skipped): it presents that client, and its first bytes are the
 * client's "hello". Returns the header it came with.
 */
async function headerOf(port: number) {
  for (;;) {
    const conn = await server.accept({ timeout: 10_000 });
    if (conn.remotePort !== port) {
      conn.destroy();
      continue;
    }
    expect(conn.remoteAddress).toBe('127.0.0.1');
    const first = await new Promise<string>((resolve) => conn.once('data', (d: Buffer) => resolve(d.toString())));
    conn.destroy();
    expect(first).toBe('hello');
    return proxyOf(conn)!;
  }
}

describe('behind HAProxy 2.x', () => {
  it('send-proxy (v1): the client address and port', async () => {
    const client = net.connect(ports.v1, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    client.write('hello');
    const header = await headerOf(client.localPort!);
    expect(header).toMatchObject({ version: 1, family: 'tcp4', source: { address: '127.0.0.1', port: client.localPort } });
    client.destroy();
  });

  it('send-proxy-v2 with a unique id', async () => {
    const client = net.connect(ports.v2, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    client.write('hello');
    const header = await headerOf(client.localPort!);
    expect(header).toMatchObject({
      version: 2,
      command: 'proxy',
      family: 'tcp4',
      source: { address: '127.0.0.1', port: client.localPort },
    });
    // unique-id-format %{+X}o%ci:%cp: the client's address and port, in hex
    expect(header.tlvs.uniqueId?.toString()).toBe(`7F000001:${client.localPort!.toString(16).toUpperCase()}`);
    client.destroy();
  });

  it('a TLS frontend, proxy-v2-options ssl,authority,unique-id: the SNI and the TLS version reach us', async () => {
    const client = tls.connect({ port: ports.tls, host: '127.0.0.1', servername: 'www.example.test', rejectUnauthorized: false });
    await new Promise((resolve) => client.once('secureConnect', resolve));
    client.write('hello');
    const header = await headerOf(client.localPort!);
    expect(header).toMatchObject({
      version: 2,
      source: { address: '127.0.0.1', port: client.localPort },
      tlvs: { authority: 'www.example.test' },
    });
    expect(header.tlvs.ssl).toMatchObject({ version: client.getProtocol() });
    expect(header.tlvs.ssl!.client & 0x01).toBe(1); // PP2_CLIENT_SSL
    client.destroy();
  });
});
