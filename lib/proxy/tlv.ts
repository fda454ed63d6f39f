// The TLVs of a PROXY v2 header (type, 16-bit length, value), after the
// addresses: the ones the spec names are decoded, every one is kept raw too.
// A TLV that runs past the header makes the header invalid.

/** What the TLVs of one header say. */
export interface ProxyTlvs {
  /** PP2_TYPE_ALPN: the protocol the client negotiated with the balancer (e.g. "h2"). */
  alpn?: string;
  /** PP2_TYPE_AUTHORITY: the host name the client asked for (TLS SNI). */
  authority?: string;
  /** PP2_TYPE_UNIQUE_ID: an opaque id of the connection (up to 128 bytes). */
  uniqueId?: Buffer;
  /** PP2_TYPE_NETNS: the network namespace's name. */
  netns?: string;
  /** PP2_TYPE_SSL: the client's TLS connection to the balancer. */
  ssl?: {
    /** PP2_CLIENT_SSL / _CERT_CONN / _CERT_SESS bits. */
    client: number;
    /** 0 when the client presented a certificate that was verified. */
    verify: number;
    version?: string;
    commonName?: string;
    cipher?: string;
    signatureAlgorithm?: string;
    keyAlgorithm?: string;
  };
  /** Every TLV as received, in order (vendor ones: AWS 0xEA, Azure 0xEE, GCP 0xE0 … included). */
  raw?: Array<{ type: number; value: Buffer }>;
}

const ALPN = 0x01;
const AUTHORITY = 0x02;
const CRC32C = 0x03;
const UNIQUE_ID = 0x05;
const SSL = 0x20;
const NETNS = 0x30;
const SSL_SUB: Record<number, 'version' | 'commonName' | 'cipher' | 'signatureAlgorithm' | 'keyAlgorithm'> = {
  0x21: 'version',
  0x22: 'commonName',
  0x23: 'cipher',
  0x24: 'signatureAlgorithm',
  0x25: 'keyAlgorithm',
};

/** Splits `data` into TLVs; a string says why it cannot be. */
function split(data: Buffer): Array<{ type: number; value: Buffer; at: number }> | string {
  const out: Array<{ type: number; value: Buffer; at: number }> = [];
  for (let at = 0; at < data.length;) {
    if (data.length - at < 3) return `a truncated TLV at byte ${at} of the TLVs`;
    const length = data.readUInt16BE(at + 1);
    if (at + 3 + length > data.length) return `TLV 0x${data[at]!.toString(16)} says ${length} bytes, ${data.length - at - 3} are left`;
    out.push({ type: data[at]!, value: Buffer.from(data.subarray(at + 3, at + 3 + length)), at });
    at += 3 + length;
  }
  return out;
}

/**
 * The TLVs in `data`; `offset` is where `data` starts in the header (for the
 * CRC32C check, which zeroes its own value). A string says why they are invalid.
 */
export function parseTlvs(data: Buffer, offset: number): { decoded: ProxyTlvs; crc32c?: { value: number; offset: number } } | string {
  const tlvs = split(data);
  if (typeof tlvs === 'string') return tlvs;
  const decoded: ProxyTlvs = {};
  let crc: { value: number; offset: number } | undefined;
  for (const { type, value, at } of tlvs) {
    if (type === ALPN) decoded.alpn = value.toString('latin1');
    else if (type === AUTHORITY) decoded.authority = value.toString('utf8');
    else if (type === UNIQUE_ID) {
      if (value.length > 128) return `a unique id of ${value.length} bytes (at most 128)`;
      decoded.uniqueId = value;
    } else if (type === NETNS) decoded.netns = value.toString('latin1');
    else if (type === CRC32C) {
      if (value.length !== 4) return `a CRC32C TLV of ${value.length} bytes (4)`;
      crc = { value: value.readUInt32BE(0), offset: offset + at + 3 };
    } else if (type === SSL) {
      const ssl = parseSsl(value);
      if (typeof ssl === 'string') return ssl;
      decoded.ssl = ssl;
    }
  }
  if (tlvs.length > 0) decoded.raw = tlvs.map(({ type, value }) => ({ type, value }));
  return crc === undefined ? { decoded } : { decoded, crc32c: crc };
}

/** PP2_TYPE_SSL: client (1 byte), verify (4), then sub-TLVs. */
function parseSsl(value: Buffer): NonNullable<ProxyTlvs['ssl']> | string {
  if (value.length < 5) return `an SSL TLV of ${value.length} bytes (at least 5)`;
  const ssl: NonNullable<ProxyTlvs['ssl']> = { client: value[0]!, verify: value.readUInt32BE(1) };
  const subs = split(value.subarray(5));
  if (typeof subs === 'string') return `in the SSL TLV: ${subs}`;
  for (const { type, value: sub } of subs) {
    const key = SSL_SUB[type];
    if (key !== undefined) ssl[key] = sub.toString('utf8');
  }
  return ssl;
}
