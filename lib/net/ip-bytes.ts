// IP addresses between text and bytes, strictly, with no resolver: what the
// PROXY parser checks v1 addresses with, what admission masks prefixes of,
// and what /proc/net/tcp6 lookups are built from. One parser for all three.

/** Dotted decimal, four parts, no leading zeros (as inet_pton takes it). */
export function isIpv4Text(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** The 16 bytes of an IPv6 address in text (an embedded IPv4 tail allowed), or undefined. */
export function ipv6Bytes(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const words = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        if (!isIpv4Text(piece)) return undefined;
        const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(piece)) out.push(parseInt(piece, 16));
      else return undefined;
    }
    return out;
  };
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || (halves.length === 2 && fill < 1)) return undefined;
  return [...head, ...Array<number>(fill).fill(0), ...tail].flatMap((w) => [w >> 8, w & 0xff]);
}

/** 4 bytes for an IPv4 address, 16 for an IPv6 one (a zone "%eth0" ignored), undefined for anything else. */
export function ipBytes(text: string): number[] | undefined {
  if (isIpv4Text(text)) return text.split('.').map(Number);
  return ipv6Bytes(text.split('%')[0]!);
}

/** RFC 5952 text: lower case, the longest run of zero words (two or more) as "::", IPv4-mapped as ::ffff:a.b.c.d. */
export function formatIpv6(bytes: ArrayLike<number>): string {
  const words = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}
