import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer, SocketError } from '../lib/index.js';
import { socketWrapPath } from '../lib/stream/socket-wrap.js';
import { checkSocketLeaks } from './helpers/leaks.js';
import { connectOnly, fetchLine, runFixture, ssRecvQ, waitFor } from './helpers/peers.js';

const track = checkSocketLeaks();

describe('accept', () => {
  it('answers 1,000 connections in a row through the async iterator', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    let served = 0;
    const loop = (async () => {
      for await (const conn of server) {
        expect(conn).toBeInstanceOf(net.Socket);
        conn.end(`hello ${served++}\n`);
      }
    })();
    for (let i = 0; i < 1000; i++) {
      expect(await fetchLine(server.port)).toBe(`hello ${i}\n`);
    }
    server.close();
    await loop;
    expect(served).toBe(1000);
  });

  it('waitAcceptable() wakes when a connection is queued and takes nothing; false once closed; an abort ends the wait', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const waiting = server.waitAcceptable();
    const client = track(net.connect(server.port, '127.0.0.1'));
    expect(await waiting).toBe(true);
    await waitFor(() => server.queue().length === 1);
    expect(await server.waitAcceptable()).toBe(true); // still queued: ready at once
    expect(server.queue().length).toBe(1);
    const conn = track(await server.accept());
    expect(conn.remotePort).toBe(client.localPort);
    const aborted = server.waitAcceptable(AbortSignal.timeout(50));
    await expect(aborted).rejects.toThrow();
    const closing = server.waitAcceptable();
    server.close();
    expect(await closing).toBe(false);
    expect(await server.waitAcceptable()).toBe(false);
  });

  it('is pull-based: unrequested connections stay in the kernel queue', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const clients = await Promise.all([1, 2, 3].map(() => connectOnly(server.port).then(track)));
    expect(await waitFor(() => server.queue().length === 3)).toBe(true); // the server's side of each handshake done
    expect(server.queue().length).toBe(3);
    const conn = track(await server.accept());
    expect(server.queue().length).toBe(2);
    expect(conn.remotePort).toBe(clients[0]!.localPort);
    conn.destroy();
    for (const c of clients) c.destroy();
    server.close();
  });

  it('serves concurrent accept() calls in order, each with its own connection', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const pending = [0, 1, 2, 3].map(() => server.accept());
    const settled: number[] = [];
    pending.forEach((p, i) => void p.then(() => settled.push(i)));
    const clients: net.Socket[] = [];
    const conns: net.Socket[] = [];
    for (let i = 0; i < 4; i++) {
      clients.push(track(await connectOnly(server.port)));
      // The i-th connection goes to the i-th accept(), the later ones wait on.
      conns.push(track(await pending[i]!));
      expect(conns[i]!.remotePort).toBe(clients[i]!.localPort);
      expect(settled).toEqual([0, 1, 2, 3].slice(0, i + 1));
    }
    for (const s of [...conns, ...clients]) s.destroy();
    server.close();
  });

  it('accept({ timeout }) rejects with ETIMEDOUT and leaves the server usable', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const started = Date.now();
    const error = await server.accept({ timeout: 100 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(error).toBeInstanceOf(SocketError);
    expect(error).toMatchObject({ errno: 110, code: 'ETIMEDOUT' });
    const client = track(await connectOnly(server.port));
    const conn = track(await server.accept({ timeout: 2000 }));
    expect(conn.remotePort).toBe(client.localPort);
    conn.destroy();
    client.destroy();
    server.close();
  });

  it('accept({ signal }) rejects with the abort reason', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const controller = new AbortController();
    const pending = server.accept({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await expect(server.accept({ signal: AbortSignal.abort(new Error('already')) })).rejects.toThrow('already');
    server.close();
  });

  it('close() ends a pending for-await and rejects pending accept() with EBADF', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const yielded: net.Socket[] = [];
    const loop = (async () => {
      for await (const conn of server) yielded.push(conn);
      return 'ended';
    })();
    const pending = server.accept();
    // Both are waiting now: the loop's first next() and accept() are pending.
    server.close();
    server.close(); // idempotent
    expect(await loop).toBe('ended');
    await expect(pending).rejects.toMatchObject({ code: 'EBADF', syscall: 'accept4' });
    expect(yielded).toEqual([]);
    expect(server.closed).toBe(true);
    expect(server.fd).toBe(-1);
    await expect(server.accept()).rejects.toMatchObject({ code: 'EBADF' });
    await expect(connectOnly(server.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('break leaves the server open for the next consumer', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const first = connectOnly(server.port).then(track);
    for await (const conn of server) {
      track(conn).destroy();
      break;
    }
    (await first).destroy();
    const client = track(await connectOnly(server.port));
    const conn = track(await server.accept({ timeout: 2000 }));
    conn.destroy();
    client.destroy();
    server.close();
  });

  it('accepted sockets work with http.Server through its connection event', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const web = http.createServer((req, res) => res.end(`you asked for ${req.url}`));
    const loop = (async () => {
      for await (const conn of server) web.emit('connection', conn);
    })();
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: server.port, path: '/hello', agent: false }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    expect(body).toBe('you asked for /hello');
    server.close();
    await loop;
    web.close();
    web.closeAllConnections();
  });

  it('accept({ paused: true }) reads nothing from the kernel until asked', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const client = track(await connectOnly(server.port));
    client.write('early bytes');
    const conn = track(await server.accept({ paused: true }));
    // The bytes reach the server's kernel receive queue, and stay there.
    expect(await waitFor(() => ssRecvQ(server.port, client.localPort!) === 'early bytes'.length)).toBe(true);
    expect(conn.readableLength).toBe(0);
    const data = await new Promise<string>((resolve) => conn.once('data', (d: Buffer) => resolve(d.toString())).resume());
    expect(data).toBe('early bytes');
    conn.destroy();
    client.destroy();
    server.close();
  });

  it('when the watch cannot start, every waiter gets the error, not only the first (none hangs behind it)', async () => {
    // A real way for libuv to refuse our poll: node:net watches the same fd
    // already (uv_poll_init EEXIST).
    const server = track(openServer('tcp://127.0.0.1:0'));
    const squatter = track(net.createServer());
    await new Promise<void>((resolve) => squatter.listen({ fd: server.fd }, resolve));
    const first = await server.accept({ timeout: 2000 }).catch((e: unknown) => e);
    const second = await server.accept({ timeout: 2000 }).catch((e: unknown) => e);
    for (const error of [first, second]) {
      expect(error).toBeInstanceOf(SocketError);
      expect(error).toMatchObject({ code: 'EEXIST', syscall: 'uv_poll_start', port: server.port });
    }
    // Both own the fd now: close both in one synchronous step, so its number is not reused in between.
    squatter.close();
    server.close();
  });

  it('accepted fds are non-blocking and close-on-exec', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const client = track(await connectOnly(server.port));
    const fd = await server.acceptFd();
    expect(fd).toBeGreaterThan(2);
    const { readFileSync } = await import('node:fs');
    const flags = parseInt(/flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
    expect(flags & 0o4000).toBe(0o4000); // O_NONBLOCK
    expect(flags & 0o2000000).toBe(0o2000000); // O_CLOEXEC
    const conn = new net.Socket({ fd: fd!, readable: true, writable: true });
    conn.destroy();
    client.destroy();
    server.close();
  });
});

