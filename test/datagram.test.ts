// udp:// and udg:// DatagramServers with real peers: node:dgram, socat, PHP.
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openServer, SocketError, type DatagramServer } from '../lib/index.js';
import { C, native, type NativeHandle } from '../lib/binding/native.js';
import { checkSocketLeaks } from './helpers/leaks.js';
import { hasCommand, run } from './helpers/peers.js';

const track = checkSocketLeaks();

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sss-dgram-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function client(type: 'udp4' | 'udp6'): Promise<dgram.Socket> {
  const socket = dgram.createSocket(type);
  return new Promise((resolve) => socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', () => resolve(socket)));
}

/** A call on a borrowed handle: the addon takes handles, not fd numbers. */
function onFd<T>(fd: number, call: (h: NativeHandle) => T): T {
  const h = native.borrow(fd);
  try {
    return call(h);
  } finally {
    native.close(h);
  }
}

describe('udp', () => {
  it.each([
    ['udp://127.0.0.1:0', 'udp4', '127.0.0.1'],
    ['udp://[::1]:0', 'udp6', '::1'],
  ] as const)('%s receives from node:dgram with the sender address, and answers it', async (url, type, host) => {
    const server = track(openServer(url));
    const peer = await client(type);
    const reply = new Promise<string>((resolve) => peer.once('message', (m) => resolve(m.toString())));
    peer.send('ping', server.port, host);
    const msg = await server.recvfrom(100, { timeout: 3000 });
    expect(msg.data.toString()).toBe('ping');
    expect(msg.from).toEqual({ family: type === 'udp4' ? 'IPv4' : 'IPv6', address: host, port: peer.address().port });
    expect(server.sendto('pong', msg.from as { address: string; port: number })).toBe(4);
    expect(await reply).toBe('pong');
    peer.close();
    server.close();
  });

  it('reports truncation instead of cutting silently, and peeks without taking', async () => {
    const server = track(openServer('udp://127.0.0.1:0'));
    const peer = await client('udp4');
    peer.send('0123456789', server.port, '127.0.0.1');
    const peeked = await server.recvfrom(100, { peek: true, timeout: 3000 });
    const cut = await server.recvfrom(4);
    expect(peeked.data.toString()).toBe('0123456789');
    expect(cut).toMatchObject({ truncated: true, size: 10 });
    expect(cut.data.toString()).toBe('0123');
    expect(server.stats()).toMatchObject({ received: 2, truncated: 1 });
    peer.close();
    server.close();
  });

  it('answers socat UDP-SENDTO', async () => {
    if (!hasCommand('socat')) {
      if (process.env.CI) throw new Error('socat is required in CI');
      return;
    }
    const server = track(openServer('udp://127.0.0.1:0'));
    const sent = run('socat', ['-u', '-', `UDP-SENDTO:127.0.0.1:${server.port}`], { input: 'from socat' });
    const msg = await server.recvfrom(100, { timeout: 3000 });
    expect(msg.data.toString()).toBe('from socat');
    await sent;
    server.close();
  });

  it('10,000 datagrams in a paced burst all arrive through the batched iterator', async () => {
    const server = track(openServer('udp://127.0.0.1:0'));
    const peer = await client('udp4');
    const N = 10_000;
    const payload = Buffer.alloc(64, 1);
    let received = 0;
    const reader = (async () => {
      for await (const msg of server) {
        expect(msg.data.length).toBe(64);
        if (++received === N) return;
      }
    })();
    for (let i = 0; i < N; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, () => new Promise<void>((resolve) => peer.send(payload, server.port, '127.0.0.1', () => resolve()))),
      );
      await new Promise((resolve) => setImmediate(resolve)); // let the reader drain: stay below the buffer
    }
    await reader;
    expect(received).toBe(N);
    peer.close();
    server.close();
  });

  it('a queued burst costs few trips: 1,000 datagrams arrive in about 1000/64 recvmmsg batches', async () => {
    const server = track(openServer('udp://127.0.0.1:0', { recvBufferSize: 4 << 20 }));
    const peer = await client('udp4');
    const N = 1000;
    for (let i = 0; i < N; i += 100) {
      await Promise.all(
        Array.from(
          { length: 100 },
          () => new Promise<void>((resolve) => peer.send(Buffer.alloc(32), server.port, '127.0.0.1', () => resolve())),
        ),
      );
    }
    let received = 0;
    for await (const _ of server.messages({ batch: 64 })) if (++received === N) break;
    expect(server.stats().receiveCalls).toBeLessThanOrEqual(Math.ceil(N / 64) + 2);
    peer.close();
    server.close();
  });

  it('loss above the receive buffer is counted, not hidden', async () => {
    const server = track(openServer('udp://127.0.0.1:0', { recvBufferSize: 4096 }));
    const peer = await client('udp4');
    const N = 10_000;
    for (let i = 0; i < N; i += 500) {
      await Promise.all(
        Array.from(
          { length: 500 },
          () => new Promise<void>((resolve) => peer.send(Buffer.alloc(64), server.port, '127.0.0.1', () => resolve())),
        ),
      );
    }
    // Every send has returned: each datagram is in the receive buffer or
    // counted as dropped. Read until they are all accounted for (a receive
    // that waits in vain for a missing one fails the test at its timeout).
    let received = 0;
    const accounted = () => {
      const { drops, systemReceiveBufferErrors } = server.stats();
      return received + (drops >= 0 ? drops : (systemReceiveBufferErrors ?? 0));
    };
    while (accounted() < N) {
      const more = await server.recvfrom(100, { timeout: 5000 }).catch(() => null);
      if (more === null) break;
      received++;
    }
    const stats = server.stats();
    expect(received).toBeLessThan(N);
    // Per socket where the kernel reports it (SO_RXQ_OVFL), else the namespace's counter.
    if (stats.drops >= 0) expect(received + stats.drops).toBe(N);
    else expect(received + stats.systemReceiveBufferErrors!).toBeGreaterThanOrEqual(N);
    peer.close();
    server.close();
  });

  it('recvfrom() users see the drop count too (SO_RXQ_OVFL on recvmsg), not only the batched receive', async () => {
    const server = track(openServer('udp://127.0.0.1:0', { recvBufferSize: 4096 }));
    const peer = track(await client('udp4'));
    const send = (n: number) =>
      Promise.all(
        Array.from(
          { length: n },
          () => new Promise<void>((resolve) => peer.send(Buffer.alloc(64), server.port, '127.0.0.1', () => resolve())),
        ),
      );
    await send(500); // far more than fits: most are dropped
    // Drain what fit, with recvfrom alone; the next datagram then carries the socket's drop count.
    while (
      await server.recvfrom(100, { timeout: 100 }).then(
        () => true,
        () => false,
      )
    );
    await send(1);
    expect(server.stats().drops).toBe(-1);
    await server.recvfrom(100, { timeout: 2000 });
    expect(server.stats().drops).toBeGreaterThan(0);
  });

  it('a poll error (POLLERR) rejects the waiting receives instead of waking them into a spin; a later wait watches anew', async () => {
    const server = track(openServer('udp://127.0.0.1:0'));
    // IP_RECVERR (11 on Linux): an ICMP error is queued on the socket's error
    // queue, and the socket is POLLERR until someone reads that queue.
    onFd(server.fd, (h) => native.setsockopt(h, C.IPPROTO_IP!, 11, 1));
    const gone = await client('udp4');
    const closedPort = gone.address().port;
    gone.close();
    server.sendto('probe', `127.0.0.1:${closedPort}`); // ICMP port unreachable comes back
    const errors: unknown[] = [];
    for (let i = 0; i < 3; i++) errors.push(await server.recvfrom(100, { timeout: 2000 }).catch((e: unknown) => e));
    // The pending error (SO_ERROR, ECONNREFUSED) goes to one receive; then only POLLERR remains.
    for (const error of errors) expect(error).toBeInstanceOf(SocketError);
    expect(errors.map((e) => (e as SocketError).code)).not.toContain('ETIMEDOUT');
    expect(errors[2]).toMatchObject({ code: 'EBADF', syscall: 'poll', reason: expect.stringMatching(/POLLERR/), port: server.port });
    await expect(server.waitReadable()).rejects.toMatchObject({ code: 'EBADF', syscall: 'poll' });
    // Read the error queue (MSG_ERRQUEUE, 0x2000): the next wait watches anew and a datagram wakes it.
    onFd(server.fd, (h) => native.recvfrom(h, 100, 0x2000 | C.MSG_DONTWAIT!));
    const peer = await client('udp4');
    const got = server.recvfrom(100, { timeout: 3000 });
    peer.send('after', server.port, '127.0.0.1');
    expect(String((await got).data)).toBe('after');
    peer.close();
    server.close();
  });

  it('broadcast and buffer options are applied', () => {
    const server = track(openServer('udp://127.0.0.1:0', { broadcast: true, recvBufferSize: 65536 }));
    expect(server.port).toBeGreaterThan(0);
    server.close();
  });
});

