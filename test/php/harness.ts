// Runs one conformance case through real PHP and through the facade (two
// child processes, see PROTOCOL.md) and returns both observations, masked.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Case = Record<string, unknown> & {
  id: string;
  url?: string;
  setup?: Step[];
  user?: string;
  umask?: string;
  ini?: Record<string, string>;
};
type Step = Record<string, unknown> & { kind: string };
export type Observation = Record<string, unknown>;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FS_STEPS = new Set(['mkdir', 'chmod', 'file', 'symlink']);

export function phpAvailable(): boolean {
  return spawnSync('php', ['-v']).status === 0;
}

/** A port nobody listens on: the kernel's pick (port 0), in its ephemeral range. */
function kernelFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Is `port` free on 127.0.0.1 right now? */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The ports {port}/{port2} stand for come from just below the kernel's
 * ephemeral range (ip_local_port_range): a free port found there stays free
 * until the runner binds it, since no other test's client or port-0 listener
 * is ever given one from there (a port-0 pick could be taken in between).
 * Each is handed out once per process, so concurrent cases never share one.
 */
const reservedRange = ((): { low: number; high: number } | undefined => {
  let ephemeralLow: number;
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return undefined;
  }
  const high = ephemeralLow - 1;
  const low = Math.max(1024, high - 10_000);
  return Number.isInteger(high) && high - low >= 1000 ? { low, high } : undefined;
})();
let nextPort =
  reservedRange === undefined ? 0 : reservedRange.low + Math.floor(Math.random() * (reservedRange.high - reservedRange.low + 1));
let portsLeft = reservedRange === undefined ? 0 : reservedRange.high - reservedRange.low + 1;

async function freePort(): Promise<number> {
  while (reservedRange !== undefined && portsLeft > 0) {
    const port = nextPort;
    nextPort = port === reservedRange.high ? reservedRange.low : port + 1;
    portsLeft--;
    if (await portFree(port)) return port;
  }
  return kernelFreePort(); // no room below the ephemeral range, or all of it used once
}

/**
 * The {tls} fixtures (make-tls.sh), made once per test process in a 0700
 * directory (private keys); removeTlsFixtures() removes it (afterAll of the
 * files that run cases), process exit is the fallback. A case run as another
 * user gets its own readable copy in the case's temp dir (tlsFor).
 */
let tlsDir: string | undefined;
function tlsFixtures(): string {
  if (tlsDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'sss-tls-'));
    const made = spawnSync('bash', [join(ROOT, 'test/php/make-tls.sh'), dir], { encoding: 'utf8' });
    if (made.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`make-tls.sh failed: ${made.stderr}`);
    }
    process.once('exit', removeTlsFixtures);
    tlsDir = dir;
  }
  return tlsDir;
}

/** Removes this process's {tls} fixture directory, if it made one. */
export function removeTlsFixtures(): void {
  if (tlsDir !== undefined) rmSync(tlsDir, { recursive: true, force: true });
  tlsDir = undefined;
}

/** The {tls} directory for a case: the shared one, or for another user a copy it owns (0700) under `base`. */
function tlsFor(c: Case, base: string, side: string): string {
  const shared = tlsFixtures();
  if (!c.user || c.user === 'root') return shared;
  const copy = join(base, `tls-${side}`);
  cpSync(shared, copy, { recursive: true });
  const { uid, gid } = ids(c.user);
  for (const entry of ['', ...readdirSync(copy, { recursive: true, encoding: 'utf8' })]) chownSync(join(copy, entry), uid, gid);
  chmodSync(copy, 0o700);
  return copy;
}

/** Replaces placeholders in every string of the case. */
function substitute(value: unknown, vars: { tmp: string; port: number; port2: number; tls: string }): unknown {
  if (typeof value === 'string') {
    let s = value
      .replaceAll('{tmp}', vars.tmp)
      .replaceAll('{tls}', vars.tls)
      .replaceAll('{port}', String(vars.port))
      .replaceAll('{port2}', String(vars.port2))
      .replaceAll('{pid}', String(process.pid));
    // {fill:N} pads the target (what follows "scheme://") to N bytes.
    s = s.replace(/\{fill:(\d+)\}/, (_m, n: string, offset: number, whole: string) => {
      const start = whole.indexOf('://') >= 0 ? whole.indexOf('://') + 3 : 0;
      const rest = whole.length - offset - _m.length;
      return 'x'.repeat(Math.max(1, Number(n) - (offset - start) - rest));
    });
    return s;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  }
  return value;
}

