// System-wide network counters from /proc (per network namespace): what a
// harness sets beside a socket's own numbers, never in their place.
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { ipBytes } from '../net/ip-bytes.js';

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
    const line = readFileSync('/proc/net/snmp6', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name} `));
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

export interface ListenCounters {
  /** Connections dropped because an accept queue was full. */
  listenOverflows: number;
  /** Connection requests dropped at a listener for any reason (includes the overflows). */
  listenDrops: number;
}

/** TcpExt ListenOverflows / ListenDrops of this network namespace (/proc/net/netstat); undefined where absent. */
export function listenCounters(): ListenCounters | undefined {
  const listenOverflows = snmpCounter('/proc/net/netstat', 'TcpExt', 'ListenOverflows');
  const listenDrops = snmpCounter('/proc/net/netstat', 'TcpExt', 'ListenDrops');
  return listenOverflows === undefined || listenDrops === undefined ? undefined : { listenOverflows, listenDrops };
}

/** net.core.somaxconn: the kernel's cap on every listen() backlog. */
export function somaxconn(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** net.ipv4.tcp_migrate_req: a closing listener's queued connections move to another of its SO_REUSEPORT group (Linux 5.14+). */
export function migratesRequests(): boolean {
  try {
    return readFileSync('/proc/sys/net/ipv4/tcp_migrate_req', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/** An address as /proc/net/tcp{,6} prints it: each 32-bit word in host byte order, in hex. */
function procAddress(address: string): string {
  const bytes = ipBytes(address) ?? [];
  let text = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const word = bytes.slice(i, i + 4);
    if (endianness() === 'LE') word.reverse();
    text += word.map((b) => b.toString(16).padStart(2, '0')).join('');
  }
  return text.toUpperCase();
}

/**
 * TCP listeners of this namespace that could form a SO_REUSEPORT group with
 * one on `address`:`port`: the same address and port, the same family, the
 * same owner (the kernel groups only sockets of one uid). From
 * /proc/net/tcp{,6}; undefined where unreadable.
 */
export function listenersLike(address: string, port: number): number | undefined {
  const file = address.includes(':') ? '/proc/net/tcp6' : '/proc/net/tcp';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const local = `${procAddress(address)}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const uid = String(process.geteuid?.() ?? 0);
  let count = 0;
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/); // sl local remote st tx:rx tr:when retrnsmt uid …
    if (fields[1] === local && fields[3] === '0A' && fields[7] === uid) count++; // 0A: TCP_LISTEN
  }
  return count;
}
