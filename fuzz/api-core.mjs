// Operations of the API fuzzer on the core API (stream-socket-server):
// openServer() from the grammar, then random calls on a StreamServer, its
// accepted connections and real clients (TlsServer and DatagramServer:
// api-tls-dgram.mjs).
import http from 'node:http';
import net from 'node:net';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { clientAt } from './api-clients.mjs';
import { tlsOp, dgramOp } from './api-tls-dgram.mjs';
import { coreOptions, serverUrl, show, tlsOptions } from './api-grammar.mjs';
import { invoke, wait } from './api-waits.mjs';

/** Opens a core server from the grammar; an entry for the world, or null. */
export function openCore(rng, world, lib) {
  const url = serverUrl(rng, world);
  const options = coreOptions(rng, world);
  if (/^(tls|ssl)/.test(url) && rng.chance(0.9) && options && typeof options === 'object') options.tls ??= tlsOptions(rng, world);
  world.note(`openServer(${show(url)}, ${show(options)})`);
  const [ok, server] = world.call('openServer', () => lib.openServer(url, options));
  if (!ok) return null;
  const kind = server instanceof lib.TlsServer ? 'tls' : server instanceof lib.DatagramServer ? 'dgram' : 'stream';
  const speaks = kind === 'dgram' ? (url.startsWith('udg') ? 'udg' : 'udp') : kind;
  const core = kind === 'tls' ? server.tcp : server;
  const address = core.address;
  if (address.family === 'unix' && !address.path.startsWith('@') && address.path !== '') {
    // This very file (a relative path is relative to the cwd): a PHP server may make another at the same path later.
    const file = resolve(address.path);
    try {
      world.coreFiles.add(`${file}\0${statSync(file).ino}`);
    } catch {}
    world.lastPath = address.path;
  } else if (address.port) world.lastPort = address.port;
  if (kind === 'tls' && rng.chance(0.9)) server.on('tlsClientError', () => {});
  const entry = { kind, speaks, server, url, api: 'core' };
  world.servers.push(entry);
  return entry;
}

export function closeCore(entry) {
  try {
    entry.server.close();
  } catch {}
}

function handOffTarget(rng, world) {
  const which = rng.pick(['net', 'http', 'listening', 'closed', 'object', 'null']);
  if (which === 'object' || which === 'null') return [which, which === 'null' ? null : { listen() {} }];
  const target = which === 'http' ? http.createServer() : net.createServer();
  target.on('error', () => {});
  // A net.Server's connections are ours to close (a listener-less one would throw on a reset).
  target.on('connection', (socket) => socket.on('error', () => {}).destroy());
  world.netServers.add(target);
  if (which === 'listening') target.listen(0, '127.0.0.1');
  if (which === 'closed') target.close(() => {});
  return [which, target];
}

