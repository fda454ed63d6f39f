// Server URLs from a grammar, core options and PHP context options, valid and
// invalid, for the API-sequence fuzzer. Hosts are loopback or fail the URL
// grammar before any resolver runs: no DNS traffic, nothing but lo.

const TLS_SCHEMES = ['tls', 'ssl', 'tlsv1.2', 'tlsv1.3', 'tlsv1.0'];
const BAD_SCHEMES = ['TCP', 'http', 'tcp:/', 'tlsv1.4', '', 'tcp:///', 'udp6', 'unix:'];
const HOSTS = [
  '127.0.0.1',
  '127.0.0.1',
  '[::1]',
  '[::1]',
  'localhost',
  '[::ffff:127.0.0.1]',
  '[fe80::1%lo]',
  '[::1%lo]',
  '[fe80::1%99999]',
  '127.0.0.2',
];
const BAD_HOSTS = ['::1', '[::1', '::1]', '127.0.0.1\0x', '[]', '[fe80::1%]', '[::1%' + 'x'.repeat(40) + ']', '127.0.0.1:1'];
const BAD_PORTS = ['65536', '99999', '-1', '', 'abc', '080', ' 0', '0x10', '1e3', '00000', '4294967296', '0 '];

/** A unix path: mostly fresh files in `dir`; also relative, abstract, too long, empty, NUL, a directory, a plain file. */
function unixPath(rng, world) {
  // Abstract names carry the process and the sequence (many run side by side); relative paths land in the
  // sequence's own directory (the worker's cwd is their parent).
  const abstract = `@sss-fuzz-${process.pid}-${world.tag}-`;
  return rng.weighted([
    [8, `${world.dir}/u${world.serial++}.sock`],
    [2, `${abstract}${world.serial++}`],
    [1, `${world.tag}/rel${world.serial++}.sock`],
    [1, `${world.dir}/${'p'.repeat(107 - world.dir.length - 1)}`],
    [1, `${world.dir}/${'p'.repeat(120)}`],
    [1, abstract.padEnd(108, 'a')],
    [1, abstract.padEnd(109, 'a')],
    [1, ''],
    [1, `${world.dir}/nul\0byte`],
    [1, world.dir],
    [1, `${world.dir}/plain-file`],
    [2, world.lastPath ?? `${world.dir}/u0.sock`],
  ]);
}

function port(rng, world) {
  return rng.weighted([
    [14, '0'],
    [2, String(world.lastPort ?? 0)],
    [2, rng.pick(BAD_PORTS)],
  ]);
}

/** A server URL and what kind of server it should give (for choosing later operations). */
export function serverUrl(rng, world) {
  const kind = rng.weighted([
    [6, 'tcp'],
    [3, 'udp'],
    [3, 'unix'],
    [2, 'udg'],
    [3, 'tls'],
    [1, 'bare'],
    [1, 'inherited'],
    [1, 'garbage'],
  ]);
  const host = rng.chance(0.9) ? rng.pick(HOSTS) : rng.pick(BAD_HOSTS);
  switch (kind) {
    case 'tcp':
    case 'udp':
      return `${kind}://${host}:${port(rng, world)}`;
    case 'tls':
      return `${rng.pick(TLS_SCHEMES)}://${host}:${port(rng, world)}`;
    case 'bare':
      return `${host}:${port(rng, world)}`;
    case 'unix':
    case 'udg': {
      const path = unixPath(rng, world);
      return rng.chance(0.9) ? `${kind}://${path}` : `${kind}:${path}`;
    }
    case 'inherited':
      // Listeners from elsewhere: never an fd the world holds (it would be taken from under it), only
      // stdio, numbers nobody has, and names and offers that do not exist.
      return rng.pick([
        `fd://${rng.pick([0, 1, 2, 4095, 99999, 2 ** 31 - 1])}`,
        rng.pick(['fd://', 'fd://-1', 'fd://3x', `fd://${'9'.repeat(30)}`, 'fd://0x3']),
        rng.pick(['systemd://', 'systemd://web', 'systemd://a:b', `systemd://${'n'.repeat(300)}`]),
        `handover://${unixPath(rng, world)}`,
        rng.pick(['handover://', 'handover:///', `handover:///${'h'.repeat(200)}`, 'handover://@abstract-nobody-offers']),
      ]);
    default:
      return rng.pick([
        `${rng.pick(BAD_SCHEMES)}://${host}:0`,
        'tcp://',
        'unix://',
        '://127.0.0.1:0',
        'tcp://127.0.0.1:0/extra',
        'tcp://user@127.0.0.1:0',
        `tcp://127.0.0.1:${'9'.repeat(400)}`,
        'x'.repeat(rng.range(1, 3000)),
      ]);
  }
}

