// Operations of the API fuzzer on the PHP facade (stream-socket-server/php):
// stream_socket_server() with a context, then accept, recvfrom, sendto,
// get_name, shutdown, enable_crypto, set_timeout, the stream I/O of
// api-php-io.mjs and fclose at random, on the
// server stream and on the connections it accepted. PHP's answers (false and
// a warning) are results; a throw may only be PHP's TypeError or ValueError.
import { clientAt } from './api-clients.mjs';
import { invoke } from './api-waits.mjs';
import { phpIoOp } from './api-php-io.mjs';
import { phpContext, serverUrl, show } from './api-grammar.mjs';

const FLAGS = [12, 12, 12, 4, 8, 0, 255, -1, 1.5, '12'];

/** Opens a facade server stream; an entry for the world, or null (PHP's false). */
export function openPhp(rng, world, php) {
  const url = serverUrl(rng, world);
  const flags = rng.pick(FLAGS);
  const options = rng.chance(0.8) ? phpContext(rng, world) : undefined;
  world.note(`stream_socket_server(${show(url)}, flags ${show(flags)}, context ${show(options)})`);
  const [made, context] =
    options === undefined ? [true, undefined] : world.call('stream_context_create', () => php.stream_context_create(options));
  if (!made) return null;
  const errno = php.ref(0);
  const errstr = php.ref('');
  const [ok, stream] = world.call('stream_socket_server', () => php.stream_socket_server(url, errno, errstr, flags, context));
  if (!ok || stream === false) return null;
  const core = stream.server;
  const speaks = /^(tls|ssl)/.test(url) ? 'tls' : url.startsWith('udp') ? 'udp' : url.startsWith('udg') ? 'udg' : 'stream';
  if (core?.address?.port) world.lastPort = core.address.port;
  const entry = { kind: 'php', speaks, server: stream, url, api: 'php' };
  world.servers.push(entry);
  return entry;
}

export function closePhp(entry, php) {
  try {
    php.fclose(entry.server);
  } catch {} // closed already: PHP's TypeError
}

/** PHP's timeout in seconds, and the bound in ms within which the accept must answer (null: until fclose). */
function acceptTimeout(rng) {
  const timeout = rng.chance(0.7)
    ? rng.pick([0, 0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.1, 0.3, '0.01'])
    : rng.pick([-1, null, undefined, NaN, 'abc', 1e10]);
  const seconds = typeof timeout === 'string' ? Number(timeout) : timeout;
  const bound = typeof seconds === 'number' && seconds >= 0 && seconds <= 10 ? seconds * 1000 : null;
  return { timeout, bound };
}

/** A stream to act on: the server stream itself, or one of its accepted connections. */
function someStream(rng, world, entry) {
  const conns = [...world.conns];
  return conns.length > 0 && rng.chance(0.5) ? ['conn', rng.pick(conns)] : ['server', entry.server];
}