describe('the public net.Socket({ fd }) path, under --pending-deprecation', () => {
  // Without the flag, accepted fds open on Node's own TCP/Pipe wrap
  // (process.binding, DEP0111); with it, in any of its three forms, the
  // library takes the public path, so Node prints no deprecation warning.
  it('this process takes the path its own flags ask for (.ci/run runs this file both ways)', () => {
    const flagged =
      process.execArgv.includes('--pending-deprecation') ||
      process.env.NODE_PENDING_DEPRECATION === '1' ||
      /(^|\s)--pending[-_]deprecation(\s|$)/.test(process.env.NODE_OPTIONS ?? '');
    expect({ tcp: socketWrapPath('tcp'), pipe: socketWrapPath('pipe') }).toEqual(
      flagged ? { tcp: 'public', pipe: 'public' } : { tcp: 'private', pipe: 'private' },
    );
  });

  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && k !== 'NODE_PENDING_DEPRECATION'));
  it.each([
    ['no flag', 'private', [], {}],
    ['NODE_OPTIONS=--pending-deprecation', 'public', [], { NODE_OPTIONS: '--pending-deprecation' }],
    [
      'NODE_OPTIONS with other flags, underscore spelling',
      'public',
      [],
      { NODE_OPTIONS: '--no-warnings=ExperimentalWarning  --pending_deprecation' },
    ],
    ['node --pending-deprecation', 'public', ['--pending-deprecation'], {}],
    ['NODE_PENDING_DEPRECATION=1', 'public', [], { NODE_PENDING_DEPRECATION: '1' }],
  ] as const)('%s: the %s path; accepted TCP and unix sockets exchange data; no warning', async (_name, path, flags, env) => {
    const { code, stdout, stderr } = await runFixture('wrap-path.mjs', [], [...flags], 15_000, { ...clean, ...env });
    expect(stderr).toBe(''); // no DEP0111, no DeprecationWarning of any kind
    expect(code).toBe(0);
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(r).toEqual({
      paths: { tcp: path, pipe: path },
      tcp: { kind: 'net.Socket', text: 'echo:ping' },
      unix: { kind: 'net.Socket', text: 'echo:ping' },
      warnings: [],
    });
  });
});
