// A burst of connections whose headers are not there yet at accept: no
// MaxListenersExceededWarning, every one handed out.
import { once } from 'node:events';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer } from '../../lib/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';

const track = checkSocketLeaks();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('process warnings under an ordinary burst', () => {
  it('12 balancer connections whose headers follow 30 ms after the connect print no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    const server = track(openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['127.0.0.1'] } }));
    const waiting = (async () => {
      for (let i = 0; i < 12; i++) track(await server.accept({ timeout: 3000 }));
    })();
    const clients = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const c = track(net.connect(server.port, '127.0.0.1'));
        c.on('error', () => {});
        await once(c, 'connect');
        return { c, i };
      }),
    );
    await sleep(30);
    for (const { c, i } of clients) c.write(`PROXY TCP4 198.51.100.${i + 1} 192.0.2.1 ${1000 + i} 443\r\n`);
    await waiting;
    await sleep(20);
    process.off('warning', onWarning);
    console.log(warnings);
    expect(warnings).toEqual([]);
  });
});
