// Every listening-socket option: validated, applied at its moment, read back,
// and its effect observed where loopback can show it.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { constants as C, openServer, SocketError } from '../lib/index.js';
import { native } from '../lib/binding/native.js';
import { checkSocketLeaks } from './helpers/leaks.js';
import { connectOnly, waitFor } from './helpers/peers.js';

const track = checkSocketLeaks();

const fdOf = (socket: net.Socket) => (socket as unknown as { _handle: { fd: number } })._handle.fd;

describe('socket options', () => {
  it('each option is read back as set', () => {
    const server = openServer('tcp://127.0.0.1:0', {
      reusePort: true,
      recvBufferSize: 65536,
      sendBufferSize: 65536,
      keepAlive: true,
      keepAliveIdle: 30,
      keepAliveInterval: 5,
      keepAliveCount: 4,
      noDelay: true,
      userTimeout: 7000,
      incomingCpu: 0,
      fastOpen: 16,
      deferAccept: 2,
      freeBind: true,
      transparent: true,
    });
    expect(server.getOption('reuseAddr')).toBe(true);
    expect(server.getOption('reusePort')).toBe(true);
    expect(server.getOption('recvBufferSize')).toBeGreaterThanOrEqual(65536); // Linux doubles it
    expect(server.getOption('sendBufferSize')).toBeGreaterThanOrEqual(65536);
    expect(server.getOption('keepAlive')).toBe(true);
    expect(server.getOption('keepAliveIdle')).toBe(30);
    expect(server.getOption('keepAliveInterval')).toBe(5);
    expect(server.getOption('keepAliveCount')).toBe(4);
    expect(server.getOption('noDelay')).toBe(true);
    expect(server.getOption('userTimeout')).toBe(7000);
    expect(server.getOption('incomingCpu')).toBe(0);
    expect(server.getOption('fastOpen')).toBe(16);
    expect(server.getOption('deferAccept')).toBeGreaterThanOrEqual(2); // rounded up to a retransmit boundary
    expect(server.getOption('freeBind')).toBe(true);
    expect(server.getOption('transparent')).toBe(true);
    server.close();
  });

  it('bindToDevice: SO_BINDTODEVICE "lo" reads back (needs CAP_NET_RAW, as root here)', () => {
    const server = track(openServer('tcp://127.0.0.1:0', { bindToDevice: 'lo' }));
    expect(server.getOption('bindToDevice')).toBe('lo');
    server.close();
  });

  it('the escape hatch reads and writes any int option', () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    server.setsockopt(C.SOL_SOCKET, C.SO_KEEPALIVE, 1);
    expect(server.getsockopt(C.SOL_SOCKET, C.SO_KEEPALIVE)).toBe(1);
    expect(() => server.setsockopt(C.SOL_SOCKET, 9999, 1)).toThrow(SocketError);
    server.close();
  });

  it('accepted sockets inherit TCP_NODELAY, SO_KEEPALIVE and TCP_KEEPIDLE from the listener (Linux)', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { noDelay: true, keepAlive: true, keepAliveIdle: 42 }));
    const client = track(await connectOnly(server.port));
    const conn = track(await server.accept({ timeout: 2000 }));
    const borrowed = native.borrow(fdOf(conn));
    expect(native.getsockopt(borrowed, C.IPPROTO_TCP, C.TCP_NODELAY)).toBe(1);
    expect(native.getsockopt(borrowed, C.SOL_SOCKET, C.SO_KEEPALIVE)).toBe(1);
    expect(native.getsockopt(borrowed, C.IPPROTO_TCP, C.TCP_KEEPIDLE!)).toBe(42);
    native.close(borrowed);
    conn.destroy();
    client.destroy();
    server.close();
  });

  it('TCP_DEFER_ACCEPT: a connection reaches the queue only once it sends data', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { deferAccept: 5 }));
    const silent = track(await connectOnly(server.port));
    // A second client connects after the first one's handshake and sends at
    // once: when it is queued, the silent one, connected earlier, is not.
    const talker = track(await connectOnly(server.port));
    talker.write('first');
    expect(await waitFor(() => server.queue().length > 0)).toBe(true);
    expect(server.queue().length).toBe(1);
    const first = track(await server.accept({ timeout: 2000 }));
    expect(first.remotePort).toBe(talker.localPort);
    silent.write('now');
    expect(await waitFor(() => server.queue().length === 1)).toBe(true);
    const second = track(await server.accept({ timeout: 2000 }));
    expect(second.remotePort).toBe(silent.localPort);
    for (const s of [first, second, silent, talker]) s.destroy();
    server.close();
  });

  it('SO_REUSEPORT: two listeners on one port both get connections', async () => {
    const a = track(openServer('tcp://127.0.0.1:0', { reusePort: true }));
    const b = track(openServer(`tcp://127.0.0.1:${a.port}`, { reusePort: true }));
    const clients = await Promise.all(Array.from({ length: 40 }, () => connectOnly(a.port).then(track)));
    expect(await waitFor(() => a.queue().length + b.queue().length === 40)).toBe(true);
    const qa = a.queue().length;
    const qb = b.queue().length;
    expect(qa + qb).toBe(40);
    expect(qa).toBeGreaterThan(0);
    expect(qb).toBeGreaterThan(0);
    for (const c of clients) c.destroy();
    a.close();
    b.close();
  });

  it('SO_ATTACH_REUSEPORT_CBPF steers by CPU: every listener of the group may ask for it, and the group serves every client', async () => {
    const a = track(openServer('tcp://127.0.0.1:0', { reusePort: true, reusePortCpuSteering: true }));
    const b = track(openServer(`tcp://127.0.0.1:${a.port}`, { reusePort: true, reusePortCpuSteering: true }));
    const c = track(openServer(`tcp://127.0.0.1:${a.port}`, { reusePort: true }));
    expect([b.port, c.port]).toEqual([a.port, a.port]);
    const clients = await Promise.all(Array.from({ length: 12 }, () => connectOnly(a.port)));
    const queued = () => a.queue().length + b.queue().length + c.queue().length;
    expect(await waitFor(() => queued() === 12)).toBe(true);
    for (const client of clients) client.destroy();
    for (const server of [a, b, c]) server.close();
    // Attached at listen(): a bound-only listener cannot ask for it (it would break the group later).
    expect(() => openServer(`tcp://127.0.0.1:${a.port}`, { reusePort: true, reusePortCpuSteering: true, listen: false })).toThrow(
      TypeError,
    );
  });

  it('IP_FREEBIND: binding an address this host lacks works with it, EADDRNOTAVAIL without', () => {
    expect(() => openServer('tcp://192.0.2.1:0')).toThrow(expect.objectContaining({ code: 'EADDRNOTAVAIL' }));
    const server = track(openServer('tcp://192.0.2.1:0', { freeBind: true }));
    expect(server.name).toMatch(/^192\.0\.2\.1:\d+$/);
    server.close();
  });

  it('rejects options that do not apply or have bad values', () => {
    expect(() => openServer('udp://127.0.0.1:0', { deferAccept: 1 } as object)).toThrow(/does not apply to udp sockets/);
    expect(() => openServer('tcp://127.0.0.1:0', { keepAliveCount: 0 })).toThrow(RangeError);
    expect(() => openServer('tcp://127.0.0.1:0', { bindToDevice: 5 as unknown as string })).toThrow(TypeError);
    expect(() => openServer('tcp://127.0.0.1:0', { acceptErrors: 'ignore' as 'pause' })).toThrow(/acceptErrors/);
  });
});
