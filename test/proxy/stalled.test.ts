// Stalled partial headers cost little while they wait for their deadline:
// the back-off grows, no 5 ms polling per connection for seconds.
import { once } from 'node:events';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer } from '../../lib/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';

const track = checkSocketLeaks();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function cpuWhileWaiting(first: string): Promise<number> {
  const server = track(openServer('tcp://127.0.0.1:0', { backlog: 512, proxyProtocol: { trusted: ['127.0.0.1'], timeout: 10_000 } }));
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      const c = track(net.connect(server.port, '127.0.0.1'));
      c.on('error', () => {});
      await once(c, 'connect');
      if (first) c.write(first);
    }),
  );
  const waiting = server.accept({ timeout: 2500 }).catch(() => null);
  await sleep(300);
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(1000);
  const u = process.cpuUsage(u0);
  const percent = ((u.user + u.system) / 1000 / (performance.now() - t0)) * 100;
  await waiting;
  server.close();
  return Math.round(percent);
}

describe('100 trusted peers that stall inside their header', () => {
  it('cost about what 100 silent ones cost (no 5 ms polling per connection)', async () => {
    const silent = await cpuWhileWaiting('');
    const partial = await cpuWhileWaiting('PROXY TCP4 198.51.100.1 ');
    console.log({ silentCpuPercent: silent, partialCpuPercent: partial });
    expect(partial).toBeLessThan(silent + 10);
  });
});
