// The backlog you set is what the kernel applies (ss Send-Q), what
// queue().limit reports, and how many connections complete unaccepted.
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer, type StreamServer } from '../lib/index.js';
import { checkSocketLeaks } from './helpers/leaks.js';
import { connectOnly, ROOT, ssListen, waitFor } from './helpers/peers.js';
import { listenCounters } from '../lib/socket/netstat.js';
import netModule from 'node:net';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
const open: { servers: StreamServer[]; clients: net.Socket[] } = { servers: [], clients: [] };

// What a test opened is closed after it, passed or failed, before the leak check.
checkSocketLeaks(() => {
  for (const client of open.clients.splice(0)) client.destroy();
  for (const server of open.servers.splice(0)) server.close();
});

function listen(url: string, backlog?: number): StreamServer {
  const server = openServer(url, backlog === undefined ? {} : { backlog });
  open.servers.push(server);
  return server;
}

/**
 * Connection attempts turned away at full accept queues so far (TcpExt
 * ListenOverflows, this network namespace). Each attempt beyond a full queue
 * counts at least once, at its SYN or at its final ACK; other tests' overflows
 * may add to it, never take away.
 */
function overflows(): number {
  const counters = listenCounters();
  if (counters === undefined) throw new Error('no TcpExt ListenOverflows in /proc/net/netstat');
  return counters.listenOverflows;
}

/** Starts `count` connects without waiting; counts the ones the kernel completes. */
function flood(port: number, count: number): { completed: () => number } {
  let completed = 0;
  for (let i = 0; i < count; i++) {
    const client = netModule.connect({ port, host: '127.0.0.1' }, () => completed++);
    client.on('error', () => {});
    open.clients.push(client);
  }
  return { completed: () => completed };
}

describe('backlog', () => {
  it('defaults to 511, as node:net', () => {
    const server = listen('tcp://127.0.0.1:0');
    expect(server.backlog).toBe(511);
    expect(server.queue().limit).toBe(511);
    expect(ssListen(server.port)?.sendQ).toBe(511);
  });

  it.each([0, 1, 8, 128, 4096])('backlog %d: ss Send-Q and queue().limit agree', (backlog) => {
    const server = listen('tcp://127.0.0.1:0', backlog);
    const expected = Math.min(backlog, somaxconn);
    expect(server.queue()).toEqual({ length: 0, limit: expected });
    expect(ssListen(server.port)).toEqual({ recvQ: 0, sendQ: expected });
  });

  it('a backlog above net.core.somaxconn is clamped by the kernel, and queue().limit says so', () => {
    const server = listen('tcp://127.0.0.1:0', somaxconn + 1000);
    expect(server.backlog).toBe(somaxconn + 1000);
    expect(server.queue().limit).toBe(somaxconn);
    expect(ssListen(server.port)?.sendQ).toBe(somaxconn);
  });

  it.each([0, 1, 3])('with nobody accepting, backlog %d holds backlog+1 connections and stays there', async (backlog) => {
    const server = listen('tcp://127.0.0.1:0', backlog);
    const before = overflows();
    const clients = flood(server.port, backlog + 4);
    expect(await waitFor(() => server.queue().length === backlog + 1)).toBe(true);
    // Stays there: the 3 attempts beyond it have met the full queue.
    expect(await waitFor(() => overflows() - before >= 3)).toBe(true);
    expect(await waitFor(() => clients.completed() >= backlog + 1)).toBe(true);
    expect(server.queue()).toEqual({ length: backlog + 1, limit: backlog });
    // The server's view; a client may still believe in more (with SYN cookies an ACK
    // that meets a full queue is dropped while the client thinks it is connected).
    expect(clients.completed()).toBeGreaterThanOrEqual(backlog + 1);
    expect(ssListen(server.port)).toEqual({ recvQ: backlog + 1, sendQ: backlog });
  });

  it.each([8, 128])('with nobody accepting, backlog %d: ss, queue().limit and the completed count agree', async (backlog) => {
    const server = listen('tcp://127.0.0.1:0', backlog);
    const before = overflows();
    flood(server.port, backlog + 8);
    expect(await waitFor(() => server.queue().length === backlog + 1)).toBe(true);
    expect(await waitFor(() => overflows() - before >= 7)).toBe(true); // the 7 beyond it were turned away
    expect(server.queue()).toEqual({ length: backlog + 1, limit: backlog });
    expect(ssListen(server.port)).toEqual({ recvQ: backlog + 1, sendQ: backlog });
  });

  it.each([4096, somaxconn + 1000])(
    'backlog %d (at and above somaxconn): the queue fills to limit+1 under a C connect burst, and no further',
    async (backlog) => {
      const server = listen('tcp://127.0.0.1:0', backlog);
      const limit = Math.min(backlog, somaxconn);
      // The burst holds its connections (-w) until we close its stdin.
      const before = overflows();
      const burst = spawn(
        join(ROOT, 'bench/build/connect_burst'),
        ['-p', String(server.port), '-n', String(limit + 200), '-d', '3', '-w'],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      try {
        expect(await waitFor(() => server.queue().length >= limit + 1)).toBe(true);
        expect(await waitFor(() => overflows() - before >= 199)).toBe(true); // the 199 beyond it were turned away
        expect(server.queue()).toEqual({ length: limit + 1, limit });
        expect(ssListen(server.port)).toEqual({ recvQ: limit + 1, sendQ: limit });
      } finally {
        burst.stdin!.on('error', () => {}).end();
        await new Promise((resolve) => burst.once('exit', resolve));
      }
    },
  );

  it('listen() again changes the limit at run time and keeps the queued connections', async () => {
    const server = listen('tcp://127.0.0.1:0', 2);
    const first = flood(server.port, 3); // exactly limit+1: all fit
    expect(await waitFor(() => server.queue().length === 3)).toBe(true);
    server.listen(16);
    expect(server.backlog).toBe(16);
    expect(server.queue()).toEqual({ length: 3, limit: 16 }); // kept
    expect(ssListen(server.port)?.sendQ).toBe(16);
    // The new limit admits what the old one could not.
    const more = flood(server.port, 10);
    expect(await waitFor(() => server.queue().length === 13)).toBe(true);
    // The clients' connect callbacks run after the server's side is queued: wait for them too.
    expect(await waitFor(() => first.completed() + more.completed() === 13)).toBe(true);
    // The queued connections are real: accept them all.
    for (let i = 0; i < 13; i++) (await server.accept({ timeout: 2000 })).destroy();
    expect(server.queue().length).toBe(0);
  });

  it('listen: false binds without listening; listen() later serves', async () => {
    const server = listen('tcp://127.0.0.1:0');
    server.close();
    const bound = openServer('tcp://127.0.0.1:0', { listen: false, backlog: 5 });
    open.servers.push(bound);
    expect(bound.listening).toBe(false);
    expect(bound.backlog).toBeUndefined();
    expect(bound.queue()).toEqual({ length: 0, limit: 0 });
    expect(ssListen(bound.port)).toBeUndefined();
    await expect(connectOnly(bound.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(bound.accept()).rejects.toMatchObject({ errno: 22, code: 'EINVAL', syscall: 'accept4' });
    bound.listen(5);
    expect(bound.listening).toBe(true);
    expect(bound.queue().limit).toBe(5);
    const client = await connectOnly(bound.port);
    open.clients.push(client);
    (await bound.accept({ timeout: 2000 })).destroy();
  });
});
