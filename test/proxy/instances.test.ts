// Three instances behind HAProxy, restarted one at a time under load, and no
// request fails: examples/behind-haproxy.ts (dist/examples/behind-haproxy.js)
// on 127.0.0.11, .12 and .13, one port, as three hosts would have it; HAProxy
// 2.x in front (send-proxy-v2, HTTP health checks with a LOCAL header,
// roundrobin); h2load drives HTTP/1.1 keep-alive through it while each
// instance is replaced twice by handover (a new process takes the listener,
// the old one finishes its connections and exits). Checked: h2load counts 0
// failed, errored or timed-out requests, every one 2xx; every process served
// requests and logged them with the client's own address and port (h2load's,
// not HAProxy's); HAProxy never saw a check fail, a connect fail or a retry.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSocketLeaks } from '../helpers/leaks.js';
import { hasCommand, ROOT, waitFor } from '../helpers/peers.js';

if (!hasCommand('haproxy')) throw new Error('haproxy is required (Debian package haproxy)');
if (!hasCommand('h2load')) throw new Error('h2load is required (Debian package nghttp2-client)');

const track = checkSocketLeaks();

const EXAMPLE = join(ROOT, 'dist/examples/behind-haproxy.js');
const HOSTS = { a: '127.0.0.11', b: '127.0.0.12', c: '127.0.0.13' } as const;
type Name = keyof typeof HOSTS;
/** HAProxy connects from here (`source`), so its own address is told apart from the client's (127.0.0.1). */
const HAPROXY_SOURCE = '127.0.0.2';
const CLIENTS = 24;
/** Each instance is replaced this many times, one at a time (a, b, c, a, b, c). */
const ROUNDS = 2;
/** h2load's run (-D): the six restarts are done after about 6 s here; the rest is margin for a loaded machine. */
const LOAD_SECONDS = 12;

