// Facade side of the differential runner (protocol: PROTOCOL.md).
// Reads one case on stdin, runs it through the facade, prints one JSON observation.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, fstatSync, lstatSync, mkdirSync, chmodSync, openSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import * as php from 'stream-socket-server/php';
import { ioProbe } from './io-probes.mjs';

const require = createRequire(import.meta.url);
const addon = require('../../build/Release/stream_socket_server.node');
const C = addon.constants;

const input = JSON.parse(
  await new Promise((resolve) => {
    let text = '';
    process.stdin.on('data', (d) => (text += d)).on('end', () => resolve(text));
  }),
);
const c = input.case;
const ini = JSON.parse(process.env.SSS_PHP_INI ?? '{}');
for (const [k, v] of Object.entries(ini)) php.ini_set(k, v);

const warnings = [];
process.on('warning', (w) => {
  if (w.name === 'PHPWarning' || w.name === 'PHPNotice' || w.name === 'PHPDeprecated') warnings.push(w.message);
});
/** Warnings are emitted on the next tick: let them arrive, then take them. */
async function takeWarnings() {
  await new Promise((resolve) => setImmediate(resolve));
  return warnings.splice(0);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function exceptionText(error) {
  return error === null ? null : `${error.name}: ${error.message}`;
}

// ---- setup ---------------------------------------------------------------
const keep = [];
let exhausted = [];

function occupyingSocket(step) {
  const family = { inet: C.AF_INET, inet6: C.AF_INET6, unix: C.AF_UNIX }[step.family];
  const type = step.type === 'dgram' ? C.SOCK_DGRAM : C.SOCK_STREAM;
  const h = addon.socket(family, type, 0);
  if (step.reuseaddr) addon.setsockopt(h, C.SOL_SOCKET, C.SO_REUSEADDR, 1);
  if (step.reuseport) addon.setsockopt(h, C.SOL_SOCKET, C.SO_REUSEPORT, 1);
  const endpoint =
    family === C.AF_UNIX ? { family, path: Buffer.from(step.path) } : { family, address: step.addr, port: Number(step.port) };
  addon.bind(h, endpoint);
  if (type === C.SOCK_STREAM && step.listen !== false) addon.listen(h, 16);
  keep.push(h);
}

function exhaustFds(step) {
  if (step.limit) execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${step.limit}:${step.limit}`]);
  for (;;) {
    try {
      exhausted.push(openSync('/dev/null', 'r'));
    } catch {
      return;
    }
  }
}

function runSetup(step) {
  switch (step.kind) {
    case 'mkdir':
      mkdirSync(step.path);
      chmodSync(step.path, parseInt(step.mode ?? '0755', 8));
      return;
    case 'chmod':
      return chmodSync(step.path, parseInt(step.mode, 8));
    case 'file':
      return writeFileSync(step.path, '');
    case 'symlink':
      return symlinkSync(step.target, step.path);
    case 'chdir':
      return process.chdir(step.path);
    case 'stale-socket': {
      const h = addon.socket(C.AF_UNIX, C.SOCK_STREAM, 0);
      addon.bind(h, { family: C.AF_UNIX, path: Buffer.from(step.path) });
      addon.listen(h, 1);
      addon.close(h);
      return;
    }
    case 'socket':
      return occupyingSocket(step);
    case 'server': {
      const args = [step.url, null, null];
      if (step.flags !== undefined || step.context !== undefined) args.push(step.flags ?? 12);
      if (step.context !== undefined) args.push(php.stream_context_create(step.context));
      const s = php.stream_socket_server(...args);
      if (s === false) throw new Error(`setup server failed: ${step.url}`);
      keep.push(s);
      return;
    }
    case 'exhaust-fds':
      return exhaustFds(step);
    default:
      throw new Error(`unknown setup step ${step.kind}`);
  }
}

// ---- observation helpers ---------------------------------------------------
/** The listener's ss row, matched by socket inode: Recv-Q is the queue, Send-Q the backlog. */
function ssRow(server, unix) {
  const fd = server.server && !server.server.closed ? server.server.fd : -1;
  if (fd < 0) return undefined;
  const ino = String(fstatSync(fd).ino);
  const out = execFileSync('ss', unix ? ['-Hlxn'] : ['-Hltne'], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    if (unix) {
      const m = /^(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(.*?)\s+(\d+)\s+(\S+)\s+(\S+)\s*$/.exec(line);
      if (m && m[2] === 'LISTEN' && m[6] === ino) return { recvQ: Number(m[3]), sendQ: Number(m[4]) };
    } else {
      const m = /^(\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)(.*)$/.exec(line);
      if (m && m[1] === 'LISTEN' && new RegExp(`\\bino:${ino}\\b`).test(m[6])) return { recvQ: Number(m[2]), sendQ: Number(m[3]) };
    }
  }
  return undefined;
}

function fileInfo(target) {
  let path = Buffer.from(target);
  const nul = path.indexOf(0);
  if (nul >= 0) path = path.subarray(0, nul);
  path = path.subarray(0, 107).toString();
  try {
    const st = lstatSync(path);
    const type = st.isSocket()
      ? 'socket'
      : st.isFile()
        ? 'regular'
        : st.isDirectory()
          ? 'directory'
          : st.isSymbolicLink()
            ? 'symlink'
            : 'other';
    return { exists: true, type, perms: (st.mode & 0o7777).toString(8).padStart(4, '0') };
  } catch {
    return { exists: false, type: 'missing' };
  }
}

function unixTarget(url) {
  const m = /^(unix|udg):\/\//.exec(url);
  return m ? url.slice(m[0].length) : undefined;
}

/** The server's name, or the URL's target when the name reads false (abstract names). */
function nameOrTarget(server) {
  const name = php.stream_socket_get_name(server, false);
  if (name !== false) return name;
  return unixTarget(c.url) ?? c.url.replace(/^[a-z0-9.+-]+:\/\//, '');
}

function clientTarget(server) {
  if (server.server === null) return undefined;
  const name = nameOrTarget(server);
  if (unixTarget(c.url) !== undefined) return { path: name };
  const colon = name.lastIndexOf(':');
  return { host: name.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(name.slice(colon + 1)) };
}

function connectClient(target, timeoutMs = 2000) {
  return new Promise((resolve) => {
    if (target === undefined) return resolve({ socket: null, errno: 111 });
    const socket = net.connect(target);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ socket: null, errno: 110 });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({ socket, errno: 0 });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      resolve({ socket: null, errno: -(error.errno ?? 0) });
    });
  });
}

function readN(socket, n, timeoutMs = 2000) {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const done = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      resolve(got.toString());
    };
    const onData = (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= n) done();
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', onData).once('end', done).once('error', done);
  });
}

// ---- datagram clients -----------------------------------------------------
const isDatagram = () => /^(udp|udg):\/\//i.test(c.url);

/** A datagram client: udp via node:dgram (connected), udg via a raw unbound unix socket. */
async function datagramClient(server) {
  const target = clientTarget(server);
  if (/^udg:/i.test(c.url)) {
    const h = addon.socket(C.AF_UNIX, C.SOCK_DGRAM, 0);
    const to = { family: C.AF_UNIX, path: Buffer.from(target.path) };
    return {
      send: (data, flags = 0) => addon.sendto(h, Buffer.from(data), flags, to),
      port: undefined,
      read: async () => '',
      close: () => addon.close(h),
    };
  }
  // A raw connected udp socket: node:dgram cannot send MSG_OOB, and hides its fd.
  const v6 = target.host.includes(':');
  const h = addon.socket(v6 ? C.AF_INET6 : C.AF_INET, C.SOCK_DGRAM, 0);
  addon.bind(h, { family: v6 ? C.AF_INET6 : C.AF_INET, address: v6 ? '::1' : '127.0.0.1', port: 0 });
  addon.connect(h, { family: v6 ? C.AF_INET6 : C.AF_INET, address: target.host, port: target.port });
  return {
    send: (data, flags = 0) => addon.sendto(h, Buffer.from(data), flags, null),
    port: addon.getsockname(h).port,
    read: async () => {
      for (let i = 0; i < 100; i++) {
        const got = addon.recvfrom(h, 8192, C.MSG_DONTWAIT);
        if (got !== null) return got.data.toString();
        await sleep(10);
      }
      return '';
    },
    close: () => addon.close(h),
  };
}

/** Runs `call` on a borrowed handle for a socket someone else owns (the addon takes no plain fds). */
function onFd(fd, call) {
  const h = addon.borrow(fd);
  try {
    return call(h);
  } finally {
    addon.close(h); // lets go; the fd stays its owner's
  }
}

/** Is a datagram pending on the server (waiting up to `ms`)? */
async function datagramPending(server, ms) {
  const peek = () => onFd(server.server.fd, (h) => addon.recvfrom(h, 1, C.MSG_PEEK | C.MSG_DONTWAIT | C.MSG_TRUNC) !== null);
  const end = Date.now() + ms;
  while (!peek()) {
    if (Date.now() > end) return false;
    await sleep(10);
  }
  return true;
}

async function readOnce(stream, r) {
  const addr = php.ref('unset');
  let data = null;
  let exception = null;
  try {
    const got = r.no_addr
      ? await php.stream_socket_recvfrom(stream, r.len, r.flags ?? 0)
      : await php.stream_socket_recvfrom(stream, r.len, r.flags ?? 0, addr);
    data = got === false ? false : got.toString();
  } catch (error) {
    exception = exceptionText(error);
    if (!r.no_addr) addr.value = null;
  }
  return { data, addr: addr.value, warnings: await takeWarnings(), exception };
}

async function recvfromDatagram(server, p) {
  const client = await datagramClient(server);
  for (const item of p.send) {
    if (typeof item === 'string') client.send(item);
    else client.send(item.data, item.flags ?? 0);
  }
  const reads = [];
  for (const r of p.reads) {
    php.stream_set_blocking(server, !r.nonblocking);
    if (!r.nonblocking && r.len > 0 && !(await datagramPending(server, 1000))) {
      reads.push({ data: null, addr: null, warnings: [], exception: null, runner_error: 'nothing to read' });
      continue;
    }
    reads.push(await readOnce(server, r));
  }
  const out = { client_ok: true, reads };
  if (p.reply) {
    const last = reads.at(-1)?.addr;
    const to = p.reply.to?.replace('{client_port}', String(client.port));
    let result = null;
    let exception = null;
    try {
      const target = to ?? (typeof last === 'string' ? last : undefined);
      result =
        target === undefined
          ? php.stream_socket_sendto(server, p.reply.data, p.reply.flags ?? 0)
          : php.stream_socket_sendto(server, p.reply.data, p.reply.flags ?? 0, target);
    } catch (error) {
      exception = exceptionText(error);
    }
    out.reply = { result, warnings: await takeWarnings(), exception };
    if (Number.isInteger(result) && result > 0) out.reply.client_read = await client.read();
  }
  client.close();
  return out;
}

// ---- tls probe helpers (the client is real PHP: tls-client.php) ------------
/** What capture_peer_cert(_chain) left in the context: subject CNs, or "absent" (as runner.php reports it). */
function tlsCaptured(ssl) {
  const cn = (cert) => /^CN=(.*)$/m.exec(cert.subject)?.[1] ?? null;
  const out = {};
  for (const key of ['peer_certificate', 'peer_certificate_chain']) {
    const value = ssl[key];
    out[key] = !Object.hasOwn(ssl, key) ? 'absent' : Array.isArray(value) ? value.map(cn) : value === null ? null : cn(value);
  }
  return out;
}
const TLS_CLIENT = new URL('./tls-client.php', import.meta.url).pathname;
const IO_TIMEOUT = 2;

function startTlsClient(input) {
  const child = spawn('php', [TLS_CLIENT], { stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const done = new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 17_000);
    child.on('close', () => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        resolve({ runner_error: 'tls-client.php gave no JSON' });
      }
    });
    child.on('error', () => resolve({ runner_error: 'tls-client.php could not be started' }));
  });
  child.stdin.on('error', () => {});
  child.stdin.end(`${JSON.stringify(input)}\n`);
  return { child, done };
}

/** Waits (≤ 5 s) until a connection is pending, so that the accept timeout times the accept, not the client's start-up. */
async function waitPending(server, client) {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && client.child.exitCode === null) {
    if (server.server.queue().length > 0) return;
    await sleep(1);
  }
}

/** Up to `len` bytes within IO_TIMEOUT: stops at end of stream or a failed read (false if nothing came before). */
async function readCollect(conn, len) {
  let buf = '';
  const deadline = Date.now() + IO_TIMEOUT * 1000;
  while (buf.length < len && Date.now() < deadline) {
    const got = await Promise.race([php.stream_socket_recvfrom(conn, len - buf.length), sleep(deadline - Date.now()).then(() => null)]);
    if (got === null) break;
    if (got === false) return buf === '' ? false : buf;
    if (got.length === 0) break;
    buf += got.toString();
  }
  return buf;
}

// ---- probes ---------------------------------------------------------------
async function acceptOnce(server, timeout) {
  const conn = timeout === 'omit' ? await php.stream_socket_accept(server) : await php.stream_socket_accept(server, timeout);
  return { conn, warnings: await takeWarnings() };
}

const probes = {
  async connect(server) {
    const { socket, errno } = await connectClient(clientTarget(server));
    socket?.destroy();
    return { ok: errno === 0, errno };
  },
  async accept(server, p) {
    if (p.nonblocking_server) php.stream_set_blocking(server, false);
    if (isDatagram()) {
      if (p.client !== false) {
        const dc = await datagramClient(server);
        dc.send('ping');
        await datagramPending(server, 1000);
        dc.close();
      }
      const peer = php.ref('unset');
      const conn = await php.stream_socket_accept(server, p.timeout ?? 2, peer);
      return { ok: conn !== false, warnings: await takeWarnings(), exception: null, peer: peer.value };
    }
    let client = null;
    if (p.client !== false) {
      client = (await connectClient(clientTarget(server))).socket;
      client?.write('ping');
    }
    const peer = php.ref('unset');
    const conn = await php.stream_socket_accept(server, p.timeout ?? 2, p.no_peer_arg ? null : peer);
    const w = await takeWarnings();
    if (conn === false) {
      client?.destroy();
      return { ok: false, warnings: w, exception: null, peer: peer.value };
    }
    const serverRead = String(await php.stream_socket_recvfrom(conn, 4));
    php.stream_socket_sendto(conn, 'pong');
    const clientRead = client ? await readN(client, 4) : '';
    const result = {
      ok: true,
      warnings: w,
      exception: null,
      peer: peer.value,
      accepted: { local: php.stream_socket_get_name(conn, false), remote: php.stream_socket_get_name(conn, true) },
      exchange: { server_read: serverRead, client_read: clientRead },
    };
    php.fclose(conn);
    client?.destroy();
    return result;
  },
  async 'accept-timing'(server, p) {
    const started = Date.now();
    const { conn, warnings: w } = await acceptOnce(server, p.timeout === null ? null : p.timeout);
    const waited = (Date.now() - started) / 1000;
    if (conn) php.fclose(conn);
    const expected = p.expect_wait ?? p.timeout;
    return { ok: conn !== false, warnings: w, exception: null, waited_expected: waited >= 0.8 * expected };
  },
  async 'second-server'(server, p) {
    const name = nameOrTarget(server);
    const scheme = /^[a-z0-9.+-]+(?=:\/\/)/i.exec(c.url)?.[0].toLowerCase() ?? 'tcp';
    const e = php.ref(0);
    const s = php.ref('');
    const args = [`${scheme}://${name}`, e, s];
    if (p.flags !== undefined || c.flags !== undefined || c.context !== undefined) args.push(p.flags ?? c.flags ?? 12);
    if (c.context !== undefined) args.push(php.stream_context_create(c.context));
    const second = php.stream_socket_server(...args);
    const w = await takeWarnings();
    const out = { ok: second !== false, errno: e.value, errstr: s.value, warnings: w, exception: null };
    if (second) {
      out.name = php.stream_socket_get_name(second, false);
      php.fclose(second);
    }
    return out;
  },
  async 'fill-backlog'(server, p) {
    const target = clientTarget(server);
    const clients = [];
    for (let i = 0; i < p.clients; i++) {
      const socket = net.connect(target);
      socket.on('error', () => {});
      clients.push(socket);
    }
    await sleep(300);
    const queued = ssRow(server, unixTarget(c.url) !== undefined)?.recvQ ?? null;
    let accepted = 0;
    for (;;) {
      const conn = await php.stream_socket_accept(server, 0.2);
      await takeWarnings();
      if (conn === false) break;
      accepted++;
      php.fclose(conn);
    }
    for (const socket of clients) socket.destroy();
    return { clients: p.clients, queued_before_accept: queued, accepted };
  },
  async shutdown(server, p) {
    let target = server;
    let client = null;
    if (p.on === 'accepted') {
      client = (await connectClient(clientTarget(server))).socket;
      target = await php.stream_socket_accept(server, 2);
      await takeWarnings();
    }
    let result = null;
    let exception = null;
    try {
      result = php.stream_socket_shutdown(target, p.how);
    } catch (error) {
      exception = exceptionText(error);
    }
    const out = { result, warnings: await takeWarnings(), exception };
    if (client !== null) {
      out.client_read = await readN(client, 100, 1000);
      out.client_eof = client.readableEnded;
      client.destroy();
      php.fclose(target);
    }
    if (p.accept_after) {
      const { conn, warnings: w } = await acceptOnce(server, 0.2);
      out.accept_after = { ok: conn !== false, warnings: w };
    }
    return out;
  },
  async recvfrom(server, p) {
    if (isDatagram()) return recvfromDatagram(server, p);
    const { socket: client } = await connectClient(clientTarget(server));
    if (client === null) return { client_ok: false, reads: [] };
    for (const item of p.send) {
      if (typeof item === 'string') client.write(item);
      else onFd(client._handle.fd, (h) => addon.sendto(h, Buffer.from(item.data), item.flags & php.STREAM_OOB ? C.MSG_OOB : 0, null));
    }
    await sleep(100);
    const conn = await php.stream_socket_accept(server, 2);
    await takeWarnings();
    const reads = [];
    for (const r of p.reads) reads.push(await readOnce(conn, r));
    if (conn) php.fclose(conn);
    client.destroy();
    return { client_ok: true, reads };
  },
  async 'recvfrom-direct'(server, p) {
    if (p.nonblocking) php.stream_set_blocking(server, false);
    if (isDatagram() && !p.nonblocking && p.len > 0 && !(await datagramPending(server, 1000))) {
      return { data: null, addr: null, warnings: [], exception: null, runner_error: 'nothing to read' };
    }
    const addr = php.ref('unset');
    let data = null;
    let exception = null;
    try {
      const got = await php.stream_socket_recvfrom(server, p.len, p.flags ?? 0, addr);
      data = got === false ? false : got.toString();
    } catch (error) {
      exception = exceptionText(error);
      addr.value = null;
    }
    return { data, addr: addr.value, warnings: await takeWarnings(), exception };
  },
  async sendto(server, p) {
    let result = null;
    let exception = null;
    try {
      result = php.stream_socket_sendto(server, p.data, p.flags ?? 0, p.target ?? '');
    } catch (error) {
      exception = exceptionText(error);
    }
    return { result, warnings: await takeWarnings(), exception };
  },
  async tls(server, p) {
    const input = { url: p.client_url.replace('{addr}', nameOrTarget(server)) };
    if (p.client_ssl && typeof p.client_ssl === 'object') input.ssl = p.client_ssl;
    if (p.client_hold !== undefined) input.hold = p.client_hold;
    if (p.client_io !== undefined && p.client_io !== null) input.io = Boolean(p.client_io);
    if (p.client_send !== undefined) input.send = String(p.client_send);
    const client = startTlsClient(input);
    // With a timed accept, wait for the connection first, as runner.php does. Otherwise accept at
    // once (PHP's 5 s wait plus its 5 s accept): the accept wakes when the connection arrives, so a
    // server that fails before its handshake (tls-missing-key-file) closes before the client's
    // hello is there, as PHP's does after its warm-up.
    if (p.accept_timeout !== undefined) await waitPending(server, client);
    const started = performance.now();
    const conn = await php.stream_socket_accept(server, p.accept_timeout ?? 10);
    const elapsed = (performance.now() - started) / 1000;
    const sres = { accept_ok: conn !== false, accept_warnings: await takeWarnings(), accept_exception: null };
    if (Array.isArray(p.accept_elapsed_between)) {
      const [lo, hi = Infinity] = p.accept_elapsed_between;
      sres.accept_elapsed_in_range = elapsed >= lo && elapsed <= hi;
    }
    if (conn !== false) {
      php.stream_set_timeout(conn, IO_TIMEOUT);
      let enabled = true;
      if (p.server_enable !== undefined) {
        for (const [k, v] of Object.entries(p.server_ssl ?? {})) php.stream_context_set_option(conn, 'ssl', k, v);
        let result = null;
        let exception = null;
        try {
          result = await php.stream_socket_enable_crypto(conn, true, p.server_enable);
        } catch (error) {
          exception = exceptionText(error);
        }
        Object.assign(sres, { enable_result: result, enable_warnings: await takeWarnings(), enable_exception: exception });
        enabled = result === true;
      }
      const meta = php.stream_get_meta_data(conn);
      sres.stream_type = meta.stream_type ?? null;
      sres.crypto = meta.crypto ?? null;
      if (enabled) {
        sres.read = await readCollect(conn, 4);
        php.stream_socket_sendto(conn, 'pong');
        sres.io_warnings = await takeWarnings();
      }
    }
    // The server's context, which its accepted streams share: what a refused peer left shows too.
    if (p.capture) sres.captured = tlsCaptured(php.stream_context_get_options(server).ssl ?? {});
    const cres = await client.done;
    if (conn !== false) php.fclose(conn);
    return { server: sres, client: cres };
  },
  async 'enable-crypto'(server, p) {
    let result = null;
    let exception = null;
    try {
      result =
        p.method === undefined || p.method === null
          ? await php.stream_socket_enable_crypto(server, p.enable ?? true)
          : await php.stream_socket_enable_crypto(server, p.enable ?? true, p.method);
    } catch (error) {
      exception = exceptionText(error);
    }
    return { result, warnings: await takeWarnings(), exception };
  },
  async 'set-timeout'(server, p) {
    const result = php.stream_set_timeout(server, Math.trunc(p.seconds ?? 0));
    return { result, warnings: await takeWarnings() };
  },
  // The I/O probe: io-probes.mjs.
  io: (server, p) =>
    ioProbe(server, p, {
      php,
      takeWarnings,
      exceptionText,
      target: clientTarget(server),
      scheme: /^([a-z0-9.+-]+):\/\//i.exec(c.url)?.[1].toLowerCase() ?? 'tcp',
    }),
  async close(server) {
    php.fclose(server);
    const target = unixTarget(c.url);
    return { file_exists_after_close: target !== undefined && existsSync(target.split('\0')[0]) };
  },
};

