// Every listening-socket option the library knows, in one table: the core's
// camelCase name, the Linux constant behind it, when it is applied, and the
// PHP context option with the same meaning. Options the platform lacks are
// reported as ENOPROTOOPT when used.

export type OptionKind = 'bool' | 'int' | 'string';
/** beforeBind: between socket() and bind(); beforeListen: after bind(); afterListen: after listen(). */
export type OptionPhase = 'beforeBind' | 'beforeListen' | 'afterListen';

export interface OptionSpec {
  kind: OptionKind;
  phase: OptionPhase;
  level: string;
  /** The constant; [IPv4, IPv6] where they differ. */
  name: string | [string, string];
  /** Which sockets it applies to. */
  applies: 'ip' | 'tcp' | 'udp' | 'all';
  /** PHP's `socket` context option of the same meaning: the PHP facade reads its rows by this name. */
  php?: string;
  /** How PHP treats it, where 8.2 differs from later versions. */
  phpNote?: string;
  /** Inclusive range for ints. */
  range?: [number, number];
}

const INT32: [number, number] = [0, 2 ** 31 - 1];

export const SOCKET_OPTIONS = {
  reuseAddr: {
    kind: 'bool',
    phase: 'beforeBind',
    level: 'SOL_SOCKET',
    name: 'SO_REUSEADDR',
    applies: 'ip',
    php: 'so_reuseaddr',
    phpNote: 'PHP 8.6; 8.2 always sets it',
  },
  reusePort: { kind: 'bool', phase: 'beforeBind', level: 'SOL_SOCKET', name: 'SO_REUSEPORT', applies: 'ip', php: 'so_reuseport' },
  ipv6Only: { kind: 'bool', phase: 'beforeBind', level: 'IPPROTO_IPV6', name: 'IPV6_V6ONLY', applies: 'ip', php: 'ipv6_v6only' },
  broadcast: { kind: 'bool', phase: 'beforeBind', level: 'SOL_SOCKET', name: 'SO_BROADCAST', applies: 'udp', php: 'so_broadcast' },
  recvBufferSize: { kind: 'int', phase: 'beforeBind', level: 'SOL_SOCKET', name: 'SO_RCVBUF', applies: 'all', range: [1, 2 ** 31 - 1] },
  sendBufferSize: { kind: 'int', phase: 'beforeBind', level: 'SOL_SOCKET', name: 'SO_SNDBUF', applies: 'all', range: [1, 2 ** 31 - 1] },
  keepAlive: {
    kind: 'bool',
    phase: 'beforeBind',
    level: 'SOL_SOCKET',
    name: 'SO_KEEPALIVE',
    applies: 'tcp',
    php: 'so_keepalive',
    phpNote: 'PHP 8.6; ignored by 8.2',
  },
  keepAliveIdle: {
    kind: 'int',
    phase: 'beforeBind',
    level: 'IPPROTO_TCP',
    name: 'TCP_KEEPIDLE',
    applies: 'tcp',
    php: 'tcp_keepidle',
    phpNote: 'PHP 8.6; ignored by 8.2',
    range: [1, 32767],
  },
  keepAliveInterval: {
    kind: 'int',
    phase: 'beforeBind',
    level: 'IPPROTO_TCP',
    name: 'TCP_KEEPINTVL',
    applies: 'tcp',
    php: 'tcp_keepintvl',
    phpNote: 'PHP 8.6; ignored by 8.2',
    range: [1, 32767],
  },
  keepAliveCount: {
    kind: 'int',
    phase: 'beforeBind',
    level: 'IPPROTO_TCP',
    name: 'TCP_KEEPCNT',
    applies: 'tcp',
    php: 'tcp_keepcnt',
    phpNote: 'PHP 8.6; ignored by 8.2',
    range: [1, 127],
  },
  noDelay: {
    kind: 'bool',
    phase: 'beforeBind',
    level: 'IPPROTO_TCP',
    name: 'TCP_NODELAY',
    applies: 'tcp',
    php: 'tcp_nodelay',
    phpNote: 'PHP: set on each accepted socket',
  },
  userTimeout: { kind: 'int', phase: 'beforeBind', level: 'IPPROTO_TCP', name: 'TCP_USER_TIMEOUT', applies: 'tcp', range: INT32 },
  incomingCpu: { kind: 'int', phase: 'beforeBind', level: 'SOL_SOCKET', name: 'SO_INCOMING_CPU', applies: 'all', range: INT32 },
  freeBind: { kind: 'bool', phase: 'beforeBind', level: 'IPPROTO_IP', name: ['IP_FREEBIND', 'IPV6_FREEBIND'], applies: 'ip' },
  transparent: { kind: 'bool', phase: 'beforeBind', level: 'IPPROTO_IP', name: ['IP_TRANSPARENT', 'IPV6_TRANSPARENT'], applies: 'ip' },
  bindToDevice: { kind: 'string', phase: 'beforeBind', level: 'SOL_SOCKET', name: 'SO_BINDTODEVICE', applies: 'ip' },
  fastOpen: { kind: 'int', phase: 'beforeListen', level: 'IPPROTO_TCP', name: 'TCP_FASTOPEN', applies: 'tcp', range: INT32 },
  deferAccept: { kind: 'int', phase: 'afterListen', level: 'IPPROTO_TCP', name: 'TCP_DEFER_ACCEPT', applies: 'tcp', range: INT32 },
} as const satisfies Record<string, OptionSpec>;

export type SocketOptionName = keyof typeof SOCKET_OPTIONS;

/** The level's IPv6 twin: IP options live at IPPROTO_IPV6 on IPv6 sockets. */
export function optionAddress(spec: OptionSpec, ipv6: boolean): { level: string; name: string } {
  if (Array.isArray(spec.name)) return { level: ipv6 ? 'IPPROTO_IPV6' : spec.level, name: spec.name[ipv6 ? 1 : 0] };
  return { level: spec.level, name: spec.name as string };
}

/** The table's row for PHP's `socket` context option `phpName` (the PHP facade's way in). */
export function phpSocketOption(phpName: string): { option: string; level: string; name: string } {
  const spec = (Object.values(SOCKET_OPTIONS) as OptionSpec[]).find((row) => row.php === phpName);
  if (spec === undefined) throw new Error(`no socket option is PHP's ${phpName}`);
  return { option: phpName, ...optionAddress(spec, false) };
}
