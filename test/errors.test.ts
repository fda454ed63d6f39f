import { describe, expect, it } from 'vitest';
import { openServer, SocketError } from '../lib/index.js';
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
