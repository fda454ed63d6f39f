// Network interface names <-> indexes, for IPv6 scope ids (fe80::1%eth0):
// if_nametoindex / if_indextoname semantics, read from /sys/class/net, since
// the addon has neither call. Linux only, as the rest of the library.
import { readdirSync, readFileSync } from 'node:fs';

const SYS = '/sys/class/net';
/** What Linux allows in a name (dev_valid_name): 1..15 bytes, no '/', ':' or white space, not '.' or '..'. */
const NAME = /^(?!\.\.?$)[^/:\s]{1,15}$/;

/** The index of interface `name`, or undefined when there is no such interface. */
export function interfaceIndex(name: string): number | undefined {
  if (!NAME.test(name)) return undefined;
  try {
    return Number(readFileSync(`${SYS}/${name}/ifindex`, 'utf8'));
  } catch {
    return undefined;
  }
}

let names = new Map<number, string>();

/** The name of interface `index`, or undefined when there is none. A cached scan, checked at each use (names move). */
export function interfaceName(index: number): string | undefined {
  const cached = names.get(index);
  if (cached !== undefined && interfaceIndex(cached) === index) return cached;
  names = new Map();
  try {
    for (const name of readdirSync(SYS)) {
      const found = interfaceIndex(name);
      if (found !== undefined) names.set(found, name);
    }
  } catch {
    // no sysfs: scopes stay numeric
  }
  return names.get(index);
}
