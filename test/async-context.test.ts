// Waits that end from a native wake-up (the poll callback) keep the caller's
// async context: an AsyncLocalStorage value set before `await accept()` (or
// recvfrom, or a TLS accept, or a step of `for await`) is there after it, and
// async_hooks see the poll as a resource of its own, not the empty context.
import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { openServer, selfSignedCertificate } from '../lib/index.js';
import { checkSocketLeaks } from './helpers/leaks.js';

const track = checkSocketLeaks();
const { cert, key } = selfSignedCertificate();

/** Runs `fn` in store `name`; what the store holds once fn is done. Peers start 30 ms later, so the wake-up is the poll's. */
function inStore<T>(als: AsyncLocalStorage<string>, name: string, fn: () => Promise<T>): Promise<string | undefined> {
  return als.run(name, async () => {
    await fn();
    return als.getStore();
  });
}

describe('async context across native wake-ups', () => {
  it('AsyncLocalStorage values survive accept, for await, recvfrom and a TLS accept, each in its own store', async () => {
    const als = new AsyncLocalStorage<string>();
    const server = track(openServer('tcp://127.0.0.1:0'));
    const udp = track(openServer('udp://127.0.0.1:0'));
    const secure = track(openServer('tls://127.0.0.1:0', { tls: { cert, key } }));
    const later = (fn: () => void) => setTimeout(fn, 30);
    const connect = () => later(() => track(net.connect(server.port, '127.0.0.1').on('error', () => {})));
    const stores = await Promise.all([
      inStore(als, 'accept-1', async () => (connect(), track(await server.accept({ timeout: 5000 })))),
      inStore(als, 'accept-2', async () => (connect(), track(await server.accept({ timeout: 5000 })))),
      inStore(als, 'iterator', async () => {
        connect();
        for await (const conn of server) {
          track(conn);
          break;
        }
      }),
      inStore(als, 'recvfrom', async () => {
        later(() => {
          const sender = dgram.createSocket('udp4');
          sender.send('x', udp.port, '127.0.0.1', () => sender.close());
        });
        await udp.recvfrom(10, { timeout: 5000 });
      }),
      inStore(als, 'tls', async () => {
        later(() => track(tls.connect({ port: secure.port, host: '127.0.0.1', rejectUnauthorized: false }).on('error', () => {})));
        track(await secure.accept({ timeout: 5000 }));
      }),
    ]);
    expect(stores).toEqual(['accept-1', 'accept-2', 'iterator', 'recvfrom', 'tls']);
  });

  it("a for await loop's sockets carry the loop's store, whoever made the poll start", async () => {
    const als = new AsyncLocalStorage<string>();
    const server = track(openServer('tcp://127.0.0.1:0'));
    // An accept() in another store starts the poll (its callback keeps the context it was made in).
    await als.run('an earlier request', () => expect(server.accept({ timeout: 20 })).rejects.toMatchObject({ code: 'ETIMEDOUT' }));
    const stores: Array<string | undefined> = [];
    const loop = als.run('the accept loop', async () => {
      for await (const conn of server) {
        conn.on('data', () => stores.push(als.getStore()));
        conn.on('end', () => conn.end());
        if (stores.length + 1 >= 3) break;
      }
    });
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 30)); // each client comes after the loop waits: the poll wakes it
      const client = track(net.connect(server.port, '127.0.0.1'));
      client.end('x');
      await new Promise((resolve) => client.on('close', resolve));
    }
    await loop;
    expect(stores).toEqual(['the accept loop', 'the accept loop', 'the accept loop']);
    server.close();
  });

  it('async_hooks see the poll callback as a resource of its own', async () => {
    const types: string[] = [];
    const hook = createHook({ init: (_id, type) => void types.push(type) }).enable();
    try {
      const server = track(openServer('tcp://127.0.0.1:0'));
      setTimeout(() => track(net.connect(server.port, '127.0.0.1').on('error', () => {})), 20);
      track(await server.accept({ timeout: 5000 }));
    } finally {
      hook.disable();
    }
    expect(types).toContain('stream-socket-server:poll');
  });
});
