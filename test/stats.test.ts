// Accept-queue observability: overflow counted, sampled as it happens, backlog clamp named.
import { getEventListeners } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer } from '../lib/index.js';
import { checkSocketLeaks } from './helpers/leaks.js';
import { waitFor } from './helpers/peers.js';

checkSocketLeaks();

describe('stats and overflows', () => {
  it('an overflow is counted: ListenOverflows since open, and the overflows() sampler reports it', async () => {
    const server = openServer('tcp://127.0.0.1:0', { backlog: 1 });
    const controller = new AbortController();
    const samples: unknown[] = [];
    const sampler = (async () => {
      for await (const s of server.overflows({ interval: 50, signal: controller.signal })) samples.push(s);
    })();
    const clients = Array.from({ length: 6 }, () => net.connect(server.port, '127.0.0.1').on('error', () => {}));
    expect(await waitFor(() => (server.stats().system?.listenOverflows ?? 0) > 0, 3000)).toBe(true);
    expect(await waitFor(() => samples.length > 0, 2000)).toBe(true);
    expect(samples[0]).toMatchObject({ queue: { length: 2, limit: 1 } });
    const stats = server.stats();
    expect(stats.queue).toEqual({ length: 2, limit: 1 });
    expect(stats.system!.listenDrops).toBeGreaterThanOrEqual(stats.system!.listenOverflows);
    controller.abort();
    await sampler;
    for (const c of clients) c.destroy();
    server.close();
  });

  it('overflows({ signal }) holds one abort listener however long it samples, none after; abort ends a wait at once', async () => {
    const server = openServer('tcp://127.0.0.1:0', { backlog: 1 });
    // Two clients nobody accepts fill the queue (backlog + 1): every tick yields a sample.
    const clients = Array.from({ length: 2 }, () => net.connect(server.port, '127.0.0.1').on('error', () => {}));
    expect(await waitFor(() => server.queue().length === 2)).toBe(true);
    const controller = new AbortController();
    const listeners: number[] = [];
    for await (const _ of server.overflows({ interval: 5, signal: controller.signal })) {
      listeners.push(getEventListeners(controller.signal, 'abort').length);
      if (listeners.length === 30) break;
    }
    expect(listeners).toEqual(Array(30).fill(1));
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
    const sampler = server.overflows({ interval: 2 ** 31 - 1, signal: controller.signal });
    const next = sampler.next();
    await waitFor(() => getEventListeners(controller.signal, 'abort').length === 1);
    controller.abort();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
    for (const c of clients) c.destroy();
    server.close();
  });

  it('a backlog above somaxconn: requested vs applied, and who clamped it', () => {
    const server = openServer('tcp://127.0.0.1:0', { backlog: 1_000_000 });
    const { backlog } = server.stats();
    expect(backlog.requested).toBe(1_000_000);
    expect(backlog.applied).toBe(backlog.somaxconn);
    expect(backlog.clampedBy).toBe('net.core.somaxconn');
    server.listen(16);
    expect(server.stats().backlog).toMatchObject({ requested: 16, applied: 16, clampedBy: null });
    server.close();
  });

  it('counts accepted connections', async () => {
    const server = openServer('tcp://127.0.0.1:0');
    const client = net.connect(server.port, '127.0.0.1').on('error', () => {});
    (await server.accept({ timeout: 2000 })).destroy();
    expect(server.stats()).toMatchObject({ accepted: 1, errors: {}, pauses: 0, shed: 0 });
    client.destroy();
    server.close();
  });
});
