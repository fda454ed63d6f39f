// The `io` probe on the facade side (PROTOCOL.md, "I/O probes"), imported by
// runner.mjs: the same two timelines as io-probes.php, here two async
// sequences in one process. The clients are node:net / node:tls /
// node:dgram sockets; the server's steps call the facade's functions
// (awaited) on the accepted connections or on the server stream.
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';

const SYNC_WAIT_MS = 10_000; // bound on waiting for the other side's mark or signal
const ACCEPT_TIMEOUT = 10; // accepting the probe's own clients
const CLIENT_READ_WAIT_MS = 5000; // bound on one client read
const SETTLE_MS = 30; // after a signal: what the client sent has been read by Node
const OP_GUARD_MS = 5000; // an op that has not settled by then is recorded as hanging (no case waits that long)
const OPS = new Set([
  'fread',
  'fwrite',
  'fputs',
  'fgets',
  'fgetc',
  'feof',
  'fflush',
  'fclose',
  'stream_get_line',
  'stream_get_contents',
  'stream_set_read_buffer',
  'stream_set_write_buffer',
  'stream_set_blocking',
  'stream_set_timeout',
  'stream_get_meta_data',
  'stream_socket_shutdown',
  'stream_select',
  'accept',
]);
const META_KEYS = ['timed_out', 'blocked', 'eof'];
const HANGS = `runner: no result within ${OP_GUARD_MS / 1000} s`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const turn = () => new Promise((resolve) => setImmediate(resolve));
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as JSON: the text when they are valid UTF-8, else {"bytes": [0..255, ...]}. */
export function enc(v) {
  if (Buffer.isBuffer(v)) {
    try {
      return utf8.decode(v);
    } catch {
      return { bytes: [...v] };
    }
  }
  if (Array.isArray(v)) return v.map(enc);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]));
  }
  return v === undefined ? null : v;
}

/** A case value as a JS value: {"bytes": [...]} and {"repeat": [text, n]} are Buffers, anything else itself. */
function dec(v) {
  const only = v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).join() : '';
  if (only === 'bytes') return Buffer.from(v.bytes);
  if (only === 'repeat') return Buffer.from(String(v.repeat[0]).repeat(v.repeat[1]));
  return v;
}

/** Named events one timeline posts and the other waits for (bounded). */
class Channel {
  seen = new Set();
  waiters = [];
  error = null;
  post(name) {
    this.seen.add(name);
    for (const w of this.waiters.filter((x) => x.name === name)) w.resolve(true);
  }
  wait(name) {
    if (this.seen.has(name)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.error ??= `no '${name}' from the other side`;
        resolve(false);
      }, SYNC_WAIT_MS);
      this.waiters.push({ name, resolve: (v) => (clearTimeout(timer), resolve(v)) });
    });
  }
}

/** The call's result, or HANGS if it has not settled within OP_GUARD_MS. */
async function guarded(call) {
  let timer;
  const guard = new Promise((resolve) => (timer = setTimeout(resolve, OP_GUARD_MS, HANGS)));
  try {
    return await Promise.race([call, guard]);
  } finally {
    clearTimeout(timer);
  }
}

// ---- the clients ------------------------------------------------------------
/** A connected client of the server's kind, or null. Received bytes (or datagrams) are collected as they come. */
async function connect(kind, target) {
  const client = { kind, socket: null, buf: Buffer.alloc(0), ended: false };
  try {
    if (kind === 'udp') {
      const socket = dgram.createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
      await new Promise((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(target.port, target.host, resolve);
      });
      socket.on('message', (m) => (client.buf = Buffer.concat([client.buf, m])));
      client.socket = socket;
      return client;
    }
    const socket =
      kind === 'tls' ? tls.connect({ ...target, rejectUnauthorized: false }) : net.connect(target.path ? { path: target.path } : target);
    await new Promise((resolve, reject) => {
      socket.once('error', reject).once(kind === 'tls' ? 'secureConnect' : 'connect', resolve);
    });
    socket.on('error', () => {});
    socket.on('data', (d) => (client.buf = Buffer.concat([client.buf, d])));
    socket.on('end', () => (client.ended = true));
    client.socket = socket;
    return client;
  } catch {
    return null;
  }
}

function send(client, data) {
  return new Promise((resolve) => {
    if (client.kind === 'udp') client.socket.send(data, () => resolve());
    else if (data.length === 0) resolve();
    else client.socket.write(data, () => resolve());
  });
}

/** Up to `n` bytes (or "all": to the end of the stream); `eof`: it stopped at the end before `n`. */
async function clientRead(client, n) {
  const want = n === 'all' ? Infinity : Number(n);
  const deadline = Date.now() + CLIENT_READ_WAIT_MS;
  while (client.buf.length < want && !client.ended && Date.now() < deadline) await sleep(5);
  const got = client.buf.subarray(0, Math.min(want, client.buf.length));
  client.buf = client.buf.subarray(got.length);
  return { read: Buffer.from(got), eof: got.length < want && client.ended };
}

/** A plain close (FIN, after a TLS close_notify) or, with `reset`, an RST. */
async function close(client, reset) {
  const socket = client.socket;
  if (client.kind === 'udp') return socket.close();
  if (reset) return socket.resetAndDestroy();
  if (!socket.writableFinished && !socket.destroyed) await new Promise((resolve) => socket.end(resolve));
  socket.destroy();
}

