// Zero-downtime handover: a running process offers its listener
// (server.offerHandover(path)), a new one takes it (openServer('handover://…'))
// with SCM_RIGHTS. Under continuous load from the C load generator, 10
// replacements in a row refuse and reset nothing (npm run bench:restarts makes
// 20); node:net's close() and listen() again, measured the same way, shows
// what that costs today.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { measureRestarts } from '../../bench/restarts.js';
import { openServer, selfSignedCertificate, SocketError, type StreamServer } from '../../lib/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';
import type { InheritedReport } from '../helpers/inherited.js';
import { readAll, ROOT, startChild } from '../helpers/peers.js';

const track = checkSocketLeaks();

const FIXTURE = join(ROOT, 'test/fixtures/inherited.mjs');
const dir = mkdtempSync(join(tmpdir(), 'sss-handover-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const offerPath = () => join(dir, `offer-${n++}.sock`);

/** The fixture as a successor: takes `url`, reports, serves one connection, exits. */
function successor(url: string, options: { uid?: number; env?: Record<string, string> } = {}) {
  const child = track(
    spawn(process.execPath, [FIXTURE, url], {
      cwd: ROOT,
      uid: options.uid,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const report = new Promise<InheritedReport>((resolve, reject) => {
    child.stdout!.on('data', () => stdout.includes('\n') && resolve(JSON.parse(stdout.split('\n')[0]!)));
    child.on('exit', () => reject(new Error(`the successor exited without a report: ${stdout}`)));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => (clearTimeout(timer), resolve())));
  return { report, exited, child };
}

/** Can a process of uid 65534 load the package from this checkout (root, and the path readable by all)? */
function nobodyRuns(): boolean {
  if (process.geteuid?.() !== 0) return false;
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(ROOT, 'dist/lib/index.js'))})`], {
    uid: 65534,
    timeout: 10_000,
  });
  return probe.status === 0;
}

/** A TLS client: the server certificate's CN and what the server wrote. */
function tlsHello(port: number): Promise<{ cn: string; text: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = track(tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }));
    let cn = '';
    socket.on('secureConnect', () => (cn = String(socket.getPeerCertificate().subject.CN)));
    socket
      .on('data', (d) => (text += d))
      .on('error', reject)
      .on('close', () => resolve({ cn, text }));
  });
}

/** Serves every connection with `line` until closed. */
function serve(server: StreamServer, line: string): Promise<number> {
  return (async () => {
    let count = 0;
    for await (const conn of server) {
      count++;
      conn.end(line);
    }
    return count;
  })();
}

describe('handover under load (bench/restarts.ts, the C load generator)', () => {
  it('10 replacements in a row: 0 refused, 0 reset, every connection made is answered by the old or the new process', async () => {
    const ours = await measureRestarts('handover', 10);
    const net = await measureRestarts('net', 3);
    console.log(JSON.stringify({ ours, net }));
    expect(ours.served).toHaveLength(11);
    expect({ refused: ours.refused, resets: ours.resets, unanswered: ours.unanswered, connectErrors: ours.connectErrors }).toEqual({
      refused: 0,
      resets: 0,
      unanswered: 0,
      connectErrors: 0,
    });
    expect(ours.served.reduce((a, b) => a + b, 0)).toBe(ours.completed);
    expect(ours.completed).toBeGreaterThan(1000);
    // node:net, measured the same way: what a restart costs without handover (counted, reported, not a pass mark).
    expect(net.served.reduce((a, b) => a + b, 0)).toBe(net.completed);
  }, 120_000);
});

describe('offerHandover / handover://', () => {
  it('the successor serves the listener; the queue survives; the old iterator ends; the offer socket was 0600', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { backlog: 64 }));
    const path = offerPath();
    const offered = server.offerHandover(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const queued = readAll({ port: server.port, host: '127.0.0.1' }); // nobody accepts here: it waits in the kernel queue
    const next = successor(`handover://${path}`);
    const result = await offered;
    expect(server.closed).toBe(true);
    expect(existsSync(path)).toBe(false);
    const report = await next.report;
    expect(result).toEqual({ pid: next.child.pid, uid: process.geteuid!(), refused: 0 });
    expect(report.servers[0]).toMatchObject({
      kind: 'stream',
      listening: true,
      backlog: 64,
      origin: { via: 'handover', pid: process.pid },
    });
    expect(await queued).toBe(`hello from ${next.child.pid}\n`);
    await next.exited;
  });

  it('examples/handover-server: a second start takes the listener from the first, which hands over and exits', async () => {
    const args = ['dist/examples/handover-server.js', '--url', 'tcp://127.0.0.1:0', '--offer', offerPath()];
    const first = await startChild(process.execPath, args, /serving 127\.0\.0\.1:(\d+) \(opened\)/);
    track(first.child);
    const port = Number(first.match[1]);
    expect(await readAll({ port, host: '127.0.0.1' })).toBe(`hello from ${first.child.pid}\n`);
    const firstExit = new Promise((resolve) => first.child.once('exit', resolve));
    const second = await startChild(process.execPath, args, /serving 127\.0\.0\.1:(\d+) \(taken from (\d+)\)/);
    track(second.child);
    expect([Number(second.match[1]), Number(second.match[2])]).toEqual([port, first.child.pid]);
    expect(await firstExit).toBe(0); // it handed over, answered what it had, and left by itself
    expect(await readAll({ port, host: '127.0.0.1' })).toBe(`hello from ${second.child.pid}\n`);
    const secondExit = new Promise((resolve) => second.child.once('exit', resolve));
    second.child.kill('SIGTERM');
    expect(await secondExit).toBe(0);
  });

  it('a unix listener handed on twice (A -> B -> C) keeps its file, and the last one removes it when it stops', async () => {
    const socketPath = join(dir, `chain-${n++}.sock`);
    const args = ['dist/examples/handover-server.js', '--url', `unix://${socketPath}`, '--offer', offerPath()];
    let previous: Awaited<ReturnType<typeof startChild>> | undefined;
    for (const step of ['opened', 'taken', 'taken']) {
      const started = await startChild(process.execPath, args, new RegExp(`serving ${socketPath} \\(${step}`));
      track(started.child);
      if (previous) expect(await new Promise((resolve) => previous!.child.once('exit', resolve))).toBe(0);
      expect(await readAll({ path: socketPath })).toBe(`hello from ${started.child.pid}\n`);
      previous = started;
    }
    const exited = new Promise((resolve) => previous!.child.once('exit', resolve));
    previous!.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(socketPath)).toBe(false);
  });

  it('a unix listener keeps its socket file through the handover, and the successor removes it when it closes', async () => {
    const socketPath = join(dir, `served-${n++}.sock`);
    const server = track(openServer(`unix://${socketPath}`));
    const offered = server.offerHandover(offerPath().replace(/\.sock$/, '-u.sock'));
    const path = offerPath();
    server.close();
    await expect(offered).rejects.toMatchObject({ code: 'EBADF' }); // close() withdraws the offer
    const again = track(openServer(`unix://${socketPath}`));
    const offer = again.offerHandover(path);
    const next = successor(`handover://${path}`);
    await offer;
    expect(existsSync(socketPath)).toBe(true); // our close of the copy kept it
    expect(await readAll({ path: socketPath })).toMatch(/^hello from/);
    await next.exited;
    expect(existsSync(socketPath)).toBe(false); // the successor took over the file with the socket
  });

  it('a udp socket: a datagram queued before the handover is received by the successor', async () => {
    const server = track(openServer('udp://127.0.0.1:0'));
    const client = track(dgram.createSocket('udp4'));
    const reply = new Promise<string>((resolve) => client.once('message', (m) => resolve(String(m))));
    await new Promise<void>((resolve) => client.send('queued', server.port, '127.0.0.1', () => resolve()));
    const path = offerPath();
    const offered = server.offerHandover(path);
    const next = successor(`handover://${path}`);
    expect(await offered).toMatchObject({ pid: next.child.pid });
    expect(server.closed).toBe(true);
    expect((await next.report).servers[0]).toMatchObject({ kind: 'datagram', origin: { via: 'handover', pid: process.pid } });
    expect(await reply).toBe('echo queued'); // nobody read it here: it waited in the socket's buffer
    await next.exited;
  });

  it('a TLS listener: handshakes begun here finish here; the successor serves its own certificate', async () => {
    const old = track(openServer('tls://127.0.0.1:0', { tls: selfSignedCertificate({ commonName: 'predecessor' }) }));
    const before = tlsHello(old.port);
    const served = (async () => {
      let count = 0;
      for await (const conn of old) {
        count++;
        conn.end('from the predecessor\n');
      }
      return count;
    })();
    expect(await before).toEqual({ cn: 'predecessor', text: 'from the predecessor\n' });
    const path = offerPath();
    const offered = old.offerHandover(path);
    const next = successor(`handover://${path}`, { env: { HANDOVER_TLS: 'successor' } });
    await offered;
    expect(await served).toBe(1); // the iterator ended with the handover
    expect((await next.report).servers[0]).toMatchObject({ kind: 'tls' });
    expect(await tlsHello(old.port)).toEqual({ cn: 'successor', text: `hello from ${next.child.pid}\n` });
    await next.exited;
  });

  it('a taker that vanishes with the fd, or stays silent, is told "not committed": the old process keeps serving and offers again', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const served = serve(server, 'old\n');
    const path = offerPath();
    const offered = server.offerHandover(path, { timeout: 300 });
    for (const mode of ['vanish', 'silent'] as const) {
      const fake = track(net.connect(path));
      let heard = '';
      fake.on('data', (d) => (heard += d));
      await new Promise((resolve) => fake.once('data', resolve)); // the offer line (its fd is dropped with it)
      if (mode === 'vanish') fake.destroy();
      expect(await readAll({ port: server.port, host: '127.0.0.1' })).toBe('old\n');
      if (mode === 'silent') {
        await new Promise((resolve) => fake.once('close', resolve));
        expect(
          heard
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, unknown>)[1],
        ).toEqual({ v: 1, committed: false });
      }
    }
    expect(existsSync(path)).toBe(true); // the offer stayed open all along: a taker never finds nobody there
    const next = successor(`handover://${path}`);
    expect(await offered).toMatchObject({ pid: next.child.pid, refused: 2 });
    expect(await served).toBe(2);
    expect(await readAll({ port: server.port, host: '127.0.0.1' })).toMatch(/^hello from/);
    await next.exited;
  });

  it('close() while a taker holds the fd completes the handover: the taker is told to serve, the socket file stays', async () => {
    const socketPath = join(dir, `closing-${n++}.sock`);
    const server = track(openServer(`unix://${socketPath}`));
    const path = offerPath();
    const offered = server.offerHandover(path);
    const fake = track(net.connect(path));
    let heard = '';
    fake.on('data', (d) => (heard += d));
    await new Promise((resolve) => fake.once('data', resolve)); // it holds the fd now (as far as the offer knows)
    expect(JSON.parse(heard.split('\n')[0]!)).toMatchObject({ v: 1, kind: 'stream', file: socketPath, pid: process.pid });
    server.close();
    await new Promise((resolve) => fake.once('close', resolve));
    expect(JSON.parse(heard.trim().split('\n')[1]!)).toEqual({ v: 1, committed: true });
    expect(await offered).toMatchObject({ refused: 0 });
    expect(existsSync(socketPath)).toBe(true); // the taker's now; ours never removes it
    expect(existsSync(path)).toBe(false);
    rmSync(socketPath);
  });

  it('a second offer of the same listener is withdrawn (and its socket removed) when the first is taken', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const [first, second] = [offerPath(), offerPath()];
    const taken = server.offerHandover(first);
    const other = server.offerHandover(second);
    const next = successor(`handover://${first}`);
    await taken;
    await expect(other).rejects.toMatchObject({ code: 'EBADF' });
    expect(existsSync(second)).toBe(false);
    expect(await readAll({ port: server.port, host: '127.0.0.1' })).toBe(`hello from ${next.child.pid}\n`);
    await next.exited;
  });

  it('the peer is authenticated (SO_PEERCRED): a taker of another uid is refused, an offer of another uid is not taken', async (ctx) => {
    ctx.skip(!nobodyRuns(), 'needs root (to start processes of uid 65534) and a checkout uid 65534 can read');
    const server = track(openServer('tcp://127.0.0.1:0'));
    const served = serve(server, 'still here\n');
    const name = `@sss-handover-${process.pid}-${n++}`; // abstract: no file mode, only SO_PEERCRED stands in the way
    const offered = server.offerHandover(name);
    const stranger = successor(`handover://${name}`, { uid: 65534, env: { HANDOVER_ALLOW_UIDS: '0' } });
    await stranger.exited;
    expect((await stranger.report).error).toMatchObject({
      name: 'SocketError',
      code: 'EACCES',
      message: expect.stringMatching(/uid 65534 may not take/),
    });
    expect(await readAll({ port: server.port, host: '127.0.0.1' })).toBe('still here\n');
    // A 0600 offer file keeps other uids out before SO_PEERCRED is even asked.
    const filed = track(openServer('tcp://127.0.0.1:0'));
    const path = offerPath();
    const withdraw = new AbortController();
    const refused = filed.offerHandover(path, { signal: withdraw.signal });
    const outsider = successor(`handover://${path}`, { uid: 65534 });
    expect((await outsider.report).error).toMatchObject({ code: 'EACCES', syscall: 'connect' });
    withdraw.abort();
    await expect(refused).rejects.toMatchObject({ name: 'AbortError' });
    expect(filed.closed).toBe(false);
    // And the taker checks the offerer: an offer made by uid 65534 is not taken by us.
    const theirs = spawn(
      process.execPath,
      [
        '-e',
        `const { openServer } = require(${JSON.stringify(join(ROOT, 'dist/lib/index.js'))}); const s = openServer('tcp://127.0.0.1:0'); s.offerHandover(${JSON.stringify(`${name}-theirs`)}); setTimeout(() => process.exit(0), 8000); console.log('offered');`,
      ],
      { uid: 65534, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    track(theirs);
    await new Promise((resolve) => theirs.stdout!.once('data', resolve));
    const taker = successor(`handover://${name}-theirs`);
    expect((await taker.report).error).toMatchObject({
      code: 'EACCES',
      syscall: 'handover',
      message: expect.stringMatching(/made by uid 65534/),
    });
    theirs.kill();
    server.close();
    expect(await served).toBe(1);
    await expect(offered).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('errors: no offer (ENOENT), an offer that never comes (ETIMEDOUT), garbage (EPROTO), our own offer (EDEADLK), bad arguments', async () => {
    const none = successor(`handover://${join(dir, 'nobody.sock')}`);
    expect((await none.report).error).toMatchObject({ name: 'SocketError', code: 'ENOENT', syscall: 'connect' });
    for (const [reply, code] of [
      [null, 'ETIMEDOUT'],
      ['not json\n', 'EPROTO'],
    ] as const) {
      const path = offerPath();
      const fake = track(net.createServer((c) => (reply === null ? c.on('error', () => {}) : c.end(reply))).listen(path));
      await new Promise((resolve) => fake.once('listening', resolve));
      const taker = successor(`handover://${path}`, { env: { HANDOVER_TIMEOUT: '300' } });
      expect((await taker.report).error).toMatchObject({ code });
      fake.close();
    }
    const server = track(openServer('tcp://127.0.0.1:0'));
    const path = offerPath();
    void server.offerHandover(path).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(() => openServer(`handover://${path}`)).toThrow(expect.objectContaining({ code: 'EDEADLK' }));
    expect(() => openServer(`handover://${path}`, { handover: { timeout: 0 } })).toThrow(RangeError);
    expect(() => openServer(`handover://${path}`, { backlog: -1 })).toThrow(RangeError);
    expect(() => openServer('handover://')).toThrow(TypeError);
    await expect(server.offerHandover(42 as never)).rejects.toThrow(TypeError);
    await expect(server.offerHandover(path, { allowUids: ['root'] } as never)).rejects.toThrow(TypeError);
    server.close();
    await expect(server.offerHandover(path)).rejects.toBeInstanceOf(SocketError);
  });
});
