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

/** TCP sockets of this namespace listening on `port` (IPv4 and IPv6), from /proc/net/tcp{,6}; undefined where unreadable. */
export function listenersOnPort(port: number): number | undefined {
  let count = 0;
  let read = false;
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    read = true;
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A' && local?.endsWith(`:${hex}`)) count++; // 0A: TCP_LISTEN
    }
  }
  return read ? count : undefined;
}
