// The PROXY protocol header (versions 1 and 2, as HAProxy specifies it), read
// from the first bytes of a connection. Pure and incremental: given the bytes
// received so far, it says "need more", "done" (with the header and its
// length) or "invalid" (with why). Never throws, never reads past the header,
// never allocates more than the header's own (bounded) size.
import { crc32c } from './crc32c.js';
import { parseTlvs, type ProxyTlvs } from './tlv.js';
import { formatIpv6, ipv6Bytes, isIpv4Text } from '../net/ip-bytes.js';

/** What the balancer said of the connection. */
export interface ProxyHeader {
  version: 1 | 2;
  /** 'proxy': relayed for a client; 'local': the balancer's own connection (a health check): use the real peer. */
  command: 'proxy' | 'local';
  /** 'tcp4' … 'unix-dgram'; 'unknown' (v1 UNKNOWN, v2 AF_UNSPEC): no addresses. */
  family: 'tcp4' | 'tcp6' | 'udp4' | 'udp6' | 'unix-stream' | 'unix-dgram' | 'unknown';
  source?: { address: string; port: number } | { path: Buffer };
  destination?: { address: string; port: number } | { path: Buffer };
  /** v2 only: the TLVs, known ones decoded, the others raw. */
  tlvs: ProxyTlvs;
}

export type ProxyParse =
  | { state: 'more'; /** at least this many bytes in all before anything can be decided */ need: number }
  | { state: 'done'; header: ProxyHeader; /** bytes of the header: the data after it is the client's */ length: number }
  | { state: 'invalid'; reason: string };

export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ');
/** A v1 line, CRLF included, is at most 107 bytes. */
export const V1_MAX = 107;
/** A v2 header: 16 bytes, then at most 65535 of addresses and TLVs. */
export const V2_MAX = 16 + 0xffff;

/** Decides what `data` (the first bytes of a connection) holds. */
export function parseProxyHeader(data: Buffer): ProxyParse {
  const v1 = startsLike(data, V1_PREFIX);
  const v2 = startsLike(data, V2_SIGNATURE);
  if (v2 === 'yes') return parseV2(data);
  if (v1 === 'yes') return parseV1(data);
  if (v1 === 'maybe' || v2 === 'maybe') return { state: 'more', need: data.length + 1 };
  return { state: 'invalid', reason: 'no PROXY protocol header (neither "PROXY " nor the v2 signature)' };
}

/** Does `data` begin with `prefix` ('yes'), could it once more bytes come ('maybe'), or not ('no')? */
function startsLike(data: Buffer, prefix: Buffer): 'yes' | 'maybe' | 'no' {
  const n = Math.min(data.length, prefix.length);
  if (data.compare(prefix, 0, n, 0, n) !== 0) return 'no';
  return data.length >= prefix.length ? 'yes' : 'maybe';
}

const invalid = (reason: string): ProxyParse => ({ state: 'invalid', reason });

// ---- version 1: "PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n" ----

const V1_FAMILIES: Record<string, ProxyHeader['family']> = { TCP4: 'tcp4', TCP6: 'tcp6', UNKNOWN: 'unknown' };

