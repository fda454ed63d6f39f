// maxConnectionsPerSource judges each connection when its turn comes: connections
// still queued in the kernel are not judged (and refused) with the one being accepted.
import { once } from 'node:events';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer } from '../../lib/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';

const track = checkSocketLeaks();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('maxConnectionsPerSource and queued connections', () => {
  it('limit 1: three queued connections served one after another (each closed before the next accept) all pass', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { maxConnectionsPerSource: 1 }));
    const ends: Promise<string>[] = [];
    for (let i = 0; i < 3; i++) {
      const c = track(net.connect(server.port, '127.0.0.1'));
      ends.push(
        new Promise((resolve) => (c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code!)), c.on('close', () => resolve('close')))),
      );
      await once(c, 'connect');
    }
    await sleep(50);
    let served = 0;
    for (let i = 0; i < 3; i++) {
      const conn = await server.accept({ timeout: 500 }).catch(() => null);
      if (conn === null) break;
      served++;
      conn.destroy(); // at most one open at any time
      await once(conn, 'close');
    }
    console.log({ served, refused: server.stats().refused, clients: await Promise.all(ends) });
    expect(served).toBe(3);
  });
});
