// Hand-off in both directions, scale-out with node:cluster, and the accept
// error policies at EMFILE.
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer } from '../lib/index.js';
import { checkSocketLeaks } from './helpers/leaks.js';
import { connectOnly, hasCommand, run, runFixture, ssListen } from './helpers/peers.js';

const track = checkSocketLeaks();

function curl(url: string) {
  if (!hasCommand('curl')) throw new Error('curl is required (.ci/run installs it)');
  return run('curl', ['-s', '--max-time', '5', url]);
}

describe('hand-off', () => {
  it('http.createServer() serves on our listening socket, keeping our backlog (ss Send-Q)', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { backlog: 77 }));
    const port = server.port;
    const web = track(await server.handOff(http.createServer((req, res) => res.end(`node:http on our socket: ${req.url}`))));
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
    const server = track(openServer(`unix://${path}`, { backlog: 9 }));
    const netServer = track(await server.handOff(net.createServer((c) => c.end('from net.Server'))));
    const text = await new Promise<string>((resolve) => {
      let t = '';
      track(net.connect(path))
        .on('data', (d) => (t += d))
        .on('end', () => resolve(t));
    });
    expect(text).toBe('from net.Server');
    await new Promise((resolve) => netServer.close(resolve));
    expect(existsSync(path)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it("the other way: our iterator's sockets feed an http.Server through 'connection'; curl gets answers", async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { backlog: 33 }));
    const web = track(http.createServer((req, res) => res.end(`ours → http: ${req.url}`)));
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

  it('keeps our backlog, also 0 (node:net alone re-listens with `backlog || 511`)', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { backlog: 0 }));
    const port = server.port;
    const web = track(await server.handOff(net.createServer()));
    expect(ssListen(port)?.sendQ).toBe(0);
    await new Promise((resolve) => web.close(resolve));
  });

  it("leaves the target's own 'error' listeners in place", async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const mine = () => {};
    const web = track(net.createServer().on('error', mine));
    await server.handOff(web);
    expect(web.listeners('error')).toEqual([mine]);
    expect(web.listeners('listening')).toEqual([]);
    await new Promise((resolve) => web.close(resolve));
  });

  /** Our server after a failed hand-off: same fd, still bound, and a real client is accepted by it. */
  async function stillOurs(server: ReturnType<typeof openServer>, fd: number) {
    expect(server.closed).toBe(false);
    expect(server.fd).toBe(fd);
    const client = track(await connectOnly(server.port));
    const conn = track(await server.accept({ timeout: 2000 }));
    expect(conn.remotePort).toBe(client.localPort);
  }

  it.each([
    ['null', null],
    ['a plain object', {}],
    ['a string', 'http'],
    ['a number', 3],
  ])('refuses %s with a TypeError before giving anything up', async (_name, target) => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const fd = server.fd;
    const error = await server.handOff(target as unknown as net.Server).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/takes a net\.Server/) });
    await stillOurs(server, fd);
    server.close();
  });

  it('refuses a net.Server that listens already: a clear error, its listeners untouched, our server open and usable', async () => {
    const busy = track(net.createServer());
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const theirs = () => {};
    busy.on('error', theirs);
    const server = track(openServer('tcp://127.0.0.1:0'));
    const fd = server.fd;
    const error = await server.handOff(busy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({
      code: 'ERR_SERVER_ALREADY_LISTEN',
      message: expect.stringMatching(/already listening on 127\.0\.0\.1:\d+/),
    });
    expect(busy.listeners('error')).toEqual([theirs]);
    await stillOurs(server, fd);
    server.close();
  });

  it.each(['an error event', 'a throw'])('a target whose listen() fails with %s: the socket stays ours, open and usable', async (how) => {
    class Failing extends net.Server {
      override listen(): this {
        const error = Object.assign(new Error('no listening today'), { code: 'EACCES' });
        if (how === 'a throw') throw error;
        process.nextTick(() => this.emit('error', error));
        return this;
      }
    }
    const server = track(openServer('tcp://127.0.0.1:0'));
    const fd = server.fd;
    const waiting = server.accept({ timeout: 5000 }); // waits across the failed hand-off
    const target = new Failing();
    await expect(server.handOff(target)).rejects.toThrow('no listening today');
    expect(target.listeners('error')).toEqual([]);
    const client = track(await connectOnly(server.port));
    expect(track(await waiting).remotePort).toBe(client.localPort);
    await stillOurs(server, fd);
    server.close();
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
  const policy = async (name: string) =>
    JSON.parse((await runFixture('accept-emfile.mjs', [name], [], 25_000)).stdout.trim().split('\n').pop()!);
  // CPU is the child's own CPU time over a 1 s window, in % of one core. A
  // spin takes all it can get (94 % measured; less on a busy machine); an idle
  // server, whose fixture keeps topping up its fds every ms, about 8 %.
  const IDLE_CPU = 35;

  it('propagate: accept() rejects with the real errno and the server stays usable', async () => {
    const r = await policy('propagate');
    expect(r.first).toEqual({ errno: 24, code: 'EMFILE', syscall: 'accept4' });
    expect(r.recovered).toBe(true);
    expect(r.stats.errors.EMFILE).toBe(1);
    expect(r.warnings).toEqual([]); // the error itself reached the caller
  });

  it('propagate: a naive retry loop never gets two rejections without a wait (no spin)', async () => {
    const r = await policy('propagate-retry');
    expect(r.during.last, JSON.stringify(r)).toEqual({ errno: 24, code: 'EMFILE', syscall: 'accept4' });
    expect(r.cpu, JSON.stringify(r)).toBeLessThan(IDLE_CPU);
    expect(r.during.pauses).toBe(r.during.rejections); // a back-off after each
    expect(r.recovered).toBe(true);
  });

  it('pause: accepting pauses and retries (a few times, no busy loop); the waiting accept() succeeds once fds are free', async () => {
    const r = await policy('pause');
    expect(r.during.settled, JSON.stringify(r)).toBe(true);
    expect(r.during.accepted, JSON.stringify(r)).toBe(0);
    expect(r.during.pauses).toBeGreaterThanOrEqual(3);
    // No busy loop: each retry waits out the 20 ms back-off. A lower bound on the time
    // taken, with half a back-off of slack for timer granularity; a busy loop retries in µs.
    expect(r.during.elapsedMs).toBeGreaterThanOrEqual((r.during.pauses - 1) * 10);
    expect(r.during.clientClosed).toBe(false); // still queued, not dropped
    expect(r.after).toBe('accepted');
    expect(r.recovered).toBe(true);
    expect(r.warnings).toEqual([{ name: 'AcceptWarning', code: 'EMFILE' }]); // once for the episode
  });

  it('the default (pause): a `for await` server survives EMFILE and serves 50 fresh clients once fds are free', async () => {
    const r = await policy('for-await');
    expect(r.loopError, JSON.stringify(r)).toBeNull();
    expect(r.during.errors.EMFILE).toBeGreaterThanOrEqual(1);
    expect(r.during.pauses).toBeGreaterThanOrEqual(1);
    expect(r.cpu, JSON.stringify(r)).toBeLessThan(IDLE_CPU);
    expect(r.fresh).toBe(50);
    expect(r.stats.accepted).toBe(51); // and the one that waited through it
    expect(r.warnings).toEqual([{ name: 'AcceptWarning', code: 'EMFILE' }]);
  });

  it('shed: the queued connection is accepted and closed (the client sees it end), and counted', async () => {
    const r = await policy('shed');
    expect(r.during.settled, JSON.stringify(r)).toBe(true);
    expect(r.during.shed).toBe(1);
    expect(r.during.clientClosed).toBe(true);
    expect(r.recovered).toBe(true);
  });

  // The fixture pins the fd limit to the reserve's own number; on a loaded machine one of Node's
  // threads can still free and take a slot at the wrong moment (1 run in 3 with six files side by
  // side), and the scenario does not happen at all: try it again rather than report the setup.
  it('shed whose reserve fd cannot be reopened backs off instead of spinning, and recovers', { retry: 2 }, async () => {
    const r = await policy('shed-no-reserve');
    expect(r.during.errors.EMFILE, JSON.stringify(r)).toBeGreaterThanOrEqual(1);
    expect(r.cpu, JSON.stringify(r)).toBeLessThan(IDLE_CPU);
    expect(r.during.pauses).toBeGreaterThanOrEqual(1);
    expect(r.during.clientClosed).toBe(false); // nothing could be shed: still queued
    expect(r.after).toBe('accepted');
    expect(r.recovered).toBe(true);
  });

  it('close() or a second handOff() while one is pending, or a target closed before it listens: settled, no abort, no fd left', async () => {
    const { code, signal, stdout, stderr } = await runFixture('handoff-races.mjs', [], [], 20_000);
    expect(signal).toBeNull(); // close() during a hand-off used to abort in libuv (uv__server_io)
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({
      closeDuring: 'target',
      closeDuringServed: 200,
      closedAfter: true,
      second: 'SocketError EALREADY',
      first: 'target',
      secondServed: 200,
      targetClosed: 'SocketError ECANCELED',
      targetClosedServer: true,
      closedJustBefore: 'target',
      closedJustBeforeServed: 200,
      leaked: 0,
    });
  });
});