const dir = mkdtempSync(join(tmpdir(), 'sss-instances-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One line of an instance's stdout (see the example's header). */
interface Logged {
  event: 'serving' | 'request' | 'handed-over' | 'exit';
  name: string;
  pid: number;
  taken?: number | null;
  address?: string;
  to?: number | string | null;
  path?: string;
  client?: string;
  port?: number;
  proxy?: 'proxy' | 'local' | 'none';
  requests?: number;
}

interface Instance {
  name: Name;
  child: ChildProcess;
  pid: number;
  lines: Logged[];
  /** What it printed that is not a JSON line (nothing, or the test fails). */
  noise: string[];
  stderr(): string;
  /** Resolves with the exit code once the process ended and its stdout was read to the end. */
  closed: Promise<number | null>;
  requests(): Logged[];
}

/** Rejects with `message` after `ms` (the test's own deadlines say what hung, not vitest's timeout). */
function within<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Starts an instance of the example on `url`; resolves once it serves (opened, or taken from its predecessor). */
function startInstance(name: Name, url: string): Promise<Instance> {
  const args = [EXAMPLE, '--url', url, '--offer', join(dir, `${name}.offer`), '--name', name, '--trusted', `${HAPROXY_SOURCE}/32`];
  const child = track(spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  const lines: Logged[] = [];
  let partial = '';
  let stderr = '';
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const instance: Instance = {
    name,
    child,
    pid: child.pid!,
    lines,
    noise: [],
    stderr: () => stderr,
    closed,
    requests: () => lines.filter((l) => l.event === 'request' && l.path === '/'),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not serve within 10 s: ${stderr}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop()!;
      for (const part of parts) {
        try {
          lines.push(JSON.parse(part) as Logged);
        } catch {
          instance.noise.push(part);
          continue;
        }
        if (lines.at(-1)!.event === 'serving') {
          clearTimeout(timer);
          resolve(instance);
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    void closed.then((code) => (clearTimeout(timer), reject(new Error(`${name} exited (${code}) before serving: ${stderr}`))));
  });
}

async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** HAProxy's `show stat` on its stats socket, by "proxy/server". */
function haproxyStats(): Promise<Map<string, Record<string, string>>> {
  return new Promise((resolve, reject) => {
    let text = '';
    const cli = track(net.connect(join(dir, 'admin.sock')));
    cli.on('connect', () => cli.end('show stat\n'));
    cli.on('data', (d) => (text += d)).on('error', reject);
    cli.on('close', () => {
      const [head, ...rows] = text.trim().split('\n');
      if (!head?.startsWith('# ')) return reject(new Error(`not a show stat answer: ${text}`));
      const keys = head.slice(2).split(',');
      const stats = new Map<string, Record<string, string>>();
      for (const row of rows) {
        const values = row.split(',');
        const record = Object.fromEntries(keys.map((key, i) => [key, values[i] ?? '']));
        stats.set(`${record.pxname}/${record.svname}`, record);
      }
      resolve(stats);
    });
  });
}

/** h2load's durations ("89us", "2.72ms", "1.02s") in ms. */
function ms(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value);
  if (!m) throw new Error(`not an h2load duration: ${value}`);
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2] as 'us' | 'ms' | 's'];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('three instances behind HAProxy (PROXY v2, health checks), restarted one at a time by handover under h2load', () => {
  it('0 failed requests; every process logs the real client address and port', async () => {
    const began = performance.now();
    // The first instance picks the port; the other two "hosts" listen on the same one.
    const first = await startInstance('a', `tcp://${HOSTS.a}:0`);
    const port = Number(/:(\d+)$/.exec(first.lines[0]!.address!)![1]);
    const current: Record<Name, Instance> = {
      a: first,
      b: await startInstance('b', `tcp://${HOSTS.b}:${port}`),
      c: await startInstance('c', `tcp://${HOSTS.c}:${port}`),
    };
    const all: Instance[] = Object.values(current);
    const url = (name: Name) => `tcp://${HOSTS[name]}:${port}`;

    // mode tcp: each client connection is one connection to an instance, with one PROXY header
    // naming that client's address and port, which is what the instances are to see; HAProxy
    // neither pools nor retries requests, so an instance that dropped one would fail it at h2load.
    // The checks are HTTP (option httpchk) all the same, over a PROXY v2 LOCAL header.
    // No retries: a connect that failed would be counted (econ, wretr) and fail the test.
    const front = await freePort();
    writeFileSync(
      join(dir, 'haproxy.cfg'),
      `global
  nbthread 1
  stats socket ${join(dir, 'admin.sock')} level user
defaults
  mode tcp
  retries 0
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout check 2s
frontend web
  bind 127.0.0.1:${front}
  default_backend instances
backend instances
  balance roundrobin
  source ${HAPROXY_SOURCE}
  option httpchk GET /health
  http-check expect status 200
  default-server send-proxy-v2 check check-send-proxy inter 200ms fall 1 rise 1
${(Object.keys(HOSTS) as Name[]).map((name) => `  server ${name} ${HOSTS[name]}:${port}`).join('\n')}
`,
    );
    const haproxy = track(spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] }));
    let haproxyErrors = '';
    haproxy.stderr!.on('data', (d: Buffer) => (haproxyErrors += d));
    // Ready once all three pass their health check.
    const checked = async () => {
      try {
        const stats = await haproxyStats();
        return (Object.keys(HOSTS) as Name[]).every((name) => stats.get(`instances/${name}`)?.check_status === 'L7OK');
      } catch {
        return false;
      }
    };
    for (let i = 0; !(await checked()); i++) {
      if (i > 200 || haproxy.exitCode !== null) throw new Error(`haproxy did not start or check the instances: ${haproxyErrors}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }

    const logFile = join(dir, 'h2load.log');
    const h2load = track(
      spawn(
        'h2load',
        ['--h1', '-D', String(LOAD_SECONDS), '-c', String(CLIENTS), '-t', '1', `--log-file=${logFile}`, `http://127.0.0.1:${front}/`],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    let report = '';
    h2load.stdout!.on('data', (d: Buffer) => (report += d));
    h2load.stderr!.on('data', (d: Buffer) => (report += d));
    const loadEnded = new Promise<number | null>((resolve) => h2load.once('close', (code) => resolve(code)));
    const loadStarted = performance.now();

    // Replace each instance in turn once it serves under load: the successor takes the
    // listener, the predecessor hands over, finishes its connections and exits 0.
    const served = (instance: Instance, n: number, what: string) =>
      waitFor(() => instance.requests().length >= n, 10_000).then((ok) =>
        expect(ok, `${what}: ${instance.name} (${instance.pid}) served ${instance.requests().length} requests`).toBe(true),
      );
    for (const instance of all) await served(instance, 100, 'before the restarts');
    const restarts: { name: Name; from: number; to: number; takeMs: number; drainMs: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of Object.keys(HOSTS) as Name[]) {
        const old = current[name];
        const t0 = performance.now();
        const next = await startInstance(name, url(name));
        const t1 = performance.now();
        all.push(next);
        expect(next.lines[0]).toMatchObject({ event: 'serving', taken: old.pid, address: `${HOSTS[name]}:${port}` });
        const code = await within(old.closed, 15_000, () => `${name} (${old.pid}) did not exit after handing over`);
        expect(code, `${name} (${old.pid}) exit code`).toBe(0);
        restarts.push({ name, from: old.pid, to: next.pid, takeMs: Math.round(t1 - t0), drainMs: Math.round(performance.now() - t1) });
        current[name] = next;
        await served(next, 100, 'after its restart');
      }
    }
    const restartsTook = performance.now() - loadStarted;
    expect(h2load.exitCode, `the load (${LOAD_SECONDS} s) ended before the restarts did (${Math.round(restartsTook)} ms)`).toBeNull();
    expect(await within(loadEnded, (LOAD_SECONDS + 20) * 1000, () => `h2load did not end: ${report}`), report).toBe(0);
    const stats = await haproxyStats();
    for (const instance of Object.values(current)) instance.child.kill('SIGTERM');
    for (const instance of Object.values(current)) {
      expect(await within(instance.closed, 15_000, () => `${instance.name} did not stop on SIGTERM`), `${instance.name} exit code`).toBe(0);
    }
    haproxy.kill('SIGKILL');

    // h2load: every request done succeeded with a 2xx; none failed, errored or timed out.
    const counts = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
      report,
    );
    const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(report);
    const timing = /time for request:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(report);
    expect(counts && codes && timing, `h2load's report: ${report}`).toBeTruthy();
    const [total, started, done, succeeded, failed, errored, timeout] = counts!.slice(1).map(Number) as number[];
    expect({ failed, errored, timeout }, report).toEqual({ failed: 0, errored: 0, timeout: 0 });
    expect(succeeded).toBe(done);
    expect(Number(codes![1])).toBe(done);
    expect(done).toBeGreaterThan(10_000);
    // Its per-request log: one line per request done, each a 2xx; latencies in µs.
    const logged = readFileSync(logFile, 'utf8').trim().split('\n');
    expect(logged).toHaveLength(done!);
    const latencies = logged.map((line) => {
      const [, status, us] = line.split('\t');
      expect(Number(status), line).toBeGreaterThanOrEqual(200);
      expect(Number(status), line).toBeLessThan(300);
      return Number(us) / 1000;
    });
    latencies.sort((x, y) => x - y);

    // The instances: each request h2load made was served once (those in flight when its
    // duration ended were served but not counted as done), by a process that saw the client.
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number) as [number, number];
    const requests = all.flatMap((instance) => instance.requests());
    expect(requests.length).toBeGreaterThanOrEqual(done!);
    expect(requests.length).toBeLessThanOrEqual(started!);
    const clientPorts = new Set<number>();
    for (const instance of all) {
      const own = instance.requests();
      expect(own.length, `${instance.name} (${instance.pid}) served requests`).toBeGreaterThan(0);
      for (const r of own) {
        // h2load's address and its connection's port, and the frontend it connected to.
        expect(r, JSON.stringify(r)).toMatchObject({ client: '127.0.0.1', proxy: 'proxy', to: `127.0.0.1:${front}` });
        expect(r.port! >= low && r.port! <= high, `an ephemeral client port: ${JSON.stringify(r)}`).toBe(true);
        clientPorts.add(r.port!);
      }
      expect(instance.noise, `${instance.name} (${instance.pid}) printed`).toEqual([]);
      expect(instance.stderr(), `${instance.name} (${instance.pid}) stderr`).toBe('');
      // Each process logged its own count at exit, after every request it answered.
      expect(instance.lines.at(-1), `${instance.name} (${instance.pid})`).toMatchObject({ event: 'exit' });
      expect(instance.lines.at(-1)!.requests).toBe(instance.lines.filter((l) => l.event === 'request').length);
    }
    // At least one port per h2load connection (a reconnection after a restart is a new one).
    expect(clientPorts.size).toBeGreaterThanOrEqual(CLIENTS);
    // HAProxy's health checks: a LOCAL header, so the instance sees its real peer, HAProxy.
    const checks = all.flatMap((instance) => instance.lines.filter((l) => l.event === 'request' && l.path === '/health'));
    for (const name of Object.keys(HOSTS)) expect(checks.some((c) => c.name === name)).toBe(true);
    for (const c of checks) expect(c, JSON.stringify(c)).toMatchObject({ client: HAPROXY_SOURCE, proxy: 'local', to: null });
    // Each predecessor logged whom it handed over to.
    for (const { from, to } of restarts) {
      const old = all.find((instance) => instance.pid === from)!;
      expect(old.lines.find((l) => l.event === 'handed-over')).toMatchObject({ to });
    }
    expect(restarts).toHaveLength(ROUNDS * 3);

    // HAProxy: no check failed and no server went down; no connect failed, none retried or redispatched.
    const servers = (Object.keys(HOSTS) as Name[]).map((name) => stats.get(`instances/${name}`)!);
    for (const s of servers) {
      expect(s, `instances/${s.svname}`).toMatchObject({
        status: 'UP',
        chkfail: '0',
        chkdown: '0',
        econ: '0',
        eresp: '0',
        wretr: '0',
        wredis: '0',
      });
    }

    const summary = {
      requests: { total, started, done, succeeded, failed, errored, timeout, '2xx': Number(codes![1]) },
      rps: Math.round(done! / LOAD_SECONDS),
      latencyMs: {
        h2load: { min: ms(timing![1]!), max: ms(timing![2]!), mean: ms(timing![3]!), sd: ms(timing![4]!) },
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        p999: percentile(latencies, 99.9),
        max: latencies.at(-1),
      },
      restarts: restarts.length,
      restartMs: restarts.map((r) => `${r.takeMs}+${r.drainMs}`),
      restartsDoneAfterMs: Math.round(restartsTook),
      processes: Object.fromEntries(all.map((instance) => [`${instance.name}:${instance.pid}`, instance.requests().length])),
      clientPorts: clientPorts.size,
      healthChecks: checks.length,
      haproxy: Object.fromEntries(servers.map((s) => [s.svname, { sessions: Number(s.stot), checks: s.check_status }])),
      durationMs: Math.round(performance.now() - began),
    };
    console.log(JSON.stringify(summary));
  }, 60_000);
});
