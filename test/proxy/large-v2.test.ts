// A v2 header longer than the reader's first look (108 bytes: HAProxy with
// unique-id or SSL TLVs): read at once, also when the client's FIN came with it.
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer, proxyOf } from '../../lib/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';

const track = checkSocketLeaks();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** v2 PROXY TCP4 198.51.100.7:4242 -> 192.0.2.1:443 with a unique-id TLV of `idBytes` bytes. */
function v2WithUniqueId(idBytes: number): Buffer {
  const sig = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
  const addr = Buffer.from([198, 51, 100, 7, 192, 0, 2, 1, 0x10, 0x92, 0x01, 0xbb]);
  const tlv = Buffer.concat([Buffer.from([0x05, idBytes >> 8, idBytes & 0xff]), Buffer.alloc(idBytes, 0x41)]);
  const len = addr.length + tlv.length;
  return Buffer.concat([sig, Buffer.from([0x21, 0x11, len >> 8, len & 0xff]), addr, tlv]);
}

describe('v2 header > 108 bytes', () => {
  it('header (150 bytes) + request + FIN (a half-closing client) is handed out, not dropped as truncated', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['127.0.0.1'] } }));
    const header = v2WithUniqueId(119); // 16 + 12 + 3 + 119 = 150 bytes
    expect(header.length).toBe(150);
    const c = track(net.connect(server.port, '127.0.0.1'));
    c.on('error', () => {});
    await new Promise((r) => c.once('connect', r));
    c.end(Buffer.concat([header, Buffer.from('GET / HTTP/1.0\r\n\r\n')])); // data, then FIN: allowed by TCP (half-close)
    await sleep(50); // everything (and the FIN) is queued before we accept
    const result = await server.accept({ timeout: 1000 }).then(
      (conn) => (track(conn), `accepted ${conn.remoteAddress} ${proxyOf(conn)?.tlvs.uniqueId?.length}`),
      (error: NodeJS.ErrnoException) => `rejected ${error.code}`,
    );
    console.log('result:', result, 'stats:', JSON.stringify(server.stats().proxy));
    expect(result).toBe('accepted 198.51.100.7 119');
  });

  it('the same header without FIN costs a 5 ms back-off per connection', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['127.0.0.1'] } }));
    async function timeOne(header: Buffer): Promise<number> {
      const c = track(net.connect(server.port, '127.0.0.1'));
      c.on('error', () => {});
      await new Promise((r) => c.once('connect', r));
      c.write(header);
      await sleep(5);
      const t0 = performance.now();
      const conn = track(await server.accept({ timeout: 1000 }));
      const dt = performance.now() - t0;
      conn.destroy();
      c.destroy();
      return dt;
    }
    const small: number[] = [];
    const big: number[] = [];
    for (let i = 0; i < 20; i++) {
      small.push(await timeOne(v2WithUniqueId(10)));
      big.push(await timeOne(v2WithUniqueId(119)));
    }
    const median = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1]!;
    console.log('median accept ms: small header', median(small).toFixed(2), 'big header', median(big).toFixed(2));
    expect(median(big)).toBeLessThan(3);
  });
});
