// The PROXY protocol header parser (lib/proxy/header.ts), on headers built
// byte by byte from HAProxy's specification: versions 1 and 2, every family,
// the TLVs, the CRC32C check, and what must be refused; fed whole and a byte
// at a time; and mutated headers, which must always get a decision.
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../lib/proxy/crc32c.js';
import { parseProxyHeader, V2_SIGNATURE, type ProxyParse } from '../../lib/proxy/header.js';

/** A v2 header: version/command, family, address bytes, TLVs. */
function v2(verCmd: number, family: number, addresses: Buffer, tlvs: Buffer = Buffer.alloc(0)): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(addresses.length + tlvs.length);
  return Buffer.concat([V2_SIGNATURE, Buffer.from([verCmd, family]), length, addresses, tlvs]);
}

function tlv(type: number, value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  const head = Buffer.from([type, 0, 0]);
  head.writeUInt16BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

function ipv4Block(src: number[], dst: number[], sport: number, dport: number): Buffer {
  const b = Buffer.alloc(12);
  b.set(src, 0);
  b.set(dst, 4);
  b.writeUInt16BE(sport, 8);
  b.writeUInt16BE(dport, 10);
  return b;
}

/** Feeds `data` one byte more at a time, as a slow sender would: every prefix is "more", the whole the same as at once. */
function byteByByte(data: Buffer): ProxyParse {
  for (let n = 1; n < data.length; n++) {
    const step = parseProxyHeader(data.subarray(0, n));
    if (step.state !== 'more') return step;
    expect(step.need).toBeGreaterThan(n);
  }
  return parseProxyHeader(data);
}

describe('PROXY v1', () => {
  it('TCP4 and TCP6: addresses, ports and the length up to CRLF (the client data after it is not read)', () => {
    const line = Buffer.from('PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\nGET / HTTP/1.1\r\n');
    expect(parseProxyHeader(line)).toEqual({
      state: 'done',
      length: 45,
      header: {
        version: 1,
        command: 'proxy',
        family: 'tcp4',
        source: { address: '192.0.2.1', port: 56324 },
        destination: { address: '198.51.100.7', port: 443 },
        tlvs: {},
      },
    });
    const six = parseProxyHeader(Buffer.from('PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::ffff:192.0.2.9 1 65535\r\n'));
    expect(six).toMatchObject({
      state: 'done',
      header: { family: 'tcp6', source: { address: '2001:db8::1', port: 1 }, destination: { address: '::ffff:192.0.2.9', port: 65535 } },
    });
    expect(byteByByte(line)).toEqual(parseProxyHeader(line));
  });

  it('UNKNOWN: no addresses, the rest of the line ignored', () => {
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n'))).toMatchObject({
      state: 'done',
      length: 35,
      header: { family: 'unknown' },
    });
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toMatchObject({ state: 'done', length: 15 });
  });

  it.each([
    ['PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n', /unknown protocol/],
    ['PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n', /not IPv4/],
    ['PROXY TCP4 1.2.3.4 5.6.7.256 1 2\r\n', /not IPv4/],
    ['PROXY TCP4 ::1 ::2 1 2\r\n', /not IPv4/],
    ['PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n', /not IPv6/],
    ['PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n', /not IPv6/],
    ['PROXY TCP4 1.2.3.4 5.6.7.8 0443 2\r\n', /ports/],
    ['PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n', /ports/],
    ['PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n', /4 fields/],
    ['PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n', /fields|not IPv4/],
    [`PROXY UNKNOWN ${'x'.repeat(100)}\r\n`, /longer than 107/],
    [`PROXY TCP4 ${'1'.repeat(120)}`, /longer than 107/],
    ['GET / HTTP/1.1\r\n', /no PROXY protocol header/],
    ['PROXY\r\n', /no PROXY protocol header/],
  ])('%j is refused', (text, reason) => {
    const result = parseProxyHeader(Buffer.from(text));
    expect(result.state).toBe('invalid');
    expect((result as { reason: string }).reason).toMatch(reason);
  });
});