describe('udg (unix datagrams)', () => {
  it('receives from socat UNIX-SENDTO (an unbound sender has an empty path); file removed on close', async () => {
    const path = join(dir, 'd.sock');
    const server: DatagramServer = track(openServer(`udg://${path}`, { mode: 0o660 }));
    expect(server.name).toBe(path);
    if (hasCommand('socat')) {
      const sent = run('socat', ['-u', '-', `UNIX-SENDTO:${path}`], { input: 'via socat' });
      const msg = await server.recvfrom(100, { timeout: 3000 });
      expect(msg.data.toString()).toBe('via socat');
      await sent;
    } else if (process.env.CI) throw new Error('socat is required in CI');
    server.close();
    expect(existsSync(path)).toBe(false);
  });

  it('talks both ways with a bound udg peer', async () => {
    const a = track(openServer(`udg://${join(dir, 'a.sock')}`));
    const b = track(openServer(`udg://${join(dir, 'b.sock')}`));
    expect(b.sendto('hello a', join(dir, 'a.sock'))).toBe(7);
    const msg = await a.recvfrom(100, { timeout: 3000 });
    expect(msg).toMatchObject({ from: { family: 'unix', path: join(dir, 'b.sock') }, truncated: false });
    a.sendto('hello b', { path: join(dir, 'b.sock') });
    expect((await b.recvfrom(100, { timeout: 3000 })).data.toString()).toBe('hello b');
    a.close();
    b.close();
  });

  it('close() ends a pending recvfrom and iterator', async () => {
    const server = track(openServer(`udg://${join(dir, 'c.sock')}`));
    const pending = server.recvfrom(10);
    const iterated = (async () => {
      for await (const _ of server) return 'yielded';
      return 'ended';
    })();
    // Both wait now: recvfrom() found nothing, the iterator's first next() too.
    server.close();
    await expect(pending).rejects.toMatchObject({ code: 'EBADF' });
    expect(await iterated).toBe('ended');
  });
});
