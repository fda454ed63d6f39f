// Listeners this process did not open, as real tools pass them:
// systemd-socket-activate (tcp, unix, udp, named fds, systemdListeners()),
// an fd inherited through spawn() (fd://N), and the errors of each.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import * as dgram from 'node:dgram';
import { closeSync, fstatSync, mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openServer, SocketError } from '../../lib/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';
import type { InheritedReport } from '../helpers/inherited.js';
import { freePort, hasCommand, readAll, ROOT, run } from '../helpers/peers.js';

const track = checkSocketLeaks();

const FIXTURE = join(ROOT, 'test/fixtures/inherited.mjs');

if (!hasCommand('systemd-socket-activate'))
  throw new Error('systemd-socket-activate is required (Debian package systemd; .ci/run installs it)');

/** Starts systemd-socket-activate with `args`, the fixture with `fixtureArgs`; resolves with its output once it exits. */
function activate(args: string[], fixtureArgs: string[]) {
  const child = track(
    spawn('systemd-socket-activate', [...args, process.execPath, FIXTURE, ...fixtureArgs], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const done = new Promise<{ report: InheritedReport; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', () => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      resolve({ report: line === undefined ? undefined : JSON.parse(line), stdout, stderr });
    }),
  );
  const listening = (count: number) =>
    new Promise<void>((resolve) => {
      const look = () => ((stderr.match(/Listening on /g)?.length ?? 0) >= count ? resolve() : setTimeout(look, 10));
      look();
    });
  return { done, listening };
}

