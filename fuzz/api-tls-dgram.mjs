// Operations of the API fuzzer on a core TlsServer and DatagramServer.
import { clientAt } from './api-clients.mjs';
import { show } from './api-grammar.mjs';
import { invoke, wait } from './api-waits.mjs';

export function tlsOp(rng, world, entry, lib) {
  const s = entry.server;
  const op = rng.weighted([
    [6, 'client'],
    [4, 'accept'],
    [2, 'next'],
    [1, 'inspect'],
    [1, 'close'],
  ]);
  if (op === 'client') return world.note(clientAt(rng, world, entry, lib.openServer) ?? 'no address for a client');
  if (op === 'accept') return wait(world, entry, rng, 'accept', (o) => s.accept(o));
  if (op === 'next') {
    world.note('tls.iterator.next()');
    return world.track(
      'tls.iterator.next',
      invoke(world, 'tls.iterator.next', () => s[Symbol.asyncIterator]().next()),
      null,
    );
  }
  world.note(`tls.${op}`);
  return world.call(`tls.${op}`, () => (op === 'close' ? s.close() : [s.stats(), s.tcp.queue(), s.name]));
}

export function dgramOp(rng, world, entry, lib) {
  const s = entry.server;
  const op = rng.weighted([
    [6, 'client'],
    [4, 'recvfrom'],
    [3, 'sendto'],
    [2, 'messages'],
    [1, 'batches'],
    [1, 'waitReadable'],
    [1, 'inspect'],
    [1, 'ref'],
    [1, 'close'],
  ]);
  switch (op) {
    case 'client':
      return world.note(clientAt(rng, world, entry, lib.openServer) ?? 'no address for a client');
    case 'recvfrom': {
      const max = rng.pick([undefined, 1, 1500, 65535, 0, -1, 2 ** 31, NaN]);
      const extra = { peek: rng.chance(0.2), oob: rng.chance(0.1) };
      return wait(world, entry, rng, `recvfrom[${show(max)}]`, (o) => s.recvfrom(max, { ...o, ...extra }));
    }
    case 'sendto': {
      const data = rng.pick([
        Buffer.from('x'),
        'text',
        '',
        new DataView(new ArrayBuffer(4)),
        new Uint16Array(2),
        Buffer.alloc(70_000),
        5,
        null,
      ]);
      const to = rng.pick([
        s.name,
        `127.0.0.1:${world.lastPort ?? 9}`,
        '[::1]:70000',
        { address: '127.0.0.1', port: 9 },
        { path: `${world.dir}/none` },
        'garbage',
        '',
        7,
      ]);
      const flags = rng.pick([0, 0, 1, -1, 1.5]);
      world.note(`dgram.sendto(${show(data)}, ${show(to)}, ${flags})`);
      return world.call('dgram.sendto', () => s.sendto(data, to, flags));
    }
    case 'messages':
    case 'batches': {
      const options = rng.pick([{}, { batch: 1 }, { batch: 64, maxLength: 100 }, { batch: 0 }, { maxLength: -1 }]);
      const it = rng.chance(0.5) ? s[op](options) : s[Symbol.asyncIterator]();
      world.note(`dgram.${op}(${show(options)}).next()`);
      return world.track(
        `dgram.${op}.next`,
        invoke(world, `dgram.${op}`, () => (rng.chance(0.2) ? it.return() : it.next())),
        null,
      );
    }
    case 'waitReadable': {
      const ms = rng.pick([1, 20, 20, 100]);
      world.note(`dgram.waitReadable(${ms} ms)`);
      return world.track(
        'dgram.waitReadable',
        invoke(world, 'waitReadable', () => s.waitReadable(AbortSignal.timeout(ms))),
        ms,
        [(e) => e?.name === 'TimeoutError'],
      );
    }
    case 'inspect':
      world.note('dgram.stats/name/address');
      return world.call('dgram.inspect', () => [s.stats(), s.name, s.address, s.port, s.fd]);
    case 'ref':
      world.note('dgram.ref/unref');
      return world.call('dgram.ref', () => (rng.chance(0.5) ? s.ref() : s.unref()));
    default:
      world.note('dgram.close()');
      return world.call('dgram.close', () => s.close());
  }
}