// ---- main -----------------------------------------------------------------
async function main() {
  if (c.kind === 'transports') return { transports: php.stream_get_transports() };
  if (c.kind === 'constants') {
    const constants = {};
    for (const name of c.names) if (name.startsWith('STREAM_') && name in php) constants[name] = php[name];
    return { constants };
  }
  if (c.default_context) php.stream_context_set_default(c.default_context);
  for (const step of c.setup ?? []) runSetup(step);

  const errno = php.ref(null);
  const errstr = php.ref(null);
  const args = [c.url, errno, errstr];
  if (c.flags !== undefined || c.context !== undefined) args.push(c.flags ?? 12);
  if (c.context !== undefined) args.push(Array.isArray(c.context) ? php.stream_context_create() : php.stream_context_create(c.context));
  const server = php.stream_socket_server(...args);
  for (const fd of exhausted) closeSync(fd);
  exhausted = [];
  const out = { ok: server !== false, errno: errno.value, errstr: errstr.value, warnings: await takeWarnings() };
  if (server !== false) {
    const { stream_type, mode, blocked, timed_out, eof } = php.stream_get_meta_data(server);
    out.server = {
      name: php.stream_socket_get_name(server, false),
      meta: { stream_type, mode, blocked, timed_out, eof },
      backlog: server.server?.listening ? (ssRow(server, unixTarget(c.url) !== undefined)?.sendQ ?? null) : null,
    };
  }
  const target = unixTarget(c.url);
  if (target !== undefined && target !== '' && !target.startsWith('\0')) out.file = fileInfo(target);
  if (server !== false && c.probes) {
    out.probes = [];
    for (const p of c.probes) {
      const run = probes[p.probe];
      out.probes.push(run ? { probe: p.probe, ...(await run(server, p)) } : { probe: p.probe, skipped: true });
    }
  }
  return out;
}

const result = await main();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