/** A value of the wrong type or out of range, for any option. */
function badValue(rng) {
  return rng.pick([undefined, null, 'yes', -1, 1.5, NaN, 2 ** 31, 2 ** 53, {}, [], true, 0n, Symbol('x'), () => 1]);
}

const BOOL_KEYS = [
  'reuseAddr',
  'reusePort',
  'ipv6Only',
  'removeStale',
  'freeBind',
  'transparent',
  'keepAlive',
  'noDelay',
  'listen',
  'allowHalfOpen',
  'broadcast',
  'reusePortCpuSteering',
];
const INT_KEYS = {
  backlog: [0, 1, 4, 511, 2 ** 31 - 1],
  recvBufferSize: [1, 4096, 2 ** 20],
  sendBufferSize: [1, 4096, 2 ** 20],
  mode: [0, 0o600, 0o777, 0o1777],
  incomingCpu: [0, 1, 4096],
  keepAliveIdle: [1, 60, 32767, 32768],
  keepAliveInterval: [1, 10, 32767],
  keepAliveCount: [1, 9, 127, 128],
  userTimeout: [0, 1000, 2 ** 31 - 1],
  deferAccept: [0, 1, 5],
  fastOpen: [0, 16, 4096],
  acceptPauseMs: [1, 20, 60_000, 0, 60_001],
};

/** The accept gate's options (PROXY protocol, admission): mostly valid, some not. */
const GATE_KEYS = ['proxyProtocol', 'maxConnectionsPerSource', 'admit'];
function gateValue(rng, key) {
  if (key === 'proxyProtocol') {
    return rng.pick([
      { trusted: ['127.0.0.1'] },
      { trusted: ['127.0.0.0/8', '::1', 'unix'], timeout: rng.pick([1, 50, 5000]) },
      { trusted: ['unix', '127.0.0.1'], required: false },
      { trusted: ['10.0.0.0/8'] },
      { trusted: ['10.0.0.0/33'] },
      { trusted: 'everyone' },
      {},
    ]);
  }
  if (key === 'maxConnectionsPerSource')
    return rng.pick([1, 2, 100, { limit: 1, prefix4: 24 }, { limit: 2, prefix6: 64 }, 0, { limit: 1, prefix4: 40 }]);
  return rng.pick([
    () => true,
    () => false,
    (peer) => peer.port % 2 === 0,
    () => {
      throw new Error('admit() throws');
    },
  ]);
}

/** Core options: a few keys, each a valid or an invalid value; sometimes an unknown key or a non-object. */
export function coreOptions(rng, world) {
  if (rng.chance(0.05)) return rng.pick([null, 'options', 42, [], () => {}]);
  const options = {};
  for (
    let n = rng.weighted([
      [4, 0],
      [4, 1],
      [3, 2],
      [1, 4],
    ]);
    n > 0;
    n--
  ) {
    const key = rng.pick([...BOOL_KEYS, ...Object.keys(INT_KEYS), 'acceptErrors', 'bindToDevice', 'tls', 'backLog', ...GATE_KEYS]);
    const invalid = rng.chance(0.15);
    if (invalid) options[key] = badValue(rng);
    else if (BOOL_KEYS.includes(key)) options[key] = rng.chance(0.5);
    else if (INT_KEYS[key]) options[key] = rng.pick(INT_KEYS[key]);
    else if (key === 'acceptErrors') options[key] = rng.pick(['propagate', 'pause', 'shed', 'drop']);
    else if (key === 'bindToDevice') options[key] = rng.pick(['lo', 'lo', 'nonexistent0', '', 'x'.repeat(40)]);
    else if (key === 'tls') options[key] = tlsOptions(rng, world);
    else if (GATE_KEYS.includes(key)) options[key] = gateValue(rng, key);
    else options[key] = 1;
  }
  return options;
}

