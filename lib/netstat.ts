// System-wide network counters from /proc (per network namespace): what a
// harness sets beside a socket's own numbers, never in their place.
import { readFileSync } from 'node:fs';

/** A counter from a /proc/net/snmp-style table ("Udp: A B C" / "Udp: 1 2 3"); undefined when absent. */
function snmpCounter(file: string, section: string, name: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n').filter((l) => l.startsWith(`${section}: `));
  if (lines.length < 2) return undefined;
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1);
  const i = names.indexOf(name);
  return i < 0 ? undefined : Number(values[i]);
}

/** A counter from /proc/net/snmp6 ("Udp6RcvbufErrors  12"). */
function snmp6Counter(name: string): number | undefined {
  try {
    const line = readFileSync('/proc/net/snmp6', 'utf8').split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.trim().split(/\s+/)[1]);
  } catch {
    return undefined;
  }
}

/** UDP datagrams dropped for a full receive buffer, all sockets of this namespace (IPv4 + IPv6). */
export function udpReceiveBufferErrors(): number | undefined {
  const v4 = snmpCounter('/proc/net/snmp', 'Udp', 'RcvbufErrors');
  const v6 = snmp6Counter('Udp6RcvbufErrors');
  return v4 === undefined && v6 === undefined ? undefined : (v4 ?? 0) + (v6 ?? 0);
}