function runFsSetup(steps: Step[]): void {
  for (const step of steps) {
    const path = step.path as string;
    if (step.kind === 'mkdir') {
      mkdirSync(path);
      chmodSync(path, parseInt((step.mode as string | undefined) ?? '0755', 8));
    } else if (step.kind === 'chmod') chmodSync(path, parseInt(step.mode as string, 8));
    else if (step.kind === 'file') writeFileSync(path, '');
    else if (step.kind === 'symlink') symlinkSync(step.target as string, path);
  }
}

function ids(user: string): { uid: number; gid: number } {
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

function runChild(
  cmd: string,
  args: string[],
  input: string,
  c: Case,
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const umask = c.umask ?? '022';
    const child = spawn('sh', ['-c', `umask ${umask}; exec "$@"`, 'sh', cmd, ...args], {
      cwd: ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(c.user && c.user !== 'root' ? ids(c.user) : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
    child.stdin.on('error', () => {}); // a runner that died early: its exit code tells
    child.stdin.end(input);
  });
}

/** Masks what differs from run to run: temp dir, ports. */
function mask(observation: Observation, tmp: string, tls: string, ports: number[]): Observation {
  let text = JSON.stringify(observation);
  if (tls !== '') text = text.replaceAll(tls, '<tls>');
  text = text.replaceAll(tmp, '<tmp>');
  const server = observation.server as { name?: unknown } | undefined;
  const serverPort = typeof server?.name === 'string' ? /:(\d+)$/.exec(server.name)?.[1] : undefined;
  const known = new Set([...ports.map(String), ...(serverPort ? [serverPort] : [])]);
  for (const port of known) text = text.replace(new RegExp(`:${port}(?=["\\])\\s])`, 'g'), ':<port>');
  // Whatever port is left in a name is a client's.
  text = text.replace(/(\d|\]):(\d{2,5})(?=["\s)])/g, '$1:<cport>');
  return JSON.parse(text) as Observation;
}

/**
 * A server that closes before its handshake races the client's hello: a FIN
 * or a reset, so the client may add "SSL: Connection reset by peer" (or
 * "Broken pipe"). The recordings normalise that warning away; so does this.
 */
const CLIENT_RACE_WARNING = /^stream_socket_client\(\): SSL: (Connection reset by peer|Broken pipe)$/;
function normaliseTlsRace(observation: Observation): Observation {
  for (const probe of (observation.probes as Observation[] | undefined) ?? []) {
    const client = probe.probe === 'tls' ? (probe.client as { warnings?: string[] } | undefined) : undefined;
    if (Array.isArray(client?.warnings)) client.warnings = client.warnings.filter((w) => !CLIENT_RACE_WARNING.test(w));
  }
  return observation;
}

async function runSide(side: 'php' | 'node', c: Case, base: string): Promise<Observation> {
  // Same length on both sides: paths are compared after masking, and a
  // truncated unix path must keep the same number of bytes of the name.
  const tmp = join(base, side === 'php' ? 'side-php' : 'side-njs');
  mkdirSync(tmp);
  chmodSync(tmp, 0o755);
  const ports = [await freePort(), await freePort()];
  const tls = JSON.stringify(c).includes('{tls}') ? tlsFor(c, base, side) : '';
  const prepared = substitute(c, { tmp, port: ports[0]!, port2: ports[1]!, tls }) as Case;
  runFsSetup((prepared.setup ?? []).filter((s) => FS_STEPS.has(s.kind)));
  const runnerCase = { ...prepared, setup: (prepared.setup ?? []).filter((s) => !FS_STEPS.has(s.kind)) };
  const input = JSON.stringify({ case: runnerCase, tmp, port: ports[0], port2: ports[1] });
  const ini = Object.entries(c.ini ?? {});
  const { stdout, stderr, code } =
    side === 'php'
      ? await runChild('php', [...ini.flatMap(([k, v]) => ['-d', `${k}=${v}`]), join(ROOT, 'test/php/runner.php')], input, c, process.env)
      : await runChild(process.execPath, ['--no-warnings', join(ROOT, 'test/php/runner.mjs')], input, c, {
          ...process.env,
          SSS_PHP_INI: JSON.stringify(c.ini ?? {}),
        });
  const line = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`${side} runner failed (exit ${code}) on ${c.id}:\n${stdout}\n${stderr}`);
  return normaliseTlsRace(mask(JSON.parse(line) as Observation, tmp, tls, ports));
}

/** Runs the case through PHP, then through the facade, each in its own temp dir. */
export async function runCase(c: Case): Promise<{ php: Observation; facade: Observation }> {
  const base = mkdtempSync(join(tmpdir(), 'sss-php-'));
  chmodSync(base, 0o755);
  try {
    const php = await runSide('php', c, base);
    const facade = await runSide('node', c, base);
    return { php, facade };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