describe('PROXY v2', () => {
  it('TCP4 with the TLVs HAProxy sends (ALPN, authority, unique id, SSL and its sub-TLVs, a vendor TLV) and a CRC32C that matches', () => {
    const ssl = Buffer.concat([
      Buffer.from([0x07, 0, 0, 0, 0]),
      tlv(0x21, 'TLSv1.3'),
      tlv(0x22, 'client.example'),
      tlv(0x23, 'TLS_AES_128_GCM_SHA256'),
    ]);
    const tlvs = Buffer.concat([
      tlv(0x01, 'h2'),
      tlv(0x02, 'www.example.com'),
      tlv(0x05, Buffer.from([1, 2, 3])),
      tlv(0x20, ssl),
      tlv(0xea, 'vpce-0123'),
      tlv(0x03, Buffer.alloc(4)),
    ]);
    const header = v2(0x21, 0x11, ipv4Block([192, 0, 2, 1], [198, 51, 100, 7], 56324, 443), tlvs);
    header.writeUInt32BE(crc32c(header), header.length - 4); // the CRC over the whole header with its own field zeroed
    const data = Buffer.concat([header, Buffer.from('client bytes')]);
    const result = parseProxyHeader(data);
    expect(result).toMatchObject({
      state: 'done',
      length: header.length,
      header: {
        version: 2,
        command: 'proxy',
        family: 'tcp4',
        source: { address: '192.0.2.1', port: 56324 },
        destination: { address: '198.51.100.7', port: 443 },
        tlvs: {
          alpn: 'h2',
          authority: 'www.example.com',
          uniqueId: Buffer.from([1, 2, 3]),
          ssl: { client: 7, verify: 0, version: 'TLSv1.3', commonName: 'client.example', cipher: 'TLS_AES_128_GCM_SHA256' },
        },
      },
    });
    const raw = (result as { header: { tlvs: { raw: Array<{ type: number; value: Buffer }> } } }).header.tlvs.raw;
    expect(raw.map((t) => t.type)).toEqual([0x01, 0x02, 0x05, 0x20, 0xea, 0x03]);
    expect(raw[4]!.value.toString()).toBe('vpce-0123');
    expect(byteByByte(data)).toEqual(result);
    header[20] ^= 1; // one bit of the addresses: the CRC no longer matches
    expect(parseProxyHeader(header)).toMatchObject({ state: 'invalid', reason: expect.stringMatching(/CRC32C/) });
  });

  it('TCP6, UDP, unix (pathname and abstract), UNSPEC, and LOCAL (the whole block skipped)', () => {
    const six = Buffer.alloc(36);
    six.set([0x20, 0x01, 0x0d, 0xb8], 0);
    six[15] = 1;
    six[31] = 1;
    six.writeUInt16BE(1234, 32);
    six.writeUInt16BE(80, 34);
    expect(parseProxyHeader(v2(0x21, 0x21, six))).toMatchObject({
      header: { family: 'tcp6', source: { address: '2001:db8::1', port: 1234 }, destination: { address: '::1', port: 80 } },
    });
    expect(parseProxyHeader(v2(0x21, 0x12, ipv4Block([10, 0, 0, 1], [10, 0, 0, 2], 53, 53)))).toMatchObject({ header: { family: 'udp4' } });
    const unix = Buffer.alloc(216);
    unix.write('/run/client.sock', 0);
    unix.write('\0abstract', 108, 'latin1');
    expect(parseProxyHeader(v2(0x21, 0x31, unix))).toMatchObject({
      header: {
        family: 'unix-stream',
        source: { path: Buffer.from('/run/client.sock') },
        destination: { path: Buffer.from('\0abstract', 'latin1') },
      },
    });
    expect(parseProxyHeader(v2(0x21, 0x00, Buffer.alloc(0)))).toMatchObject({
      state: 'done',
      length: 16,
      header: { command: 'proxy', family: 'unknown' },
    });
    // LOCAL: a health check; whatever follows (here garbage that is no TLV) is skipped, not judged.
    expect(parseProxyHeader(v2(0x20, 0x11, Buffer.from([1, 2, 3, 4, 5])))).toMatchObject({
      state: 'done',
      length: 21,
      header: { command: 'local', family: 'unknown' },
    });
  });

  it.each([
    ['version 1 in the v2 signature', v2(0x11, 0x11, ipv4Block([1, 1, 1, 1], [2, 2, 2, 2], 1, 2)), /version 1/],
    ['command 2', v2(0x22, 0x11, ipv4Block([1, 1, 1, 1], [2, 2, 2, 2], 1, 2)), /command 2/],
    ['TCP4 with 8 bytes of addresses', v2(0x21, 0x11, Buffer.alloc(8)), /needs 12 bytes/],
    [
      'a TLV running past the header',
      v2(0x21, 0x11, ipv4Block([1, 1, 1, 1], [2, 2, 2, 2], 1, 2), Buffer.from([0x01, 0x00, 0x09, 0x68])),
      /TLV 0x1 says 9 bytes/,
    ],
    ['a truncated TLV head', v2(0x21, 0x11, ipv4Block([1, 1, 1, 1], [2, 2, 2, 2], 1, 2), Buffer.from([0x01, 0x00])), /truncated TLV/],
    [
      'a CRC32C TLV of 3 bytes',
      v2(0x21, 0x11, ipv4Block([1, 1, 1, 1], [2, 2, 2, 2], 1, 2), tlv(0x03, Buffer.alloc(3))),
      /CRC32C TLV of 3 bytes/,
    ],
    [
      'a unique id of 129 bytes',
      v2(0x21, 0x11, ipv4Block([1, 1, 1, 1], [2, 2, 2, 2], 1, 2), tlv(0x05, Buffer.alloc(129))),
      /unique id of 129/,
    ],
    [
      'an SSL TLV of 4 bytes',
      v2(0x21, 0x11, ipv4Block([1, 1, 1, 1], [2, 2, 2, 2], 1, 2), tlv(0x20, Buffer.alloc(4))),
      /SSL TLV of 4 bytes/,
    ],
  ])('%s is refused', (_, data, reason) => {
    expect(parseProxyHeader(data)).toMatchObject({ state: 'invalid', reason: expect.stringMatching(reason) });
  });

  it('asks for exactly the bytes it needs: the 16-byte head, then the length it announces', () => {
    expect(parseProxyHeader(V2_SIGNATURE.subarray(0, 5))).toEqual({ state: 'more', need: 6 });
    expect(parseProxyHeader(V2_SIGNATURE)).toEqual({ state: 'more', need: 16 });
    const header = v2(0x21, 0x11, ipv4Block([1, 1, 1, 1], [2, 2, 2, 2], 1, 2));
    expect(parseProxyHeader(header.subarray(0, 20))).toEqual({ state: 'more', need: 28 });
  });
});

