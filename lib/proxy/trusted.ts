// Which peers may send a PROXY header: address prefixes ("10.0.0.0/8",
// "2001:db8::/32", a bare address) and "unix" for unix-socket peers. An
// IPv4-mapped IPv6 peer (a dual-stack listener) is judged as the IPv4 it is.
import { BlockList, isIP } from 'node:net';
import { argumentError } from '../binding/errors.js';

export interface Trust {
  /** Is a peer at `address` (an IP address, or null for a unix peer) trusted? */
  (address: string | null): boolean;
}

/** How many peers' verdicts trustOf() remembers. */
const KNOWN_MAX = 1024;

export function trustOf(entries: unknown): Trust {
  if (!Array.isArray(entries))
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', 'proxyProtocol.trusted must be an array of address prefixes');
  const list = new BlockList();
  let unix = false;
  for (const entry of entries) {
    if (entry === 'unix') {
      unix = true;
      continue;
    }
    const [address, bits, extra] = typeof entry === 'string' ? entry.split('/') : [];
    const family = isIP(address ?? '');
    const max = family === 6 ? 128 : 32;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (family === 0 || extra !== undefined || !(prefix >= 0 && prefix <= max)) {
      throw argumentError(
        'type',
        'ERR_INVALID_ARG_VALUE',
        `proxyProtocol.trusted: ${JSON.stringify(entry)} is not an address or prefix (e.g. "10.0.0.0/8", "::1", "unix")`,
      );
    }
    list.addSubnet(address!, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  const judge = (address: string): boolean => {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return list.check(mapped[1]!, 'ipv4') || list.check(address, 'ipv6');
    return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  };
  // Senders are a handful of balancers: remember their verdicts (BlockList.check makes a
  // SocketAddress per call). Bounded, for a listener that also sees many untrusted peers.
  const known = new Map<string, boolean>();
  return (address) => {
    if (address === null) return unix;
    let trusted = known.get(address);
    if (trusted === undefined) {
      trusted = judge(address);
      if (known.size >= KNOWN_MAX) known.clear();
      known.set(address, trusted);
    }
    return trusted;
  };
}
