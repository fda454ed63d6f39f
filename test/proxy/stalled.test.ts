// Trusted peers that stall inside their header hold up nobody: a client
// behind them is handed out at once, and each stalled one is reset at its own
// deadline and counted. (What they cost meanwhile is bounded by the growing
// back-off, 5 ms up to 200 ms between looks: see reader.ts.)
import { once } from 'node:events';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer } from '../../lib/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';

const track = checkSocketLeaks();

describe('trusted peers that stall inside their header', () => {
  it('hold up nobody, and each is reset at its own deadline', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { backlog: 512, proxyProtocol: { trusted: ['127.0.0.1'], timeout: 1500 } }));
    const stalled = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const c = track(net.connect(server.port, '127.0.0.1'));
        const ended = new Promise<string>((resolve) => {
          c.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
          c.on('close', () => resolve('close'));
        });
        await once(c, 'connect');
        c.write('PROXY TCP4 198.51.100.1 ');
        return { ended }; // in a box: an async function would wait for a promise it returns
      }),
    );
    const good = track(net.connect(server.port, '127.0.0.1'));
    good.on('error', () => {});
    await once(good, 'connect');
    good.write('PROXY TCP4 203.0.113.5 192.0.2.1 5 80\r\n');
    // Queued behind all 50, handed out before any of their deadlines.
    const conn = track(await server.accept({ timeout: 1400 }));
    expect(conn.remoteAddress).toBe('203.0.113.5');
    expect(await Promise.all(stalled.map((s) => s.ended))).toEqual(Array<string>(50).fill('ECONNRESET'));
    expect(server.stats().proxy!.dropped).toMatchObject({ timeout: 50, truncated: 0 });
  });
});