function parseV1(data: Buffer): ProxyParse {
  const end = data.indexOf('\r\n');
  if (end < 0) {
    if (data.length >= V1_MAX) return invalid(`a v1 header longer than ${V1_MAX} bytes (no CRLF)`);
    return { state: 'more', need: data.length + 1 };
  }
  if (end + 2 > V1_MAX) return invalid(`a v1 header longer than ${V1_MAX} bytes`);
  const line = data.toString('latin1', 0, end);
  const parts = line.split(' ');
  const family = V1_FAMILIES[parts[1] ?? ''];
  if (family === undefined) return invalid(`v1: unknown protocol ${JSON.stringify(parts[1] ?? '')} (TCP4, TCP6 or UNKNOWN)`);
  const header: ProxyHeader = { version: 1, command: 'proxy', family, tlvs: {} };
  if (family === 'unknown') return { state: 'done', header, length: end + 2 }; // the rest of the line is to be ignored
  if (parts.length !== 6) return invalid(`v1: ${parts[1]} takes 4 fields (source, destination, ports), got ${parts.length - 2}`);
  const [, , src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  const ip = family === 'tcp4' ? isIpv4Text : isV1Ipv6;
  if (!ip(src) || !ip(dst)) return invalid(`v1: not ${family === 'tcp4' ? 'IPv4' : 'IPv6'} addresses: ${JSON.stringify(`${src} ${dst}`)}`);
  const ports = [sport, dport].map(v1Port);
  if (ports.includes(undefined)) return invalid(`v1: ports must be 0..65535 without leading zeros: ${JSON.stringify(`${sport} ${dport}`)}`);
  header.source = { address: canonical(src, family), port: ports[0]! };
  header.destination = { address: canonical(dst, family), port: ports[1]! };
  return { state: 'done', header, length: end + 2 };
}

function isV1Ipv6(text: string): boolean {
  return /^[0-9A-Fa-f:.]{2,45}$/.test(text) && ipv6Bytes(text) !== undefined;
}

function v1Port(text: string): number | undefined {
  return /^(0|[1-9]\d{0,4})$/.test(text) && Number(text) <= 65535 ? Number(text) : undefined;
}

function canonical(text: string, family: ProxyHeader['family']): string {
  return family === 'tcp4' ? text : formatIpv6(ipv6Bytes(text)!);
}

// ---- version 2: the binary header ----

const V2_FAMILIES: Record<number, { family: ProxyHeader['family']; size: number }> = {
  0x00: { family: 'unknown', size: 0 },
  0x11: { family: 'tcp4', size: 12 },
  0x12: { family: 'udp4', size: 12 },
  0x21: { family: 'tcp6', size: 36 },
  0x22: { family: 'udp6', size: 36 },
  0x31: { family: 'unix-stream', size: 216 },
  0x32: { family: 'unix-dgram', size: 216 },
};

function parseV2(data: Buffer): ProxyParse {
  if (data.length < 16) return { state: 'more', need: 16 };
  const verCmd = data[12]!;
  if (verCmd >> 4 !== 2) return invalid(`v2: version ${verCmd >> 4}, not 2`);
  const command = verCmd & 0x0f;
  if (command > 1) return invalid(`v2: unknown command ${command} (0 LOCAL, 1 PROXY)`);
  const length = 16 + data.readUInt16BE(14);
  if (data.length < length) return { state: 'more', need: length };
  const body = data.subarray(16, length);
  // The spec's families are 0..3 and transports 0..2: anything else is rejected, not guessed at.
  if (data[13]! >> 4 > 3 || (data[13]! & 0x0f) > 2) return invalid(`v2: unknown address family and transport 0x${data[13]!.toString(16)}`);
  const fam = V2_FAMILIES[data[13]!];
  // LOCAL (a health check of the balancer's own): the whole block is skipped, as the spec says; so
  // is a family this version does not know (where its TLVs would start is unknown too).
  if (command === 0 || fam === undefined) {
    return { state: 'done', header: { version: 2, command: command === 0 ? 'local' : 'proxy', family: 'unknown', tlvs: {} }, length };
  }
  if (fam.family === 'unknown') return finishV2(data, length, { version: 2, command: 'proxy', family: 'unknown', tlvs: {} }, body, 0);
  if (body.length < fam.size) return invalid(`v2: ${fam.family} needs ${fam.size} bytes of addresses, the header has ${body.length}`);
  const header: ProxyHeader = { version: 2, command: 'proxy', family: fam.family, tlvs: {} };
  if (fam.size === 12) {
    header.source = { address: formatIpv4(body.subarray(0, 4)), port: body.readUInt16BE(8) };
    header.destination = { address: formatIpv4(body.subarray(4, 8)), port: body.readUInt16BE(10) };
  } else if (fam.size === 36) {
    header.source = { address: formatIpv6([...body.subarray(0, 16)]), port: body.readUInt16BE(32) };
    header.destination = { address: formatIpv6([...body.subarray(16, 32)]), port: body.readUInt16BE(34) };
  } else {
    header.source = { path: unixPath(body.subarray(0, 108)) };
    header.destination = { path: unixPath(body.subarray(108, 216)) };
  }
  return finishV2(data, length, header, body, fam.size);
}

/** The TLVs after the addresses, and the CRC32C check when one is there. */
function finishV2(data: Buffer, length: number, header: ProxyHeader, body: Buffer, addresses: number): ProxyParse {
  const tlvs = parseTlvs(body.subarray(addresses), 16 + addresses);
  if (typeof tlvs === 'string') return invalid(`v2: ${tlvs}`);
  if (tlvs.crc32c !== undefined) {
    const copy = Buffer.from(data.subarray(0, length));
    copy.fill(0, tlvs.crc32c.offset, tlvs.crc32c.offset + 4);
    if (crc32c(copy) !== tlvs.crc32c.value) return invalid('v2: the CRC32C TLV does not match the header');
  }
  header.tlvs = tlvs.decoded;
  return { state: 'done', header, length };
}

function formatIpv4(bytes: Buffer): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** sun_path bytes up to the first NUL (an abstract name, NUL first, kept whole up to its trailing NULs). */
function unixPath(raw: Buffer): Buffer {
  if (raw[0] === 0) {
    let end = raw.length;
    while (end > 1 && raw[end - 1] === 0) end--;
    return Buffer.from(raw.subarray(0, end));
  }
  const nul = raw.indexOf(0);
  return Buffer.from(raw.subarray(0, nul < 0 ? raw.length : nul));
}
