import { describe, expect, it } from 'vitest';
import { openServer } from '../lib/index.js';
import { checkSocketLeaks } from './helpers/leaks.js';
import { connectOnly, fetchLine, ssListen } from './helpers/peers.js';

checkSocketLeaks();

async function answersOnce(url: string, clientHost: string, options = {}): Promise<string> {
  const server = openServer(url, options);
  try {
    const accepted = server.accept({ timeout: 3000 }).then((conn) => conn.end(`${conn.remoteAddress}\n`));
    const line = await fetchLine(server.port, clientHost);
    await accepted;
    return line;
  } finally {
    server.close();
  }
}

describe('IPv6 and names', () => {
  it('[::1]:0 listens on an ephemeral port, named as PHP names it', async () => {
    const server = openServer('tcp://[::1]:0', { backlog: 9 });
    try {
      expect(server.address).toEqual({ family: 'IPv6', address: '::1', port: server.port });
      expect(server.port).toBeGreaterThan(0);
      expect(server.name).toBe(`[::1]:${server.port}`);
      expect(ssListen(server.port, true)?.sendQ).toBe(9);
    } finally {
      server.close();
    }
  });

  it('a v6 server answers a v6 client', async () => {
    expect(await answersOnce('tcp://[::1]:0', '::1')).toBe('::1\n');
  });

  it('no scheme means tcp, as in PHP', async () => {
    const server = openServer('127.0.0.1:0');
    expect(server.name).toMatch(/^127\.0\.0\.1:\d+$/);
    server.close();
  });

  it('a numeric scope id is accepted in brackets', () => {
    const server = openServer('tcp://[::1%1]:0');
    expect(server.name).toBe(`[::1]:${server.port}`);
    server.close();
  });

  it('host names go through the system resolver', () => {
    const server = openServer('tcp://localhost:0');
    expect(['127.0.0.1', '::1']).toContain((server.address as { address: string }).address);
    server.close();
  });

  it('[::] with ipv6Only: false also takes IPv4 clients (v4-mapped)', async () => {
    expect(await answersOnce('tcp://[::]:0', '127.0.0.1', { ipv6Only: false })).toBe('::ffff:127.0.0.1\n');
  });

  it('[::] with ipv6Only: true refuses IPv4 clients', async () => {
    const server = openServer('tcp://[::]:0', { ipv6Only: true });
    try {
      await expect(connectOnly(server.port, '127.0.0.1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      server.close();
    }
  });
});
