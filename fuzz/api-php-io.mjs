// The API fuzzer's operations on the facade's stream I/O: fread, fgets,
// fgetc, stream_get_line, stream_get_contents, fwrite/fputs, feof, fflush,
// the buffer settings and stream_select, with good and bad arguments, on the
// server stream, its connections and things that are not streams. PHP's
// answers (false, "", a warning) are results; a throw may only be PHP's
// TypeError or ValueError, and nothing may hang past fclose().
import { invoke } from './api-waits.mjs';
import { show } from './api-grammar.mjs';

const LENGTHS = [1, 2, 1024, 8192, 65536, 0, -1, NaN, 2 ** 31, null, undefined, '4'];
const DATA = [
  'ping\n',
  '',
  'x'.repeat(70_000),
  Buffer.from([0, 255, 10]),
  new DataView(new ArrayBuffer(5)),
  new Uint32Array(3),
  42,
  null,
  {},
];

function pickStream(rng, world, entry) {
  const conns = [...world.conns];
  const roll = rng.int(0, 9);
  if (roll === 0) return ['garbage', rng.pick([null, undefined, 0, 'stream', {}])];
  return conns.length > 0 && roll > 4 ? ['conn', rng.pick(conns)] : ['server', entry.server];
}

/**
 * A call whose result is data, not something to close: the world adopts a
 * resolved number as a raw fd (acceptFds), and fwrite()'s 3 bytes written is
 * not fd 3. The rejection is still checked.
 */
function dataOf(promise) {
  return promise.then(() => undefined);
}

/** One stream I/O call; reads and selects are tracked promises (a blocking read may wait until fclose()). */
export function phpIoOp(rng, world, entry, php) {
  const op = rng.pick([
    'fread',
    'fgets',
    'fgetc',
    'stream_get_line',
    'stream_get_contents',
    'fwrite',
    'fputs',
    'feof',
    'fflush',
    'buffers',
    'select',
    'blocking',
  ]);
  const where = `php.${op}`;
  const [which, stream] = pickStream(rng, world, entry);
  const length = rng.pick(LENGTHS);
  world.note(`${op}(${which}, ${show(length)})`);
  const run = (fn, bound = null) => world.track(where, dataOf(invoke(world, where, fn)), bound);
  switch (op) {
    case 'fread':
      return run(() => php.fread(stream, length));
    case 'fgets':
      return run(() => php.fgets(stream, length ?? null));
    case 'fgetc':
      return run(() => php.fgetc(stream));
    case 'stream_get_line':
      return run(() => php.stream_get_line(stream, length, rng.pick(['', '\n', '\r\n', 'zz'])));
    case 'stream_get_contents':
      return run(() => php.stream_get_contents(stream, rng.pick([null, -1, 0, 5, -2]), rng.pick([-1, 0, 3])));
    case 'fwrite':
    case 'fputs': {
      const data = rng.pick(DATA);
      return run(() => php[op](stream, data, rng.pick([null, null, 0, 2, -1])));
    }
    case 'feof':
      return world.call(where, () => php.feof(stream));
    case 'fflush':
      return world.call(where, () => php.fflush(stream));
    case 'buffers':
      return world.call(where, () => [php.stream_set_read_buffer(stream, 8192), php.stream_set_write_buffer(stream, 0)]);
    case 'blocking':
      return world.call(where, () => php.stream_set_blocking(stream, rng.chance(0.5)));
    default: {
      const set = () =>
        rng.chance(0.3) ? null : rng.pick([[stream], [entry.server, ...world.conns], { a: stream }, new Map([[1, stream]]), [], [5]]);
      const [read, write, except] = [php.ref(set()), php.ref(set()), php.ref(rng.chance(0.8) ? null : set())];
      const seconds = rng.pick([0, 0, 0.05, null, -1, 1]);
      const micro = rng.pick([0, 1000, -5]);
      world.note(`stream_select(${show(seconds)}, ${show(micro)})`);
      // seconds null waits until something is ready: left to fclose() of the streams.
      const bound = typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 + 500 : null;
      return run(() => php.stream_select(read, write, except, seconds, micro), bound);
    }
  }
}
