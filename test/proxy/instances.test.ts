// Three instances behind HAProxy, restarted one at a time under load, and no
// request fails: examples/behind-haproxy.ts (dist/examples/behind-haproxy.js)
// on 127.0.0.11, .12 and .13, one port, as three hosts would have it; HAProxy
// 2.x in front (send-proxy-v2, HTTP health checks with a LOCAL header,
// roundrobin); h2load drives HTTP/1.1 keep-alive through it while each
// instance is replaced by handover (a new process takes the listener,
// the old one finishes its connections and exits). Checked: h2load counts 0
// failed, errored or timed-out requests, every one 2xx; every process served
// requests and logged them with the client's own address and port (h2load's,
// not HAProxy's); HAProxy never saw a check fail, a connect fail or a retry.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSocketLeaks } from '../helpers/leaks.js';
import { freePort, hasCommand, waitFor } from '../helpers/peers.js';
import { haproxyStats, ms, percentile, startInstance, within, type Instance, type Logged } from '../helpers/instances.js';

if (!hasCommand('haproxy')) throw new Error('haproxy is required (Debian package haproxy)');
if (!hasCommand('h2load')) throw new Error('h2load is required (Debian package nghttp2-client)');
if (!hasCommand('ss')) throw new Error('ss is required (Debian package iproute2)');

const track = checkSocketLeaks();

const HOSTS = { a: '127.0.0.11', b: '127.0.0.12', c: '127.0.0.13' } as const;
type Name = keyof typeof HOSTS;
/** HAProxy connects from here (`source`), so its own address is told apart from the client's (127.0.0.1). */
const HAPROXY_SOURCE = '127.0.0.2';
const CLIENTS = 24;
/** Each instance is replaced this many times, one at a time (a, b, c, …); INSTANCES_ROUNDS=2 for a longer run by hand. */
const ROUNDS = Number(process.env.INSTANCES_ROUNDS ?? 1);
/** h2load's run (-D): the three restarts are done after 2-4 s here, about 5 s with the machine busy: the rest is margin. */
const LOAD_SECONDS = Number(process.env.INSTANCES_LOAD_SECONDS ?? 8);