async function clientSide(p, n, kind, target, marks, signals) {
  const clients = [];
  const out = [];
  const open = async (i) => {
    clients[i] = await connect(kind, target);
    if (clients[i] === null) out.push({ c: i, connect: false });
  };
  for (let i = 0; i < n; i++) await open(i);
  for (const step of p.client ?? []) {
    const i = step.c ?? 0;
    const client = clients[i];
    if (step.connect) await open(i);
    else if (step.signal !== undefined) signals.post(step.signal);
    else if (step.wait !== undefined) await marks.wait(step.wait);
    else if (step.sleep !== undefined) await sleep(step.sleep);
    else if (!client || client.closed) continue;
    else if (step.send !== undefined) {
      const data = dec(step.send);
      await send(client, Buffer.isBuffer(data) ? data : Buffer.from(String(data)));
    } else if (step.shutdown) await new Promise((resolve) => client.socket.end(resolve));
    else if (step.close || step.reset) {
      client.closed = true;
      await close(client, Boolean(step.reset));
    } else if (step.read !== undefined) {
      const got = await clientRead(client, step.read);
      out.push({ c: i, ...(step.length ? { length: got.read.length } : { read: enc(got.read) }), eof: got.eof });
    }
  }
  await marks.wait('end');
  for (const client of clients) if (client && !client.closed) await close(client, false);
  return out;
}

// ---- the server's steps -------------------------------------------------------
export async function ioProbe(server, p, { php, takeWarnings, exceptionText, target, scheme }) {
  const kind = /^(udp|udg)$/.test(scheme) ? 'udp' : /^(ssl|tls|tlsv1\.[0-3])$/.test(scheme) ? 'tls' : 'stream';
  const dgramServer = kind === 'udp';
  const n = p.clients ?? 1;
  const marks = new Channel();
  const signals = new Channel();
  const conns = [];
  const resolveTarget = (t) => {
    if (t !== null && typeof t === 'object' && 'value' in t) return dec(t.value);
    return t === 'server' ? server : (conns[Number(t)] ?? null);
  };
  const nameOf = (v) => (v === server ? 'server' : conns.includes(v) ? conns.indexOf(v) : enc(v));

  const setOf = (pairs) => {
    if (pairs === null || pairs === undefined) return null;
    if (pairs.every(([key]) => key === null)) return pairs.map(([, t]) => resolveTarget(t));
    const set = new Map();
    let next = 0;
    for (const [key, t] of pairs) {
      const k = key ?? next;
      if (typeof k === 'number' && k >= next) next = k + 1;
      set.set(k, resolveTarget(t));
    }
    return set;
  };
  const pairsOf = (set) => {
    if (set === null || set === undefined) return null;
    const entries = set instanceof Map ? [...set.entries()] : Object.entries(set);
    return entries.map(([k, v]) => [typeof k === 'string' && /^(0|-?[1-9]\d*)$/.test(k) ? Number(k) : k, nameOf(v)]);
  };

  async function select(step) {
    const sets = ['read', 'write', 'except'].map((k) => php.ref(setOf(step[k])));
    let result = null;
    let exception = null;
    try {
      result = await guarded(php.stream_select(...sets, ...(step.args ?? [0])));
    } catch (error) {
      exception = exceptionText(error);
    }
    const [read, write, except] = sets.map((s) => pairsOf(s.value));
    return { op: 'stream_select', result, warnings: await takeWarnings(), exception, read, write, except };
  }

  async function op(step) {
    const name = step.op;
    if (!OPS.has(name)) return { op: name, runner_error: 'unknown op' };
    if (name === 'stream_select') return select(step);
    let result = null;
    let exception = null;
    try {
      if (name === 'accept') {
        const conn = await php.stream_socket_accept(server, ACCEPT_TIMEOUT);
        if (conn !== false) conns.push(conn);
        result = conn !== false;
      } else {
        result = await guarded(php[name](resolveTarget(step.on ?? (dgramServer ? 'server' : 0)), ...(step.args ?? []).map(dec)));
      }
    } catch (error) {
      exception = exceptionText(error);
    }
    if (name === 'stream_get_meta_data' && result !== null && typeof result === 'object') {
      result = Object.fromEntries((step.keys ?? META_KEYS).map((k) => [k, result[k] ?? null]));
    }
    return { op: name, result: enc(result), warnings: await takeWarnings(), exception };
  }

  async function serverSide() {
    let accepted = 0;
    if (!dgramServer && p.accept !== false) {
      for (let i = 0; i < n; i++) {
        const conn = await php.stream_socket_accept(server, ACCEPT_TIMEOUT);
        await takeWarnings();
        if (conn !== false) {
          conns.push(conn);
          accepted++;
        }
      }
    }
    const out = [];
    for (const step of p.server ?? []) {
      if (step.mark !== undefined) marks.post(step.mark);
      else if (step.wait !== undefined) {
        await signals.wait(step.wait);
        await sleep(SETTLE_MS);
        await turn();
        await turn();
      } else if (step.sleep !== undefined) await sleep(step.sleep);
      else out.push(await op(step));
    }
    for (const conn of conns) {
      try {
        php.fclose(conn);
      } catch {
        // closed by a step already
      }
    }
    await takeWarnings();
    marks.post('end');
    return { accepted, out };
  }

  const [{ accepted, out }, client] = await Promise.all([serverSide(), clientSide(p, n, kind, target, marks, signals)]);
  const res = { accepted, server: out, client };
  const error = marks.error ?? signals.error;
  if (error !== null) res.runner_error = error;
  return res;
}
