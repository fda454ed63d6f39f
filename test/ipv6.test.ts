import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openServer } from '../lib/index.js';
import { checkSocketLeaks } from './helpers/leaks.js';
import { connectOnly, fetchLine, hasCommand, run, ssListen } from './helpers/peers.js';

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

describe('IPv6 scope ids', () => {
  // lo has no fe80 address; a user + network namespace (no privileges needed
  // where user namespaces are enabled) gives it one for a real link-local exchange.
  const namespaced = hasCommand('ip') && spawnSync('unshare', ['-rn', 'true']).status === 0;
  const LINK_LOCAL = 'ip link set lo up && ip addr add fe80::1/64 dev lo nodad && exec "$0" "$1"';

  it('a link-local sender: `from` carries its scope as node:dgram writes it, and the reply to `from` arrives', async (ctx) => {
    ctx.skip(!namespaced, 'needs unshare -rn and ip: a network namespace whose lo has fe80::1');
    const fixture = fileURLToPath(new URL('./fixtures/link-local.mjs', import.meta.url));
    const { code, stdout, stderr } = await run('unshare', ['-rn', 'sh', '-c', LINK_LOCAL, process.execPath, fixture]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    // node:dgram names the peer's own address so; `from` names it alike.
    expect(r.peer).toEqual({ family: 'IPv6', address: 'fe80::1%lo', port: r.from.port });
    expect(r.from).toEqual({ family: 'IPv6', address: 'fe80::1%lo', port: r.peer.port });
    expect(r.reply).toEqual({ text: 'pong', rinfo: { family: 'IPv6', address: 'fe80::1%lo', port: r.server.port, size: 4 } });
    expect(r.numeric).toBe('numeric'); // [fe80::1%1]:port, lo's index
    expect(r.server).toEqual({ family: 'IPv6', address: 'fe80::1%lo', port: r.server.port });
    expect(r.name).toBe(`[fe80::1]:${r.server.port}`); // PHP's stream_socket_get_name() has no scope
  });

  it('sendto takes a numeric scope and an interface name (on ::1, where the kernel needs none)', async () => {
    const server = openServer('udp://[::1]:0');
    const peer = dgram.createSocket('udp6');
    try {
      await new Promise<void>((resolve) => peer.bind(0, '::1', resolve));
      const port = peer.address().port;
      const got: string[] = [];
      const two = new Promise<void>((resolve) => peer.on('message', (m) => got.push(String(m)) === 2 && resolve()));
      expect(server.sendto('numeric', `[::1%1]:${port}`)).toBe(7);
      expect(server.sendto('named', { address: '::1%lo', port })).toBe(5);
      await two;
      expect(got.sort()).toEqual(['named', 'numeric']);
      // And back: ::1 has no scope, so `from` has none.
      peer.send('back', server.port, '::1');
      expect((await server.recvfrom(100, { timeout: 3000 })).from).toEqual({ family: 'IPv6', address: '::1', port });
    } finally {
      peer.close();
      server.close();
    }
  });

  it.each([
    ['an interface that does not exist', '[fe80::1%no-such-if0]:9'],
    ['a scope on an IPv4 address', { address: '127.0.0.1%1', port: 9 }],
  ])('sendto refuses %s with a TypeError', (_name, to) => {
    const server = openServer('udp://[::1]:0');
    try {
      expect(() => server.sendto('x', to)).toThrow(TypeError);
      expect(() => server.sendto('x', to)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    } finally {
      server.close();
    }
  });
});
