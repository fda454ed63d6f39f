import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { openServer, selfSignedCertificate, SocketError } from '../lib/index.js';
import { native } from '../lib/binding/native.js';
import { checkSocketLeaks } from './helpers/leaks.js';

checkSocketLeaks();

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('errors', () => {
  it('EADDRINUSE: errno 98, code, syscall bind, address and port, Node-like message', () => {
    const first = openServer('tcp://127.0.0.1:0');
    try {
      const port = first.port;
      const error = thrown(() => openServer(`tcp://127.0.0.1:${port}`)) as SocketError;
      expect(error).toBeInstanceOf(SocketError);
      expect(error).toMatchObject({ errno: 98, code: 'EADDRINUSE', syscall: 'bind', address: '127.0.0.1', port });
      expect(error.message).toBe(`bind EADDRINUSE 127.0.0.1:${port}: Address already in use`);
    } finally {
      first.close();
    }
  });

  it('EADDRNOTAVAIL for an address this host does not have', () => {
    const error = thrown(() => openServer('tcp://192.0.2.1:0')) as SocketError;
    expect(error).toMatchObject({ errno: 99, code: 'EADDRNOTAVAIL', syscall: 'bind' });
  });

  it('an unresolvable host name is a getaddrinfo SocketError naming the host', () => {
    const error = thrown(() => openServer('tcp://no-such-host.invalid:0')) as SocketError;
    expect(error).toBeInstanceOf(SocketError);
    expect(error.syscall).toBe('getaddrinfo');
    expect(error.code).toMatch(/^EAI_/);
    expect(error.address).toBe('no-such-host.invalid');
  });

  it("borrowing an fd that is not a socket is the addon's own SocketError, naming no address", () => {
    const fd = openSync('/dev/null', 'r');
    try {
      const error = thrown(() => native.borrow(fd)) as SocketError;
      expect(error).toBeInstanceOf(SocketError);
      expect(error).toMatchObject({
        errno: constants.errno.ENOTSOCK,
        code: 'ENOTSOCK',
        syscall: 'borrow',
        reason: 'Socket operation on non-socket',
        address: undefined,
        port: undefined,
      });
      expect(error.message).toBe('borrow ENOTSOCK: Socket operation on non-socket');
    } finally {
      closeSync(fd);
    }
  });

  it('closed and timed-out stream servers: EBADF / ETIMEDOUT with the platform errno, naming the server', async () => {
    const server = openServer('tcp://127.0.0.1:0');
    const { port } = server;
    const timeout = (await server.accept({ timeout: 10 }).catch((e: unknown) => e)) as SocketError;
    expect(timeout).toBeInstanceOf(SocketError);
    expect(timeout).toMatchObject({ errno: constants.errno.ETIMEDOUT, code: 'ETIMEDOUT', syscall: 'accept4', address: '127.0.0.1', port });
    expect(timeout.message).toBe(`accept4 ETIMEDOUT 127.0.0.1:${port}: no connection within 10 ms`);
    const pending = server.accept().catch((e: unknown) => e);
    server.close();
    const closed = (await pending) as SocketError;
    expect(closed).toBeInstanceOf(SocketError);
    expect(closed).toMatchObject({ errno: constants.errno.EBADF, code: 'EBADF', syscall: 'accept4', address: '127.0.0.1', port });
    expect(closed.message).toBe(`accept4 EBADF 127.0.0.1:${port}: the server was closed`);
  });

  it('closed and timed-out datagram servers: recvfrom EBADF / ETIMEDOUT, naming the server', async () => {
    const server = openServer('udp://127.0.0.1:0');
    const { port } = server;
    const timeout = (await server.recvfrom(100, { timeout: 10 }).catch((e: unknown) => e)) as SocketError;
    expect(timeout).toMatchObject({ errno: constants.errno.ETIMEDOUT, code: 'ETIMEDOUT', syscall: 'recvfrom', address: '127.0.0.1', port });
    expect(timeout.message).toBe(`recvfrom ETIMEDOUT 127.0.0.1:${port}: no datagram within 10 ms`);
    server.close();
    const closed = (await server.recvfrom(100).catch((e: unknown) => e)) as SocketError;
    expect(closed).toMatchObject({ errno: constants.errno.EBADF, code: 'EBADF', syscall: 'recvfrom', address: '127.0.0.1', port });
    expect(closed.message).toBe(`recvfrom EBADF 127.0.0.1:${port}: the server was closed`);
  });

  it('closed and timed-out TLS servers: accept4 EBADF / ETIMEDOUT naming the server by its name', async () => {
    const server = openServer('tls://127.0.0.1:0', { tls: selfSignedCertificate() });
    const { name } = server;
    const timeout = (await server.accept({ timeout: 10 }).catch((e: unknown) => e)) as SocketError;
    expect(timeout).toMatchObject({
      errno: constants.errno.ETIMEDOUT,
      code: 'ETIMEDOUT',
      syscall: 'accept4',
      address: name,
      port: undefined,
    });
    expect(timeout.message).toBe(`accept4 ETIMEDOUT ${name}: no TLS connection within 10 ms`);
    server.close();
    const closed = (await server.accept().catch((e: unknown) => e)) as SocketError;
    expect(closed).toMatchObject({ errno: constants.errno.EBADF, code: 'EBADF', syscall: 'accept4', address: name, port: undefined });
    expect(closed.message).toBe(`accept4 EBADF ${name}: the server was closed`);
  });

  it('a bad URL is a TypeError with code ERR_INVALID_URL, before any socket exists', () => {
    expect(thrown(() => openServer('tcp://127.0.0.1'))).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_URL' });
    expect(thrown(() => openServer(42 as unknown as string))).toBeInstanceOf(TypeError);
  });

  it('bad options are TypeError/RangeError', () => {
    expect(thrown(() => openServer('tcp://127.0.0.1:0', { backlog: -5 }))).toBeInstanceOf(RangeError);
    expect(thrown(() => openServer('tcp://127.0.0.1:0', { reusePort: 'yes' as unknown as boolean }))).toBeInstanceOf(TypeError);
    expect(thrown(() => openServer('tcp://127.0.0.1:0', { bogus: 1 } as object))).toBeInstanceOf(TypeError);
  });

  it('server methods validate their arguments', async () => {
    const server = openServer('tcp://127.0.0.1:0');
    try {
      expect(() => server.listen(-1)).toThrow(RangeError);
      expect(() => server.listen('5' as unknown as number)).toThrow(TypeError);
      await expect(server.accept({ timeout: -1 })).rejects.toThrow(RangeError);
    } finally {
      server.close();
    }
  });
});