export function phpOp(rng, world, entry, php, lib) {
  const op = rng.weighted([
    [6, 'client'],
    [5, 'accept'],
    [3, 'recvfrom'],
    [3, 'sendto'],
    [1, 'get_name'],
    [1, 'shutdown'],
    [1, 'enable_crypto'],
    [1, 'set_timeout'],
    [1, 'meta'],
    [1, 'context'],
    [1, 'fclose'],
    [6, 'io'],
  ]);
  if (op === 'io') return phpIoOp(rng, world, entry, php);
  const where = `php.${op}`;
  switch (op) {
    case 'client':
      return world.note(clientAt(rng, world, entry, lib.openServer) ?? 'no address for a client');
    case 'accept': {
      const { timeout, bound: ms } = acceptTimeout(rng);
      // ssl:// and tls*://: the handshake after the accept is bounded by the stream's read timeout (60 s by
      // default, none when 0), not by the accept's: left to fclose().
      const bound = entry.server.cryptoMethod === null || entry.server.cryptoMethod === undefined ? ms : null;
      const peer = rng.chance(0.5) ? php.ref('') : rng.pick([undefined, null, 'not a ref']);
      world.note(`stream_socket_accept(server, ${show(timeout)}, ${show(peer)})`);
      return world.track(
        where,
        invoke(world, where, () => php.stream_socket_accept(entry.server, timeout, peer)),
        bound === null ? null : bound + 500,
      );
    }
    case 'recvfrom': {
      const [which, stream] = someStream(rng, world, entry);
      const length = rng.pick([1, 1024, 65535, 0, -1, NaN, 2 ** 31]);
      const flags = rng.pick([0, 0, php.STREAM_PEEK, php.STREAM_OOB, 3, 99]);
      world.note(`stream_socket_recvfrom(${which}, ${show(length)}, ${flags})`);
      return world.track(
        where,
        invoke(world, where, () => php.stream_socket_recvfrom(stream, length, flags, php.ref(null))),
        null,
      );
    }
    case 'sendto': {
      const [which, stream] = someStream(rng, world, entry);
      const data = rng.pick(['hello\n', '', Buffer.from('bytes'), new DataView(new ArrayBuffer(3)), new Float64Array(1), 42, null, {}]);
      const address = rng.pick(['', '', `127.0.0.1:${world.lastPort ?? 9}`, '[::1]:9', 'garbage', '127.0.0.1', ':9', 5]);
      const flags = rng.pick([0, 0, php.STREAM_OOB, 7, -1]);
      world.note(`stream_socket_sendto(${which}, ${show(data)}, ${flags}, ${show(address)})`);
      return world.call(where, () => php.stream_socket_sendto(stream, data, flags, address));
    }
    case 'get_name': {
      const [which, stream] = someStream(rng, world, entry);
      const remote = rng.pick([true, false, 1, 'x']);
      world.note(`stream_socket_get_name(${which}, ${show(remote)})`);
      return world.call(where, () => php.stream_socket_get_name(stream, remote));
    }
    case 'shutdown': {
      const [which, stream] = someStream(rng, world, entry);
      const mode = rng.pick([0, 1, 2, 3, -1, '1']);
      world.note(`stream_socket_shutdown(${which}, ${show(mode)})`);
      return world.call(where, () => php.stream_socket_shutdown(stream, mode));
    }
    case 'enable_crypto': {
      const [which, stream] = someStream(rng, world, entry);
      const enable = rng.pick([true, true, false, 1]);
      const method = rng.pick([undefined, null, php.STREAM_CRYPTO_METHOD_TLS_SERVER, php.STREAM_CRYPTO_METHOD_TLS_CLIENT, 0, -1, 'x']);
      world.note(`stream_socket_enable_crypto(${which}, ${show(enable)}, ${show(method)})`);
      return world.track(
        where,
        invoke(world, where, () => php.stream_socket_enable_crypto(stream, enable, method)),
        null,
      );
    }
    case 'set_timeout': {
      const [which, stream] = someStream(rng, world, entry);
      const [seconds, micro] = [rng.pick([0, 1, -1, 1.5, 'x']), rng.pick([0, 100_000, -1])];
      world.note(`stream_set_timeout(${which}, ${show(seconds)}, ${show(micro)})`);
      return world.call(where, () => php.stream_set_timeout(stream, seconds, micro));
    }
    case 'meta': {
      const [which, stream] = someStream(rng, world, entry);
      world.note(`stream_get_meta_data(${which}) + stream_set_blocking`);
      return world.call(where, () => [php.stream_get_meta_data(stream), php.stream_set_blocking(stream, rng.chance(0.5))]);
    }
    case 'context': {
      const options = phpContext(rng, world);
      world.note(`stream_context_set_option / get_options(${show(options)})`);
      return world.call(where, () => php.stream_context_get_options(php.stream_context_create(options)));
    }
    default: {
      const [which, stream] = someStream(rng, world, entry);
      world.note(`fclose(${which})`);
      return world.call(where, () => php.fclose(stream));
    }
  }
}
