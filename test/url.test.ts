import { describe, expect, it } from 'vitest';
import { parseServerUrl, splitScheme } from '../lib/net/url.js';

describe('splitScheme (PHP rule: two or more [A-Za-z0-9+.-] then ://)', () => {
  it.each([
    ['tcp://127.0.0.1:80', 'tcp', '127.0.0.1:80'],
    ['tlsv1.3://h:1', 'tlsv1.3', 'h:1'],
    ['127.0.0.1:80', null, '127.0.0.1:80'],
    ['[::1]:0', null, '[::1]:0'],
    ['x://h:1', null, 'x://h:1'],
    [' tcp://h:1', null, ' tcp://h:1'],
    ['TCP://h:1', 'TCP', 'h:1'],
  ])('%j', (url, scheme, target) => {
    expect(splitScheme(url)).toEqual({ scheme, target });
  });
});

describe('parseServerUrl (strict core grammar)', () => {
  it.each([
    ['tcp://127.0.0.1:8000', '127.0.0.1', 8000],
    ['127.0.0.1:0', '127.0.0.1', 0],
    ['tcp://[::1]:65535', '::1', 65535],
    ['tcp://[fe80::1%lo]:80', 'fe80::1%lo', 80],
    ['tcp://localhost:1', 'localhost', 1],
    ['tcp://0.0.0.0:08080', '0.0.0.0', 8080],
  ])('%j -> host %j port %d', (url, host, port) => {
    expect(parseServerUrl(url)).toEqual({ transport: 'tcp', host, port });
  });

  it.each([
    ['tcp://127.0.0.1', /expected host:port/],
    ['tcp://127.0.0.1:', /port is missing/],
    ['tcp://:80', /host is empty/],
    ['tcp://::1:80', /must be written in brackets/],
    ['tcp://[::1]', /expected ":port"/],
    ['tcp://[::1:80', /not closed/],
    ['tcp://[]:80', /empty/],
    ['tcp://h:8080abc', /not a decimal number/],
    ['tcp://h:-1', /not a decimal number/],
    ['tcp://h: 80', /not a decimal number/],
    ['tcp://h:0x50', /not a decimal number/],
    ['tcp://h:80/path', /not a decimal number/],
    ['TCP://h:80', /unknown transport "TCP".*case-sensitive/],
    ['foo://h:80', /unknown transport "foo"/],
    ['tcp://h\0:80', /NUL byte/],
    ['', /expected host:port/],
  ])('%j is a TypeError (%s)', (url, message) => {
    expect(() => parseServerUrl(url)).toThrow(TypeError);
    expect(() => parseServerUrl(url)).toThrow(message);
    try {
      parseServerUrl(url);
    } catch (error) {
      expect((error as { code?: string }).code).toBe('ERR_INVALID_URL');
    }
  });

  it.each([
    ['unix:///tmp/x.sock', Buffer.from('/tmp/x.sock')],
    ['unix://rel.sock', Buffer.from('rel.sock')],
    ['unix://@abstract', Buffer.from('\0abstract')],
    [`unix:///${'x'.repeat(106)}`, Buffer.from(`/${'x'.repeat(106)}`)],
  ])('%j is a unix path', (url, path) => {
    expect(parseServerUrl(url)).toEqual({ transport: 'unix', path });
  });

  it('rejects unix paths that do not fit sun_path instead of truncating them as PHP does', () => {
    expect(() => parseServerUrl(`unix:///${'x'.repeat(107)}`)).toThrow(/108 bytes, sun_path holds at most 107/);
    expect(() => parseServerUrl('unix://')).toThrow(/path is empty/);
  });

  it('rejects ports above 65535 with a RangeError instead of wrapping them as PHP does', () => {
    expect(() => parseServerUrl('tcp://127.0.0.1:65536')).toThrow(RangeError);
    expect(() => parseServerUrl('tcp://127.0.0.1:99999')).toThrow(/out of range 0..65535/);
  });

  it('rejects non-strings; parses every transport PHP knows', () => {
    expect(() => parseServerUrl(8000)).toThrow(TypeError);
    expect(parseServerUrl('udp://127.0.0.1:0')).toEqual({ transport: 'udp', host: '127.0.0.1', port: 0 });
    expect(parseServerUrl('udg:///tmp/d.sock')).toEqual({ transport: 'udg', path: Buffer.from('/tmp/d.sock') });
    expect(parseServerUrl('tlsv1.3://127.0.0.1:0')).toEqual({ transport: 'tlsv1.3', host: '127.0.0.1', port: 0 });
  });
});