describe('CRC32C', () => {
  it('matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });
});

describe('mutated and random headers', () => {
  it('always get a decision, never an exception, and never claim more bytes than they were given', () => {
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const seeds = [
      Buffer.from('PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n'),
      Buffer.from('PROXY TCP6 2001:db8::1 ::1 1 2\r\n'),
      v2(
        0x21,
        0x11,
        ipv4Block([1, 2, 3, 4], [5, 6, 7, 8], 9, 10),
        Buffer.concat([tlv(0x01, 'h2'), tlv(0x20, Buffer.concat([Buffer.alloc(5), tlv(0x21, 'TLSv1.2')]))]),
      ),
      v2(0x20, 0x00, Buffer.alloc(0)),
    ];
    for (let i = 0; i < 20_000; i++) {
      let data: Buffer;
      if (random(4) === 0) data = Buffer.from(Array.from({ length: random(300) }, () => random(256)));
      else {
        data = Buffer.from(seeds[random(seeds.length)]!);
        for (let m = random(4) + 1; m > 0; m--) {
          const at = random(Math.max(1, data.length));
          const op = random(3);
          if (op === 0 && data.length > 0) data[at] = random(256);
          else if (op === 1) data = Buffer.concat([data.subarray(0, at), data.subarray(at + 1 + random(8))]);
          else
            data = Buffer.concat([
              data.subarray(0, at),
              Buffer.from(Array.from({ length: random(8) }, () => random(256))),
              data.subarray(at),
            ]);
        }
      }
      const result = parseProxyHeader(data);
      if (result.state === 'done') expect(result.length).toBeLessThanOrEqual(data.length);
      else if (result.state === 'more') expect(result.need).toBeGreaterThan(data.length);
      else expect(result.reason.length).toBeGreaterThan(0);
    }
  });
});
