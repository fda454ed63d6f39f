// Real loopback peers for the API fuzzer: TCP and unix stream clients that
// send, end, reset or sit silent; TLS clients that handshake, or send
// garbage, or nothing; UDP datagrams of every size; unix datagrams from a
// second (core) datagram server. Their own errors are theirs: ignored.
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';

/** Where a server listens, for a client: { host, port } or { path }; null if it cannot be reached. */
export function targetOf(entry) {
  const core = entry.kind === 'php' ? entry.server?.server : entry.kind === 'tls' ? entry.server?.tcp : entry.server;
  let address;
  try {
    address = core?.address;
  } catch {
    return null;
  }
  if (!address) return null;
  if (address.family === 'unix') {
    if (typeof address.path !== 'string' || address.path === '') return null;
    return { path: address.path.startsWith('@') ? `\0${address.path.slice(1)}` : address.path };
  }
  return { host: address.address, port: address.port, family: address.family };
}

/** A PROXY header (v1, v2, LOCAL, cut short or broken) for servers with proxyProtocol; nothing most of the time. */
function proxyHeader(rng) {
  const v2 = (cmd, fam, body) =>
    Buffer.concat([Buffer.from('0d0a0d0a000d0a515549540a', 'hex'), Buffer.from([cmd, fam, body.length >> 8, body.length & 0xff]), body]);
  const inet = Buffer.from([10, rng.int(256), rng.int(256), rng.int(256), 192, 0, 2, 1, rng.int(256), rng.int(256), 0, 80]);
  return rng.weighted([
    [6, Buffer.alloc(0)],
    [2, Buffer.from(`PROXY TCP4 10.${rng.int(256)}.0.${rng.int(256)} 192.0.2.1 ${rng.int(65536)} 80\r\n`)],
    [2, v2(0x21, 0x11, inet)],
    [1, v2(0x20, 0x00, Buffer.alloc(0))],
    [1, Buffer.from('PROXY TCP4 1.2.3')],
    [1, v2(0x21, 0x11, inet).subarray(0, rng.int(28))],
    [1, Buffer.from('PROXY UNKNOWN\r\n')],
  ]);
}

function payload(rng) {
  return Buffer.concat([proxyHeader(rng), Buffer.alloc(rng.pick([0, 1, 17, 1500, 70_000]), 0x61 + rng.int(26))]);
}

function streamClient(rng, world, target) {
  const socket = net.connect(target.path ? { path: target.path } : { host: target.host, port: target.port });
  socket.on('error', () => {});
  socket.on('data', () => {});
  world.clients.add(socket);
  // resetAndDestroy() (an RST) exists for TCP only: node:net throws on a unix socket.
  const then = rng.pick(['write', 'write-end', 'end', 'destroy', target.path ? 'destroy' : 'reset', 'silent']);
  const data = then === 'write' || then === 'write-end' ? payload(rng) : null; // drawn now: the draws do not depend on timing
  socket.once('connect', () => {
    if (data) socket.write(data);
    if (then === 'write-end' || then === 'end') socket.end();
    if (then === 'destroy') socket.destroy();
    if (then === 'reset') socket.resetAndDestroy();
  });
  return `${then} client -> ${target.path ?? target.port}`;
}

let clientContext = null;

function tlsClient(rng, world, target) {
  const how = rng.pick(['handshake', 'handshake', 'garbage', 'silent', 'close']);
  if (how !== 'handshake') {
    const socket = net.connect(target.path ? { path: target.path } : { host: target.host, port: target.port });
    socket.on('error', () => {});
    world.clients.add(socket);
    socket.once('connect', () => {
      if (how === 'garbage') socket.write('GET / HTTP/1.0\r\n\r\n');
      if (how === 'close') socket.destroy();
    });
    return `tls ${how} client -> ${target.path ?? target.port}`;
  }
  clientContext ??= tls.createSecureContext();
  const socket = tls.connect({
    ...(target.path ? { path: target.path } : { host: target.host, port: target.port }),
    secureContext: clientContext, // the clients' side is not under test: one context for all
    rejectUnauthorized: false,
    servername: 'localhost',
    ALPNProtocols: rng.chance(0.3) ? ['h2'] : undefined,
  });
  socket.on('error', () => {});
  socket.on('data', () => {});
  const end = rng.chance(0.5);
  socket.once('secureConnect', () => (end ? socket.end('hello') : socket.write('x')));
  world.clients.add(socket);
  return `tls client -> ${target.path ?? target.port}`;
}

function udpClient(rng, world, target) {
  const socket = dgram.createSocket(target.family === 'IPv6' ? 'udp6' : 'udp4');
  socket.on('error', () => {});
  socket.on('message', () => {});
  world.clients.add(socket);
  for (let i = rng.range(1, 5); i > 0; i--) socket.send(payload(rng), target.port, target.host, () => {});
  return `udp datagrams -> ${target.port}`;
}

function udgClient(rng, world, target, openServer) {
  const client = openServer(`udg://${world.dir}/c${world.serial++}.sock`);
  world.clients.add(client);
  for (let i = rng.range(1, 5); i > 0; i--) {
    try {
      client.sendto(payload(rng).subarray(0, 1500), { path: target.path });
    } catch {}
  }
  return `udg datagrams -> ${target.path}`;
}

/** Sends one client (or a burst of datagrams) at a server entry; returns a note for the log, or null. */
export function clientAt(rng, world, entry, openServer) {
  const target = targetOf(entry);
  if (!target) return null;
  switch (entry.speaks) {
    case 'tls':
      return tlsClient(rng, world, target);
    case 'udp':
      return udpClient(rng, world, target);
    case 'udg':
      return target.path ? udgClient(rng, world, target, openServer) : null;
    default:
      return streamClient(rng, world, target);
  }
}
