// Nothing is taken from the kernel for nobody: after an accept(), the next
// connection stays queued (queue(), waitAcceptable() see it), and drain() then
// close() serves or resets every client.
import { once } from 'node:events';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer, type StreamServer } from '../../lib/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';

const track = checkSocketLeaks();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function proxied(server: StreamServer, n: number): Promise<{ socket: net.Socket; ended: Promise<string> }> {
  const socket = track(net.connect(server.port, '127.0.0.1'));
  const ended = new Promise<string>((resolve) => {
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    socket.on('close', () => resolve('close'));
  });
  await once(socket, 'connect');
  socket.write(`PROXY TCP4 203.0.113.${n} 192.0.2.1 5000${n} 80\r\n`);
  return { socket, ended };
}

describe('connections leave the kernel queue while nobody waits', () => {
  it('queue() and waitAcceptable() no longer see a connection that arrived after an accept() returned', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['127.0.0.1'] } }));
    await proxied(server, 1);
    track(await server.accept({ timeout: 1000 }));
    await proxied(server, 2); // nobody waits now
    await sleep(50);
    const queued = server.queue().length;
    const acceptable = await server.waitAcceptable(AbortSignal.timeout(300)).catch(() => 'timed out');
    console.log({ queued, acceptable });
    expect(queued).toBe(1);
  });

  it('drain() right after such a connection: drain says nothing was reset, yet the client is never served nor reset', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['127.0.0.1'] } }));
    await proxied(server, 1);
    track(await server.accept({ timeout: 1000 }));
    const second = await proxied(server, 2);
    await sleep(50);
    const result = await server.drain({ timeout: 500 });
    server.close(); // no-op: the gate was stop()ped, so its ready list is never reset
    const fate = await Promise.race([second.ended, sleep(1500).then(() => 'still open, unserved, after 1.5 s')]);
    console.log({ drain: result, fate });
    expect(fate).not.toMatch(/still open/);
  });
});
