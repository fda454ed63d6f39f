// unix:// stream servers and their socket files.
import type { ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { C, native } from '../lib/binding/native.js';
import { openServer, SocketError } from '../lib/index.js';
import { checkSocketLeaks } from './helpers/leaks.js';
import { hasCommand, ROOT, run, startChild } from './helpers/peers.js';

const track = checkSocketLeaks();

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sss-unix-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const modeOf = (path: string) => statSync(path).mode & 0o777;
function thrown(fn: () => unknown): SocketError {
  try {
    fn();
  } catch (error) {
    return error as SocketError;
  }
  throw new Error('expected a throw');
}

/** One exchange over the server: the client sends, the server answers and closes. */
async function echoOnce(server: ReturnType<typeof openServer>, path: string): Promise<string> {
  const answered = server.accept({ timeout: 3000 }).then((conn) => track(conn).once('data', (d: Buffer) => conn.end(`got ${d}`)));
  const reply = await new Promise<string>((resolve, reject) => {
    let text = '';
    const c: net.Socket = track(net.connect(path, () => c.write('hi')));
    c.on('data', (d: Buffer) => (text += d))
      .on('close', () => resolve(text))
      .on('error', reject);
  });
  await answered;
  return reply;
}

describe('unix stream servers', () => {
  it('serves node:net and socat clients; names the path; removes its file on close', async () => {
    const path = join(dir, 's.sock');
    const server = track(openServer(`unix://${path}`));
    expect(server.name).toBe(path);
    expect(server.address).toEqual({ family: 'unix', path });
    expect(await echoOnce(server, path)).toBe('got hi');
    if (hasCommand('socat')) {
      const answered = server.accept({ timeout: 3000 }).then((conn) => track(conn).end('hello socat\n'));
      expect((await run('socat', ['-u', `UNIX-CONNECT:${path}`, '-'])).stdout).toBe('hello socat\n');
      await answered;
    } else if (process.env.CI) throw new Error('socat is required in CI');
    server.close();
    expect(existsSync(path)).toBe(false);
  });

  it.each([0o600, 0o660, 0o666])('mode %o is on the file before anyone can connect, with no staging left behind', (mode) => {
    const path = join(dir, 'm.sock');
    const server = track(openServer(`unix://${path}`, { mode }));
    expect(statSync(path).isSocket()).toBe(true);
    expect(modeOf(path)).toBe(mode);
    expect(readdirSync(dir)).toEqual(['m.sock']);
    server.close();
  });

  it('without a mode the umask decides, as in PHP', () => {
    const old = process.umask(0o027);
    try {
      const server = track(openServer(`unix://${join(dir, 'u.sock')}`));
      expect(modeOf(join(dir, 'u.sock'))).toBe(0o750);
      server.close();
    } finally {
      process.umask(old);
    }
  });

  it('a live socket in the way is EADDRINUSE, even with removeStale', () => {
    const path = join(dir, 'live.sock');
    const first = track(openServer(`unix://${path}`));
    expect(thrown(() => openServer(`unix://${path}`, { removeStale: true }))).toMatchObject({ code: 'EADDRINUSE', syscall: 'bind' });
    first.close();
  });

  it('a stale socket is removed only when asked', async () => {
    const path = join(dir, 'stale.sock');
    // A socket file nobody listens on: node:net leaves none, so make one with a raw bind.
    const h = native.socket(C.AF_UNIX, C.SOCK_STREAM, 0);
    native.bind(h, { family: C.AF_UNIX, path: Buffer.from(path) });
    native.close(h);
    expect(thrown(() => openServer(`unix://${path}`))).toMatchObject({ code: 'EADDRINUSE' });
    const server = track(openServer(`unix://${path}`, { removeStale: true }));
    expect(await echoOnce(server, path)).toBe('got hi');
    server.close();
  });

  it('a regular file in the way is an error and is left alone', () => {
    const path = join(dir, 'file.sock');
    writeFileSync(path, 'precious');
    const error = thrown(() => openServer(`unix://${path}`, { removeStale: true }));
    expect(error).toMatchObject({ code: 'EADDRINUSE', syscall: 'bind' });
    expect(error.message).toMatch(/regular file is in the way/);
    expect(statSync(path).isFile()).toBe(true);
  });

  it('close() does not remove a file that replaced ours', () => {
    const path = join(dir, 'r.sock');
    const server = track(openServer(`unix://${path}`));
    rmSync(path);
    writeFileSync(path, 'someone else');
    server.close();
    expect(existsSync(path)).toBe(true);
  });

  it('Linux abstract names (@name) work and leave no file', async () => {
    const name = `sss-test-${process.pid}-${Date.now()}`;
    const server = track(openServer(`unix://@${name}`));
    expect(server.name).toBe(`@${name}`);
    if (hasCommand('socat')) {
      const answered = server.accept({ timeout: 3000 }).then((conn) => track(conn).end('abstract\n'));
      expect((await run('socat', ['-u', `ABSTRACT-CONNECT:${name}`, '-'])).stdout).toBe('abstract\n');
      await answered;
    }
    server.close();
  });

  it('queue(): length and limit of a unix listener from sock_diag, agreeing with ss -xl; backlog+1 fit, the next connect is EAGAIN', async () => {
    const path = join(dir, 'q.sock');
    const server = track(openServer(`unix://${path}`, { backlog: 3 }));
    expect(server.queue()).toEqual({ length: 0, limit: 3 });
    const errors: string[] = [];
    const clients: net.Socket[] = [];
    // Every client connected or failed: nothing more can change.
    const outcomes = Array.from(
      { length: 5 },
      () =>
        new Promise((resolve) => {
          clients.push(
            track(net.connect(path, () => resolve('connected'))).on('error', (e: NodeJS.ErrnoException) => resolve(errors.push(e.code!))),
          );
        }),
    );
    await Promise.all(outcomes);
    expect(server.queue()).toEqual({ length: 4, limit: 3 });
    expect(errors).toEqual(['EAGAIN']);
    const ss = (await run('ss', ['-Hlxn'])).stdout
      .split('\n')
      .find((l) => l.includes(path))!
      .trim()
      .split(/\s+/);
    expect([Number(ss[2]), Number(ss[3])]).toEqual([4, 3]);
    for (const c of clients) c.destroy();
    server.close();
  });

  it('a path longer than sun_path is a clear error naming the limit', () => {
    expect(() => openServer(`unix://${dir}/${'x'.repeat(120)}`)).toThrow(/sun_path holds at most 107/);
  });
});

/** Another process holding `path` (test/fixtures/unix-holder.mjs); release() ends it and says how many connections reached it. */
async function holder(path: string, kind: 'bound' | 'listen' | 'dgram'): Promise<{ release: () => Promise<number> }> {
  const { child } = await startChild(process.execPath, [join(ROOT, 'test/fixtures/unix-holder.mjs'), path, kind], /ready/);
  return { release: () => released(child) };
}

function released(child: ChildProcess): Promise<number> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  return new Promise((resolve, reject) => {
    child.once('close', (code) =>
      code === 0 ? resolve((JSON.parse(out) as { reached: number }).reached) : reject(new Error(`holder exited ${code}: ${out}`)),
    );
    child.kill('SIGTERM');
  });
}