describe('systemd socket activation (systemd-socket-activate)', () => {
  it('systemd://NAME takes the tcp listener; the connection that started the server is served; the variables are cleared', async () => {
    const port = await freePort();
    const run = activate(['-l', `127.0.0.1:${port}`, '--fdname=web'], ['systemd://web']);
    await run.listening(1);
    expect(await readAll({ port, host: '127.0.0.1' })).toMatch(/^hello from \d+\n$/);
    const { report } = await run.done;
    expect(report.servers).toEqual([
      expect.objectContaining({
        kind: 'stream',
        listening: true,
        origin: { via: 'systemd', fd: 3, name: 'web' },
        address: { family: 'IPv4', address: '127.0.0.1', port },
      }),
    ]);
    expect(report.servers[0].backlog).toBeGreaterThan(0); // the kernel's limit, as systemd set it
    expect(report.env).toEqual({ LISTEN_PID: null, LISTEN_FDS: null, LISTEN_FDNAMES: null });
  });

  it('systemd:// takes a unix stream listener (fd 3, named "unknown" without FileDescriptorName)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sss-act-'));
    try {
      const path = join(dir, 'a.sock');
      const run = activate(['-l', path], ['systemd://']);
      await run.listening(1);
      expect(await readAll({ path })).toMatch(/^hello from/);
      const { report } = await run.done;
      expect(report.servers[0]).toMatchObject({
        kind: 'stream',
        listening: true,
        origin: { via: 'systemd', fd: 3 },
        address: { family: 'unix', path },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a udp socket becomes a DatagramServer that answers the datagram that started it', async () => {
    const port = await freePort();
    const run = activate(['-d', '-l', `127.0.0.1:${port}`], ['systemd://']);
    await run.listening(1);
    const client = track(dgram.createSocket('udp4'));
    const reply = new Promise<string>((resolve) => client.once('message', (m) => resolve(m.toString())));
    client.send('ping', port, '127.0.0.1');
    expect(await reply).toBe('echo ping');
    expect((await run.done).report.servers[0]).toMatchObject({ kind: 'datagram', origin: { via: 'systemd', fd: 3 } });
  });

  it('named fds: systemdListeners() returns each, in fd order, with its name; systemd://NAME picks one', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const all = activate(['-l', `127.0.0.1:${a}`, '-l', `127.0.0.1:${b}`, '--fdname=web:admin'], ['all']);
    await all.listening(2);
    expect(await readAll({ port: a, host: '127.0.0.1' })).toMatch(/^hello/);
    expect(await readAll({ port: b, host: '127.0.0.1' })).toMatch(/^hello/);
    const { report } = await all.done;
    expect(report.servers.map((s) => [s.origin.name, s.origin.fd, s.address.port])).toEqual([
      ['web', 3, a],
      ['admin', 4, b],
    ]);

    const [c, d] = [await freePort(), await freePort()];
    const one = activate(['-l', `127.0.0.1:${c}`, '-l', `127.0.0.1:${d}`, '--fdname=web:admin'], ['systemd://admin']);
    await one.listening(2);
    const answer = readAll({ port: d, host: '127.0.0.1' });
    const first = net.connect(c, '127.0.0.1'); // wakes the activation; only admin is served
    track(first).on('error', () => {});
    expect(await answer).toMatch(/^hello/);
    expect((await one.done).report.servers[0].origin).toEqual({ via: 'systemd', fd: 4, name: 'admin' });
  });

  it('errors: not activated, a LISTEN_PID that is not ours, an unknown name, a count without names to match', async () => {
    const report = async (url: string, env: Record<string, string>) => {
      const { stdout } = await run(process.execPath, [FIXTURE, url], { env: { PATH: process.env.PATH!, ...env } });
      return JSON.parse(stdout).error;
    };
    expect(await report('systemd://', {})).toMatchObject({
      name: 'SocketError',
      code: 'ENOENT',
      syscall: 'sd_listen_fds',
      message: expect.stringMatching(/LISTEN_FDS is not set/),
    });
    expect(await report('systemd://', { LISTEN_PID: '1', LISTEN_FDS: '1' })).toMatchObject({
      code: 'ENOENT',
      message: expect.stringMatching(/LISTEN_PID is "1", not this process/),
    });
    // LISTEN_PID=$$ then exec: the variables name the process that reads them.
    const ours = async (vars: string) => {
      const { stdout } = await run('sh', ['-c', `export LISTEN_PID=$$ ${vars}; exec "${process.execPath}" "${FIXTURE}" systemd://`]);
      return JSON.parse(stdout).error;
    };
    expect(await ours('LISTEN_FDS=0')).toMatchObject({ code: 'ENOENT', message: expect.stringMatching(/LISTEN_FDS is 0/) });
    expect(await ours('LISTEN_FDS=2 LISTEN_FDNAMES=a')).toMatchObject({
      code: 'EINVAL',
      message: expect.stringMatching(/1 names for 2 fds/),
    });
    expect(await ours('LISTEN_FDS=1')).toMatchObject({ code: 'ENOTSOCK' }); // fd 3 is no socket here
    expect(await report('systemd://a:b', {})).toMatchObject({ name: 'TypeError' });
  });

  it('a LISTEN_PID of our own with a name nobody passed names the ones that were', async () => {
    const port = await freePort();
    const run = activate(['-l', `127.0.0.1:${port}`, '--fdname=web'], ['systemd://admin']);
    await run.listening(1);
    track(net.connect(port, '127.0.0.1')).on('error', () => {});
    expect((await run.done).report.error).toMatchObject({
      code: 'ENOENT',
      message: expect.stringMatching(/no socket named "admin" was passed \(passed: web \(fd 3\)\)/),
    });
  });
});

