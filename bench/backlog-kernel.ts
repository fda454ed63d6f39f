// What the kernel says during the backlog sweep (bench/backlog.ts): sysctls,
// the TcpExt counters of this network namespace (/proc/net/netstat) and the
// listener's SYN-RECV request sockets (/proc/net/tcp).
import { readFileSync } from 'node:fs';

/** A number from a /proc/sys file, or undefined. */
export function readNumber(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

export const COUNTERS = ['ListenOverflows', 'ListenDrops', 'SyncookiesSent', 'TCPReqQFullDoCookies', 'TCPReqQFullDrop'] as const;
export type Counters = Partial<Record<(typeof COUNTERS)[number], number>>;

export function tcpExt(): Counters {
  let text: string;
  try {
    text = readFileSync('/proc/net/netstat', 'utf8');
  } catch {
    return {};
  }
  const lines = text.split('\n').filter((l) => l.startsWith('TcpExt: '));
  if (lines.length < 2) return {};
  const names = lines[0]!.split(/\s+/).slice(1);
  const numbers = lines[1]!.split(/\s+/).slice(1);
  const out: Counters = {};
  for (const name of COUNTERS) {
    const i = names.indexOf(name);
    if (i >= 0) out[name] = Number(numbers[i]);
  }
  return out;
}

export function delta(before: Counters, after: Counters): Counters {
  const out: Counters = {};
  for (const name of COUNTERS) {
    const a = after[name];
    const b = before[name];
    if (a !== undefined && b !== undefined) out[name] = a - b;
  }
  return out;
}

/** Request sockets (SYN-RECV) of the listener on 127.0.0.1:port, from /proc/net/tcp. */
export function synRecv(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let count = 0;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1]?.endsWith(hex) && f[3] === '03') count++;
  }
  return count;
}