const dir = mkdtempSync(join(tmpdir(), 'sss-instances-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const spawning = { dir, trusted: `${HAPROXY_SOURCE}/32`, track };

describe('three instances behind HAProxy (PROXY v2, health checks), restarted one at a time by handover under h2load', () => {
  it('0 failed requests; every process logs the real client address and port', async () => {
    const began = performance.now();
    // The first instance picks the port; the other two "hosts" listen on the same one.
    const first = await startInstance('a', `tcp://${HOSTS.a}:0`, spawning);
    const port = Number(/:(\d+)$/.exec(first.lines[0]!.address!)![1]);
    const current: Record<Name, Instance> = {
      a: first,
      b: await startInstance('b', `tcp://${HOSTS.b}:${port}`, spawning),
      c: await startInstance('c', `tcp://${HOSTS.c}:${port}`, spawning),
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
        const stats = await haproxyStats(join(dir, 'admin.sock'));
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
    // h2load's own ends of its connections, as the kernel has them: the ports the instances are to log.
    const sockets = spawnSync('ss', ['-Htn', 'state', 'established', `( dport = :${front} )`], { encoding: 'utf8' }).stdout;
    const h2loadPorts = [...sockets.matchAll(new RegExp(`127\\.0\\.0\\.1:(\\d+)\\s+127\\.0\\.0\\.1:${front}\\b`, 'g'))].map((m) =>
      Number(m[1]),
    );
    expect(h2loadPorts, sockets).toHaveLength(CLIENTS);
    const restarts: { name: Name; from: number; to: number; takeMs: number; drainMs: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of Object.keys(HOSTS) as Name[]) {
        const old = current[name];
        const t0 = performance.now();
        const next = await startInstance(name, url(name), spawning);
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
    const setupMs = Math.round(loadStarted - began);
    expect(h2load.exitCode, `the load (${LOAD_SECONDS} s) ended before the restarts did (${Math.round(restartsTook)} ms)`).toBeNull();
    expect(await within(loadEnded, (LOAD_SECONDS + 20) * 1000, () => `h2load did not end: ${report}`), report).toBe(0);
    const loadMs = Math.round(performance.now() - loadStarted);
    const stats = await haproxyStats(join(dir, 'admin.sock'));
    for (const instance of Object.values(current)) instance.child.kill('SIGTERM');
    for (const instance of Object.values(current)) {
      expect(await within(instance.closed, 15_000, () => `${instance.name} did not stop on SIGTERM`), `${instance.name} exit code`).toBe(0);
    }
    haproxy.kill('SIGKILL');

    // What was measured, printed before it is judged.
    const counts = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
      report,
    );
    const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(report);
    const timing = /time for request:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(report);
    expect(counts && codes && timing, `h2load's report: ${report}`).toBeTruthy();
    const [total, started, done, succeeded, failed, errored, timeout] = counts!.slice(1).map(Number) as number[];
    // h2load's per-request log: start (µs since the epoch), status, µs until the response ended.
    const entries = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split('\t').map(Number) as [number, number, number]);
    const latencies = entries.map(([, , us]) => us / 1000).sort((x, y) => x - y);
    const requests = all.flatMap((instance) => instance.requests());
    const checks = all.flatMap((instance) => instance.lines.filter((l) => l.event === 'request' && l.path === '/health'));
    const clientPorts = new Set(requests.map((r) => r.port!));
    const exits = all.map((instance) => instance.lines.at(-1)!);
    const headers = exits.reduce((sum, exit) => sum + (exit.headers?.read ?? 0), 0);
    const servers = (Object.keys(HOSTS) as Name[]).map((name) => stats.get(`instances/${name}`)!);
    const sessions = servers.reduce((sum, s) => sum + Number(s.stot), 0);
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
      proxyHeadersRead: headers,
      haproxySessions: sessions,
      healthChecks: checks.length,
      haproxy: Object.fromEntries(servers.map((s) => [s.svname, { sessions: Number(s.stot), checks: s.check_status }])),
      durationMs: { setup: setupMs, load: loadMs, total: Math.round(performance.now() - began) },
    };
    console.log(JSON.stringify(summary));

    // h2load: every request done succeeded with a 2xx; none failed, errored or timed out.
    expect({ failed, errored, timeout }, report).toEqual({ failed: 0, errored: 0, timeout: 0 });
    expect(succeeded).toBe(done);
    expect(Number(codes![1])).toBe(done);
    expect(done).toBeGreaterThan(10_000);
    // Its per-request log: one line per request done, each a 2xx.
    expect(entries).toHaveLength(done!);
    expect(entries.filter(([, status]) => !(status >= 200 && status < 300)).slice(0, 5)).toEqual([]);

    // The instances: each request h2load made was served once (those in flight when its
    // duration ended were served but not counted as done), by a process that saw the client.
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number) as [number, number];
    expect(requests.length).toBeGreaterThanOrEqual(done!);
    expect(requests.length).toBeLessThanOrEqual(started!);
    for (const instance of all) {
      const own = instance.requests();
      expect(own.length, `${instance.name} (${instance.pid}) served requests`).toBeGreaterThan(0);
      // h2load's address and its connection's port (an ephemeral one), and the frontend it connected to.
      const real = (r: Logged) =>
        r.client === '127.0.0.1' && r.proxy === 'proxy' && r.to === `127.0.0.1:${front}` && r.port! >= low && r.port! <= high;
      expect(own.filter((r) => !real(r)).slice(0, 5)).toEqual([]);
      expect(instance.noise, `${instance.name} (${instance.pid}) printed`).toEqual([]);
      expect(instance.stderr(), `${instance.name} (${instance.pid}) stderr`).toBe('');
      // Each process logged its own count at exit, after every request it answered.
      expect(instance.lines.at(-1), `${instance.name} (${instance.pid})`).toMatchObject({ event: 'exit' });
      const exit = instance.lines.at(-1)!;
      expect(exit.requests).toBe(instance.lines.filter((l) => l.event === 'request').length);
      // Its listener reset no connection: each came from HAProxy, with a whole header.
      expect(
        Object.values(exit.headers!.dropped).every((n) => n === 0),
        JSON.stringify(exit.headers),
      ).toBe(true);
    }
    // At least one port per h2load connection (a reconnection after a restart is a new one),
    // and h2load's ports as ss saw them among them.
    expect(clientPorts.size).toBeGreaterThanOrEqual(CLIENTS);
    expect(h2loadPorts.filter((p) => !clientPorts.has(p))).toEqual([]);
    // HAProxy's health checks: a LOCAL header, so the instance sees its real peer, HAProxy.
    for (const name of Object.keys(HOSTS)) expect(checks.some((c) => c.name === name)).toBe(true);
    for (const c of checks) expect(c, JSON.stringify(c)).toMatchObject({ client: HAPROXY_SOURCE, proxy: 'local', to: null });
    // Each predecessor logged whom it handed over to.
    for (const { from, to } of restarts) {
      const old = all.find((instance) => instance.pid === from)!;
      expect(old.lines.find((l) => l.event === 'handed-over')).toMatchObject({ to });
    }
    expect(restarts).toHaveLength(ROUNDS * 3);

    // HAProxy: no check failed and no server went down; no connect failed, none retried or redispatched.
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

    // Every connection HAProxy made, for a client or a check, came with a header the instances read.
    expect(headers).toBeGreaterThanOrEqual(sessions + checks.length);
  }, 60_000);
});