describe('fd://N (an inherited fd)', () => {
  /** Runs the fixture with `fd` as its fd 3. */
  function withFd3(fd: number | net.Socket | 'ignore', args: string[]) {
    const child = track(spawn(process.execPath, [FIXTURE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit', fd as never] }));
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const report = new Promise<InheritedReport>((resolve) =>
      child.stdout!.on('data', () => stdout.includes('\n') && resolve(JSON.parse(stdout.split('\n')[0]!))),
    );
    const exited = new Promise<void>((resolve) => child.on('exit', () => (clearTimeout(timer), resolve())));
    return { report, exited };
  }

  it('a listening socket passed as fd 3 is served, backlog as the kernel applies it; a connection queued before is not lost', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { backlog: 33 }));
    const answer = readAll({ port: server.port, host: '127.0.0.1' }); // queued in the kernel until the child accepts it
    const child = withFd3(server.fd, ['fd://3']);
    const report = await child.report;
    server.close(); // our copy goes; the child's keeps the socket and its queue
    expect(await answer).toMatch(/^hello from/);
    expect(report.servers[0]).toMatchObject({ kind: 'stream', listening: true, backlog: 33, origin: { via: 'fd', fd: 3 } });
    await child.exited;
  });

  it('a bound socket that does not listen stays bound (listening false); with options it listens with our backlog', async () => {
    const bound = track(openServer('tcp://127.0.0.1:0', { listen: false }));
    const first = withFd3(bound.fd, ['fd://3']);
    expect((await first.report).servers[0]).toMatchObject({ kind: 'stream', listening: false, backlog: null });
    const second = withFd3(bound.fd, ['listen', 'fd://3']);
    expect((await second.report).servers[0]).toMatchObject({ kind: 'stream', listening: true, backlog: 17 });
    expect(await readAll({ port: bound.port, host: '127.0.0.1' })).toMatch(/^hello from/);
    await Promise.all([first.exited, second.exited]);
  });

  it('errors: a non-socket (ENOTSOCK), a closed fd (EBADF), a connected socket (EISCONN), one this process serves, in any thread (EBUSY), socket options (TypeError)', async () => {
    expect((await withFd3('ignore', ['fd://0']).report).error).toMatchObject({ name: 'SocketError', code: 'ENOTSOCK' }); // /dev/null
    expect((await withFd3('ignore', ['fd://77']).report).error).toMatchObject({ name: 'SocketError', code: 'EBADF' });
    const server = track(net.createServer((c) => c.destroy()).listen(0, '127.0.0.1'));
    await new Promise((resolve) => server.once('listening', resolve));
    const client = track(net.connect((server.address() as net.AddressInfo).port, '127.0.0.1'));
    await new Promise((resolve) => client.once('connect', resolve));
    expect((await withFd3(client, ['fd://3']).report).error).toMatchObject({
      code: 'EISCONN',
      message: expect.stringMatching(/connected socket, not a listener/),
    });

    // An fd that does not fit is looked at, never taken: it stays open and its owner's.
    const listener = track(openServer('tcp://127.0.0.1:0'));
    const peer = track(net.connect(listener.port, '127.0.0.1'));
    const accepted = (await listener.acceptFd())!;
    expect(() => openServer(`fd://${accepted}`)).toThrow(expect.objectContaining({ code: 'EISCONN' }));
    expect(() => openServer(`fd://${accepted}`, { tls: { cert: 'not a certificate', key: 'x' } })).toThrow();
    expect(fstatSync(accepted).isSocket()).toBe(true);
    closeSync(accepted);
    peer.destroy();

    // A socket another thread of this process serves is EBUSY there too (no second owner, no double close).
    const served = track(openServer('tcp://127.0.0.1:0'));
    const dist = JSON.stringify(join(ROOT, 'dist/lib/index.js'));
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       try { require(${dist}).openServer('fd://' + workerData); parentPort.postMessage('taken'); } catch (e) { parentPort.postMessage(e.code); }`,
      { eval: true, workerData: served.fd },
    );
    expect(await once(worker, 'message')).toEqual(['EBUSY']);
    await worker.terminate();
    const answered = served.accept().then((conn) => conn.end('still ours\n'));
    expect(await readAll({ port: served.port, host: '127.0.0.1' })).toBe('still ours\n');
    await answered;

    const ours = track(openServer('tcp://127.0.0.1:0'));
    expect(() => openServer(`fd://${ours.fd}`)).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    expect(() => openServer(`fd://${ours.fd}`, { reusePort: true } as never)).toThrow(
      /options.reusePort does not apply to fd:\/\/\d+: the socket was created and bound by another process/,
    );
    expect(() => openServer('fd://x')).toThrow(TypeError);
    expect(() => openServer('fd://99999999999')).toThrow(TypeError);
    expect(() => openServer('fd://1000000')).toThrow(SocketError);
  });
});
