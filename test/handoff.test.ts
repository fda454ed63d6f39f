// Hand-off in both directions, and scale-out with node:cluster.
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer } from '../lib/index.js';
import { checkSocketLeaks } from './helpers/leaks.js';
import { hasCommand, run, runFixture, ssListen } from './helpers/peers.js';

checkSocketLeaks();

function curl(url: string) {
  if (!hasCommand('curl')) throw new Error('curl is required (.ci/run installs it)');
  return run('curl', ['-s', '--max-time', '5', url]);
}

describe('hand-off', () => {
  it('http.createServer() serves on our listening socket, keeping our backlog (ss Send-Q)', async () => {
    const server = openServer('tcp://127.0.0.1:0', { backlog: 77 });
    const port = server.port;
    const web = await server.handOff(http.createServer((req, res) => res.end(`node:http on our socket: ${req.url}`)));
    expect(server.closed).toBe(true);
    expect(ssListen(port)?.sendQ).toBe(77); // node:net alone would have re-listened with 511
    expect((await curl(`http://127.0.0.1:${port}/hi`)).stdout).toBe('node:http on our socket: /hi');
    await new Promise((resolve) => web.close(resolve));
  });

  it('a plain net.Server takes over a unix socket and its file goes when it closes', async () => {
    const { mkdtempSync, rmSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/sss-hand-`);
    const path = `${dir}/h.sock`;
    const server = openServer(`unix://${path}`, { backlog: 9 });
    const netServer = await server.handOff(net.createServer((c) => c.end('from net.Server')));
    const text = await new Promise<string>((resolve) => {
      let t = '';
      net.connect(path).on('data', (d) => (t += d)).on('end', () => resolve(t));
    });
    expect(text).toBe('from net.Server');
    await new Promise((resolve) => netServer.close(resolve));
    expect(existsSync(path)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it("the other way: our iterator's sockets feed an http.Server through 'connection'; curl gets answers", async () => {
    const server = openServer('tcp://127.0.0.1:0', { backlog: 33 });
    const web = http.createServer((req, res) => res.end(`ours → http: ${req.url}`));
    const loop = (async () => {
      for await (const conn of server) web.emit('connection', conn);
    })();
    for (const path of ['/a', '/b']) expect((await curl(`http://127.0.0.1:${server.port}${path}`)).stdout).toBe(`ours → http: ${path}`);
    expect(ssListen(server.port)?.sendQ).toBe(33);
    server.close();
    await loop;
    web.closeAllConnections();
    web.close();
  });
});

describe('scale-out', () => {
  it('two node:cluster workers share a port through SO_REUSEPORT and both get connections', async () => {
    const { code, stdout, stderr } = await runFixture('cluster-reuseport.mjs', [], [], 30_000);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const r = JSON.parse(stdout.trim()) as { workers: number; counts: Record<string, number> };
    expect(r.workers).toBe(2);
    expect(Object.values(r.counts).reduce((a, b) => a + b)).toBe(200);
    for (const n of Object.values(r.counts)) expect(n).toBeGreaterThan(0);
  });
});

describe('accept error policies at EMFILE (in a child with a low fd limit)', () => {
  const policy = async (name: string) => JSON.parse((await runFixture('accept-emfile.mjs', [name], [], 20_000)).stdout.trim().split('\n').pop()!);

  it('propagate: accept() rejects with the real errno and the server stays usable', async () => {
    const r = await policy('propagate');
    expect(r.first).toEqual({ errno: 24, code: 'EMFILE', syscall: 'accept4' });
    expect(r.recovered).toBe(true);
    expect(r.stats.errors.EMFILE).toBe(1);
  });

  it('pause: accepting pauses and retries (a few times, no busy loop); the waiting accept() succeeds once fds are free', async () => {
    const r = await policy('pause');
    expect(r.during.accepted, JSON.stringify(r)).toBe(0);
    expect(r.during.pauses).toBeGreaterThanOrEqual(2);
    expect(r.during.pauses).toBeLessThanOrEqual(20); // 200 ms at a 20 ms back-off
    expect(r.during.clientClosed).toBe(false); // still queued, not dropped
    expect(r.after).toBe('accepted');
    expect(r.recovered).toBe(true);
  });

  it('shed: the queued connection is accepted and closed (the client sees it end), and counted', async () => {
    const r = await policy('shed');
    expect(r.during.shed).toBe(1);
    expect(r.during.clientClosed).toBe(true);
    expect(r.recovered).toBe(true);
  });
});
