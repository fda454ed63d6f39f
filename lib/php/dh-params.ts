// PHP's `dh_param` file: its first PEM parameters block of an algorithm
// OpenSSL knows (DH, X9.42 DH, EC, DSA), as PEM_read_bio_Parameters() finds it. node:tls silently ignores
// parameters it cannot use, so the facade reads them itself to fail as PHP
// does: nothing readable, or a prime too small for the security level.

export type DhParameters =
  /**
   * PKCS#3 or X9.42 Diffie-Hellman parameters, with the sizes of the prime
   * and (X9.42 only) of the subgroup; `pem` is always the PKCS#3 form, the
   * one every Node's OpenSSL takes (Node 24's drops X9.42 silently).
   */
  | { kind: 'dh'; pem: string; primeBits: number; subgroupBits: number | null }
  /** Parameters of another algorithm (EC, DSA): OpenSSL takes them, no DHE handshake can use them. */
  | { kind: 'other' };

const PEM_BLOCKS = /-----BEGIN ([A-Z0-9. ]+) PARAMETERS-----\r?\n([\s\S]*?)-----END \1 PARAMETERS-----/g;
/** The algorithms OpenSSL reads parameters of (other "… PARAMETERS" blocks are skipped, as OpenSSL does). */
const KNOWN = new Set(['DH', 'X9.42 DH', 'EC', 'DSA']);

/** The parameters in a PEM text, or null when it holds none that decode. */
export function readDhParameters(text: string): DhParameters | null {
  for (const [, algorithm, body] of text.matchAll(PEM_BLOCKS)) {
    if (!KNOWN.has(algorithm!)) continue;
    // The first block of a known algorithm is the one read: if it does not decode, reading fails.
    const der = /^[A-Za-z0-9+/=\s]+$/.test(body!) ? Buffer.from(body!.replace(/\s+/g, ''), 'base64') : Buffer.alloc(0);
    if (algorithm === 'EC' || algorithm === 'DSA') return wholeTlv(der) ? { kind: 'other' } : null;
    // PKCS#3: SEQUENCE { p, g, … }; X9.42: SEQUENCE { p, g, q, … }.
    const x942 = algorithm === 'X9.42 DH';
    const integers = readIntegers(der, x942 ? 3 : 2);
    if (integers === null) return null;
    const [p, g, q] = integers;
    const pkcs3 = derSequence(Buffer.concat([p!.encoded, g!.encoded]));
    const pem = `-----BEGIN DH PARAMETERS-----\n${pkcs3.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END DH PARAMETERS-----\n`;
    return { kind: 'dh', pem, primeBits: p!.bits, subgroupBits: q === undefined ? null : q.bits };
  }
  return null;
}

/** Whether `der` is exactly one well-formed TLV (EC and DSA parameters are not looked into further). */
function wholeTlv(der: Buffer): boolean {
  const header = der.length > 0 ? readHeader(der, 0, der[0]!) : null;
  return header !== null && header.contentAt + header.length === der.length;
}

interface DerInteger {
  /** The whole TLV, to re-encode it. */
  encoded: Buffer;
  bits: number;
}

/** The first `count` INTEGERs of a DER SEQUENCE, or null if the DER is not that. */
function readIntegers(der: Buffer, count: number): DerInteger[] | null {
  const sequence = readHeader(der, 0, 0x30);
  if (sequence === null) return null;
  const integers: DerInteger[] = [];
  let at = sequence.contentAt;
  while (integers.length < count) {
    const integer = readHeader(der, at, 0x02);
    if (integer === null || integer.length === 0 || integer.contentAt + integer.length > der.length) return null;
    const end = integer.contentAt + integer.length;
    let bytes = der.subarray(integer.contentAt, end);
    while (bytes.length > 0 && bytes[0] === 0) bytes = bytes.subarray(1); // the sign byte
    integers.push({ encoded: der.subarray(at, end), bits: bytes.length === 0 ? 0 : (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0]!)) });
    at = end;
  }
  return integers;
}

function derSequence(content: Buffer): Buffer {
  const lengthBytes: number[] = [];
  for (let n = content.length; n > 0; n = Math.floor(n / 256)) lengthBytes.unshift(n % 256);
  const length = content.length < 0x80 ? [content.length] : [0x80 | lengthBytes.length, ...lengthBytes];
  return Buffer.concat([Buffer.from([0x30, ...length]), content]);
}

/** A DER tag and length at `at`: where the content starts and how long it is. */
function readHeader(der: Buffer, at: number, tag: number): { contentAt: number; length: number } | null {
  if (der[at] !== tag || at + 1 >= der.length) return null;
  const first = der[at + 1]!;
  if (first < 0x80) return { contentAt: at + 2, length: first };
  const count = first & 0x7f;
  if (count === 0 || count > 4 || at + 2 + count > der.length) return null;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + der[at + 2 + i]!;
  return { contentAt: at + 2 + count, length };
}

/**
 * Whether OpenSSL's security level admits these parameters (its
 * SSL_SECOP_TMP_DH check): levels 1–5 ask for 80, 112, 128, 192, 256 bits of
 * security, and even level 0 refuses DH under 80 bits (a prime under 1024).
 */
export function dhAllowed(params: { primeBits: number; subgroupBits: number | null }, level: number): boolean {
  const required = [80, 80, 112, 128, 192, 256][Math.min(Math.max(level, 0), 5)]!;
  return securityBits(params.primeBits, params.subgroupBits) >= required;
}

/** OpenSSL's strength estimate of a finite-field group (BN_security_bits): by the prime, capped by half the subgroup. */
function securityBits(primeBits: number, subgroupBits: number | null): number {
  const byPrime =
    primeBits >= 15360 ? 256 : primeBits >= 7680 ? 192 : primeBits >= 3072 ? 128 : primeBits >= 2048 ? 112 : primeBits >= 1024 ? 80 : 0;
  if (byPrime === 0 || subgroupBits === null) return byPrime;
  const bySubgroup = Math.floor(subgroupBits / 2);
  return bySubgroup < 80 ? 0 : Math.min(byPrime, bySubgroup);
}