/** TLS options for a TlsServer: mostly the working certificate, sometimes broken. */
export function tlsOptions(rng, world) {
  const { cert, key } = world.certificate;
  const options = rng.weighted([
    [8, { cert, key }],
    [1, { cert }],
    [1, { cert: 'not a pem', key: 'nor this' }],
    [1, { cert, key, passphrase: 'wrong' }],
  ]);
  if (rng.chance(0.5)) options.handshakeTimeout = rng.pick([1, 20, 50, 500, 10_000, 0, -1, NaN, '5']);
  if (rng.chance(0.2)) options.maxPendingHandshakes = rng.pick([1, 2, 64, 0, 100_000]);
  if (rng.chance(0.2)) options.clientCertificates = rng.pick(['none', 'optional', 'required', 'bogus']);
  if (rng.chance(0.2)) options.alpnProtocols = rng.pick([['h2', 'http/1.1'], 'h2', [''], []]);
  if (rng.chance(0.1)) options.minVersion = rng.pick(['TLSv1.3', 'TLSv1', 'SSLv3']);
  if (rng.chance(0.1)) options.sni = rng.pick([{ localhost: { cert, key } }, { x: 1 }, 'sni']);
  return options;
}

/** A PHP stream context's options: `socket` and `ssl`, PHP-typed values (strings, ints, bools, arrays) and nonsense. */
export function phpContext(rng, world) {
  const any = () => rng.pick([true, false, 0, 1, '1', '', 'yes', -1, 2 ** 31, [], null, 1.5]);
  const socket = {};
  if (rng.chance(0.5)) socket.backlog = rng.pick([0, 1, 32, 511, -1, '8', 'abc', 2 ** 40, null]);
  if (rng.chance(0.2)) socket.ipv6_v6only = any();
  if (rng.chance(0.2)) socket.so_reuseport = any();
  if (rng.chance(0.2)) socket.so_broadcast = any();
  if (rng.chance(0.3)) socket.tcp_nodelay = any();
  if (rng.chance(0.1)) socket.bindto = rng.pick(['127.0.0.1:0', '0:0', 'garbage']);
  const ssl = {};
  if (rng.chance(0.9)) ssl.local_cert = rng.pick([world.pemFile, world.pemFile, world.pemFile, `${world.dir}/missing.pem`, '', world.dir]);
  if (rng.chance(0.3)) ssl.local_pk = rng.pick([world.pemFile, `${world.dir}/missing.pem`]);
  if (rng.chance(0.3)) ssl.verify_peer = any();
  if (rng.chance(0.2)) ssl.crypto_method = rng.pick([0, 8, 32, 64, 120, 126, 127, -1, 'x']);
  if (rng.chance(0.1)) ssl.ciphers = rng.pick(['HIGH', 'NONSENSE', '']);
  if (rng.chance(0.1)) ssl.security_level = rng.pick([0, 1, 5, 6, -1]);
  if (rng.chance(0.1)) ssl.alpn_protocols = rng.pick(['h2,http/1.1', '', ',']);
  if (rng.chance(0.1)) ssl.SNI_server_certs = rng.pick([{ localhost: world.pemFile }, 'x', []]);
  return rng.chance(0.05) ? rng.pick([{ socket: 'x' }, { ssl: 5 }, { other: {} }]) : { socket, ssl };
}

/** Binary data as its type and size (JSON.stringify would call a 70,000-byte Buffer's toJSON: 70,000 numbers). */
function compact(value, depth) {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `<${value.constructor.name} ${value.byteLength}>`;
  if (depth === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => compact(v, depth - 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v, depth - 1)]));
}

/** A short, printable rendering of option values for the log (PEM text elided). */
export function show(value) {
  try {
    return JSON.stringify(compact(value, 4), (_k, v) => {
      if (typeof v === 'string') return v.startsWith('-----BEGIN') ? '<pem>' : v.length > 60 ? `${v.slice(0, 20)}...(${v.length})` : v;
      if (typeof v === 'bigint') return `${v}n`;
      if (typeof v === 'function' || typeof v === 'symbol') return `<${typeof v}>`;
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      if (v instanceof AbortSignal) return `<signal${v.aborted ? ' aborted' : ''}>`;
      return v === undefined ? '<undefined>' : v;
    });
  } catch {
    return '<unprintable>';
  }
}
