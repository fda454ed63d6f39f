// PHP's `dh_param` file: the first PEM "… PARAMETERS" block in it, as
// OpenSSL's PEM_read_bio_Parameters() finds it. node:tls silently ignores
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

const PEM_BLOCK = /-----BEGIN ([A-Z0-9. ]*PARAMETERS)-----\r?\n([\s\S]*?)-----END \1-----/;

/** The parameters in a PEM text, or null when it holds none. */
export function readDhParameters(text: string): DhParameters | null {
  const block = PEM_BLOCK.exec(text);
  if (block === null) return null;
  const x942 = block[1] === 'X9.42 DH PARAMETERS';
  if (block[1] !== 'DH PARAMETERS' && !x942) return { kind: 'other' };
  // PKCS#3: SEQUENCE { p, g, … }; X9.42: SEQUENCE { p, g, q, … }.
  const integers = readIntegers(Buffer.from(block[2]!.replace(/\s+/g, ''), 'base64'), x942 ? 3 : 2);
  if (integers === null) return null;
  const [p, g, q] = integers;
  const pkcs3 = derSequence(Buffer.concat([p!.encoded, g!.encoded]));
  const pem = `-----BEGIN DH PARAMETERS-----\n${pkcs3.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END DH PARAMETERS-----\n`;
  return { kind: 'dh', pem, primeBits: p!.bits, subgroupBits: q === undefined ? null : q.bits };
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
    if (integer === null || integer.contentAt + integer.length > der.length) return null;
    const end = integer.contentAt + integer.length;
    let bytes = der.subarray(integer.contentAt, end);
    while (bytes.length > 0 && bytes[0] === 0) bytes = bytes.subarray(1); // the sign byte
    integers.push({ encoded: der.subarray(at, end), bits: bytes.length === 0 ? 0 : (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0]!)) });
    at = end;
  }
  return integers;
}

function derSequence(content: Buffer): Buffer {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
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
  const byPrime = primeBits >= 15360 ? 256 : primeBits >= 7680 ? 192 : primeBits >= 3072 ? 128 : primeBits >= 2048 ? 112 : primeBits >= 1024 ? 80 : 0;
  if (byPrime === 0 || subgroupBits === null) return byPrime;
  const bySubgroup = Math.floor(subgroupBits / 2);
  return bySubgroup < 80 ? 0 : Math.min(byPrime, bySubgroup);
}
