// The acceptor skips accept4 on asks that follow an empty one (acceptor.ts),
// leaving it to the poll: one client at a time, bursts and a zero timeout
// must all still get every connection, and at once when one is queued.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer } from '../lib/index.js';
import { checkSocketLeaks } from './helpers/leaks.js';
import { connectOnly, waitFor } from './helpers/peers.js';

const track = checkSocketLeaks();

/** Connects, reads until the server closes, and returns what it read. */
function fetchAll(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1');
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
  });
}

describe('asks that leave it to the poll', () => {
  it('serves 200 clients one after another and then 200 at once, each exactly once', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    let served = 0;
    const serving = (async () => {
      for await (const conn of server) conn.end(`${served++}\n`);
    })();
    const one: string[] = [];
    for (let i = 0; i < 200; i++) one.push(await fetchAll(server.port));
    expect(one).toEqual(Array.from({ length: 200 }, (_, i) => `${i}\n`));
    const burst = await Promise.all(Array.from({ length: 200 }, () => fetchAll(server.port)));
    expect(new Set(burst).size).toBe(200);
    expect(server.stats().accepted).toBe(400);
    server.close();
    await serving;
  });

  it('accept({ timeout: 0 }) takes a queued connection even right after asks that found none', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    // Asks with a deadline always try accept4 at once; here they find nothing.
    for (let i = 0; i < 3; i++) await expect(server.accept({ timeout: 0 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const it = server[Symbol.asyncIterator]();
    const first = it.next();
    const client = track(await connectOnly(server.port));
    const conn = track((await first).value as net.Socket);
    expect(conn.remotePort).toBe(client.localPort);
    // Now queue one while nobody asks; a zero timeout must find it.
    const second = track(await connectOnly(server.port));
    expect(await waitFor(() => server.queue().length === 1)).toBe(true);
    const taken = track(await server.accept({ timeout: 0 }));
    expect(taken.remotePort).toBe(second.localPort);
    server.close();
    expect(await it.next()).toMatchObject({ done: true });
  });
});