function streamOp(rng, world, entry, lib) {
  const s = entry.server;
  const op = rng.weighted([
    [6, 'client'],
    [4, 'accept'],
    [2, 'acceptFd'],
    [2, 'acceptFds'],
    [2, 'next'],
    [1, 'return'],
    [1, 'forAwait'],
    [1, 'overflows'],
    [1, 'listen'],
    [2, 'inspect'],
    [1, 'sockopt'],
    [1, 'shutdown'],
    [1, 'handOff'],
    [1, 'offerHandover'],
    [1, 'drain'],
    [1, 'ref'],
    [1, 'close'],
    [2, 'conn'],
  ]);
  switch (op) {
    case 'client':
      return world.note(clientAt(rng, world, entry, lib.openServer) ?? 'no address for a client');
    case 'accept':
      return wait(world, entry, rng, 'accept', (o) => s.accept(o));
    case 'acceptFd':
      return wait(world, entry, rng, 'acceptFd', (o) => s.acceptFd(o));
    case 'acceptFds': {
      const max = rng.pick([1, 8, 64, 0, 65, 1.5, '4']);
      return wait(world, entry, rng, `acceptFds[${max}]`, (o) => s.acceptFds(max, o));
    }
    case 'next':
    case 'return': {
      const it = (entry.iterator ??= s[Symbol.asyncIterator]());
      world.note(`${entry.kind}.iterator.${op}()`);
      return world.track(
        `${entry.kind}.iterator.${op}`,
        invoke(world, `iterator.${op}`, () => it[op]()),
        op === 'return' ? 0 : null,
      );
    }
    case 'forAwait': {
      const k = rng.range(1, 3);
      world.note(`for await (conn of ${entry.kind}) … break after ${k}`);
      const loop = async () => {
        let n = 0;
        for await (const conn of s) {
          world.adopt(conn);
          if (++n >= k) break;
        }
      };
      return world.track(`${entry.kind} for-await`, loop(), null);
    }
    case 'overflows': {
      const interval = rng.pick([1, 10, 50, 0, -1, 'x']);
      const ms = rng.pick([5, 20, 20, 200]);
      const signal = AbortSignal.timeout(ms);
      world.note(`${entry.kind}.overflows({ interval: ${show(interval)} }).next()`);
      return world.track(
        'overflows.next',
        invoke(world, 'overflows', () => s.overflows({ interval, signal }).next()),
        ms,
        [(e) => e === signal.reason],
      );
    }
    case 'listen': {
      const backlog = rng.pick([undefined, 0, 1, 128, 4096, 2 ** 31 - 1, -1, 1.5, '8', 2 ** 31]);
      world.note(`${entry.kind}.listen(${show(backlog)})`);
      return world.call(`${entry.kind}.listen`, () => s.listen(backlog));
    }
    case 'inspect': {
      const what = rng.pick(['queue', 'stats', 'getOption', 'name', 'address', 'fd']);
      const option = rng.pick([
        'keepAlive',
        'noDelay',
        'reuseAddr',
        'reusePort',
        'backlog',
        'deferAccept',
        'reusePortCpuSteering',
        'nope',
        7,
      ]);
      world.note(`${entry.kind}.${what}${what === 'getOption' ? `(${show(option)})` : ''}`);
      return world.call(`${entry.kind}.${what}`, () =>
        what === 'getOption' ? s.getOption(option) : typeof s[what] === 'function' ? s[what]() : s[what],
      );
    }
    case 'sockopt': {
      const C = lib.constants;
      const [level, name, value] = [
        rng.pick([C.SOL_SOCKET, C.IPPROTO_TCP, -1, 1.5]),
        rng.pick([C.SO_KEEPALIVE, C.TCP_NODELAY, C.SO_RCVBUF, 999]),
        rng.pick([0, 1, -1, 'x']),
      ];
      world.note(`${entry.kind}.setsockopt(${level}, ${name}, ${show(value)})`);
      return world.call(`${entry.kind}.setsockopt`, () => (rng.chance(0.5) ? s.setsockopt(level, name, value) : s.getsockopt(level, name)));
    }
    case 'shutdown': {
      const how = rng.pick([0, 1, 2, 3, -1]);
      world.note(`${entry.kind}.shutdown(${how})`);
      return world.call(`${entry.kind}.shutdown`, () => s.shutdown(how));
    }
    case 'handOff': {
      const [which, target] = handOffTarget(rng, world);
      world.note(`${entry.kind}.handOff(${which})`);
      const handed = world.track(
        `${entry.kind}.handOff(${which})`,
        invoke(world, `handOff(${which})`, () => s.handOff(target)),
        100, // node:net's 'listening' tick
      );
      // The target is the caller's server: its own 'error' listener must still be there afterwards.
      return handed.then((value) => {
        if (value === target && target.listenerCount('error') === 0)
          world.finding('lost-listener', 'handOff', "the target's own 'error' listeners are gone");
      });
    }
    case 'offerHandover': {
      // Nobody takes it here: it must wait without harm, be withdrawn by its signal or by close(), and leave no socket file.
      const path = rng.pick([
        `${world.dir}/h${world.serial++}.sock`,
        `@sss-fuzz-${process.pid}-${world.serial++}`,
        '',
        42,
        `${world.dir}/${'h'.repeat(120)}`,
      ]);
      const options = rng.pick([
        undefined,
        { timeout: 5 },
        { signal: AbortSignal.timeout(rng.pick([0, 5, 20])) },
        { allowUids: [] },
        { allowUids: ['x'] },
        { bogus: 1 },
      ]);
      world.note(`${entry.kind}.offerHandover(${show(path)}, ${show(options)})`);
      const aborted = (error) => error?.name === 'TimeoutError' || error?.name === 'AbortError';
      const offered = invoke(world, 'offerHandover', () => s.offerHandover(path, options));
      if (typeof path === 'string' && path.startsWith(world.dir)) {
        try {
          world.coreFiles.add(`${path}\0${statSync(path).ino}`); // the offer's socket: gone once the offer ends
        } catch {}
      }
      return world.track(`${entry.kind}.offerHandover`, offered, null, [aborted]);
    }
    case 'drain': {
      const timeout = rng.pick([0, 1, 10, 50, -1, 1.5, 'x']);
      world.note(`${entry.kind}.drain({ timeout: ${show(timeout)} })`);
      return world.track(
        `${entry.kind}.drain`,
        invoke(world, 'drain', () => s.drain({ timeout })),
        100,
      );
    }
    case 'ref':
      world.note(`${entry.kind}.ref/unref`);
      return world.call(`${entry.kind}.ref`, () => (rng.chance(0.5) ? s.ref() : s.unref()));
    case 'close':
      world.note(`${entry.kind}.close()`);
      return world.call(`${entry.kind}.close`, () => s.close());
    default:
      return connOp(rng, world, lib);
  }
}

/**
 * startTls() rejects with node:tls's own error for a TLS failure (docs/api.md): OpenSSL's (its
 * `library` and `reason`, code ERR_SSL_*) or node:tls's (ERR_TLS_*).
 */
const tlsFailure = (e) => e instanceof Error && (typeof e.library === 'string' || /^ERR_(SSL|TLS)_/.test(String(e.code)));

/** Something done to an accepted connection: write, end, destroy, or STARTTLS on it. */
function connOp(rng, world, lib) {
  const conns = [...world.conns];
  if (conns.length === 0) return world.note('no connection yet');
  const conn = rng.pick(conns);
  const what = rng.pick(['write', 'end', 'destroy', 'startTls', 'read']);
  world.note(`conn.${what}`);
  if (what === 'startTls') {
    const options = tlsOptions(rng, world);
    return world.track(
      'startTls',
      invoke(world, 'startTls', () => lib.startTls(conn, options)),
      (options.handshakeTimeout > 0 ? options.handshakeTimeout : 10_000) + 1000,
      [tlsFailure],
    );
  }
  return world.call(`conn.${what}`, () => (what === 'read' ? conn.resume() : what === 'write' ? conn.write('data\n') : conn[what]()));
}

/** One random operation on a core server entry. */
export function coreOp(rng, world, entry, lib) {
  if (entry.kind === 'tls') return tlsOp(rng, world, entry, lib);
  if (entry.kind === 'dgram') return dgramOp(rng, world, entry, lib);
  return streamOp(rng, world, entry, lib);
}
