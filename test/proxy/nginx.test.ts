// The PROXY header as nginx's stream module sends it (proxy_protocol on: v1):
// the header names the real client's address and port.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/peers.js';
import { openServer, proxyOf, type StreamServer } from '../../lib/index.js';

if (spawnSync('sh', ['-c', 'command -v nginx']).status !== 0)
  throw new Error('nginx is required (Debian packages nginx, libnginx-mod-stream)');
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

let dir: string;
let server: StreamServer;
let nginx: ReturnType<typeof spawn>;
let port = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sss-nginx-'));
  server = openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['127.0.0.1'] } });
  port = await freePort();
  const load = existsSync(STREAM_MODULE) ? `load_module ${STREAM_MODULE};\n` : '';
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${load}daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 64; }
stream {
  server {
    listen 127.0.0.1:${port};
    proxy_pass 127.0.0.1:${server.port};
    proxy_protocol on;
  }
}
`,
  );
  // One process (master_process off): killing it leaves no orphaned worker behind.
  nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => (c.destroy(), resolve(true))).on('error', () => resolve(false));
    });
    if (ok) break;
    if (i > 200 || nginx.exitCode !== null) throw new Error('nginx did not start');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
});

afterAll(() => {
  nginx?.kill('SIGKILL');
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('behind nginx (stream, proxy_protocol on)', () => {
  it('the header names the client address and port, and the client data follows it', async () => {
    const client = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    client.write('hello');
    for (;;) {
      const conn = await server.accept({ timeout: 10_000 });
      if (conn.remotePort !== client.localPort) {
        conn.destroy(); // the start-up probe's
        continue;
      }
      expect(conn.remoteAddress).toBe('127.0.0.1');
      expect(proxyOf(conn)).toMatchObject({ version: 1, family: 'tcp4', source: { address: '127.0.0.1', port: client.localPort } });
      expect(await new Promise((resolve) => conn.once('data', (d: Buffer) => resolve(d.toString())))).toBe('hello');
      conn.destroy();
      break;
    }
    client.destroy();
  });
});