const inode = (path: string) => lstatSync(path).ino;
const bound = (path: string) => {
  const st = lstatSync(path, { bigint: true });
  return native.unixSocketBound(st.dev, st.ino);
};

describe('removeStale asks sock_diag who is bound to the file, and never connects', () => {
  it('a socket another process bound but never listened on is live: EADDRINUSE, the file stays', async () => {
    const path = join(dir, 'bound.sock');
    const other = await holder(path, 'bound');
    const ino = inode(path);
    expect(bound(path)).toBe(true);
    const error = thrown(() => track(openServer(`unix://${path}`, { removeStale: true })));
    expect(error).toMatchObject({ code: 'EADDRINUSE', syscall: 'bind', address: path });
    expect(error.message).toMatch(/a socket in use is in the way/);
    expect(inode(path)).toBe(ino);
    expect(await other.release()).toBe(0);
  });

  it('a listener in another process is live, and the check makes no connection to it (its queue stays empty)', async () => {
    const path = join(dir, 'listen.sock');
    const other = await holder(path, 'listen');
    expect(thrown(() => track(openServer(`unix://${path}`, { removeStale: true })))).toMatchObject({ code: 'EADDRINUSE' });
    expect(thrown(() => track(openServer(`udg://${path}`, { removeStale: true })))).toMatchObject({ code: 'EADDRINUSE' });
    expect(await other.release()).toBe(0);
  });

  it('a datagram socket bound in another process is live, for unix:// and udg:// alike', async () => {
    const path = join(dir, 'dgram.sock');
    const other = await holder(path, 'dgram');
    expect(thrown(() => track(openServer(`udg://${path}`, { removeStale: true })))).toMatchObject({ code: 'EADDRINUSE' });
    expect(thrown(() => track(openServer(`unix://${path}`, { removeStale: true })))).toMatchObject({ code: 'EADDRINUSE' });
    expect(statSync(path).isSocket()).toBe(true);
    await other.release();
  });

  it('the file of a process that has exited is stale: removed and bound with removeStale, EADDRINUSE without', async () => {
    const path = join(dir, 'gone.sock');
    await (await holder(path, 'listen')).release();
    expect(bound(path)).toBe(false);
    expect(thrown(() => track(openServer(`unix://${path}`)))).toMatchObject({ code: 'EADDRINUSE' });
    const server = track(openServer(`unix://${path}`, { removeStale: true }));
    expect(bound(path)).toBe(true);
    expect(await echoOnce(server, path)).toBe('got hi');
    server.close();
  });

  it('unixSocketBound() takes bigint dev and ino, as lstat gives them; anything else is a TypeError/RangeError', () => {
    const unbound = join(dir, 'unbound.sock');
    const h = native.socket(C.AF_UNIX, C.SOCK_STREAM, 0);
    native.bind(h, { family: C.AF_UNIX, path: Buffer.from(unbound) });
    expect(bound(unbound)).toBe(true);
    native.close(h);
    expect(bound(unbound)).toBe(false);
    const call =
      (...args: unknown[]) =>
      () =>
        (native.unixSocketBound as (...a: unknown[]) => boolean)(...args);
    expect(call()).toThrow(TypeError);
    expect(call(1, 2)).toThrow(TypeError);
    expect(call(1n, '2')).toThrow(TypeError);
    expect(call(-1n, 2n)).toThrow(RangeError);
    expect(call(1n, 2n ** 64n)).toThrow(RangeError);
  });
});
