// Run under qemu-aarch64 by packaging/arm64-smoke.mjs, from an app that
// installed the tarball: the linux-arm64 prebuild must load and serve.
// qemu-user translates syscalls, not everything: TCP_INFO (the accept
// queue's length and limit) reads zeros, and SO_ATTACH_REUSEPORT_CBPF is
// refused; those are reported, not asserted.
import * as net from 'node:net';
import { openServer, SocketError, DatagramServer } from 'stream-socket-server';

function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket)).on('error', reject);
  });
}

const result = { arch: process.arch, node: process.version };
if (process.arch !== 'arm64') throw new Error(`expected arm64, running ${process.arch}`);

// A server with a visible queue: three clients wait in it until accepted.
const server = openServer('tcp://127.0.0.1:0', { backlog: 16 });
const { port } = server.address;
const clients = await Promise.all([connect(port), connect(port), connect(port)]);
const queued = server.queue();
result.queueBefore = queued;
if (typeof queued.length !== 'number' || typeof queued.limit !== 'number') throw new Error(`queue() ${JSON.stringify(queued)}`);
// On real arm64 hardware the kernel's numbers; under qemu-user both read 0.
if (queued.limit !== 0 && (queued.length !== 3 || queued.limit !== 16))
  throw new Error(`queue() ${JSON.stringify(queued)}, expected 3 of 16`);
result.queueNote = queued.limit === 0 ? 'TCP_INFO reads zeros under qemu-user' : 'kernel numbers';
let accepted = 0;
for await (const conn of server) {
  conn.end(`hello ${++accepted}`);
  if (accepted === 3) break;
}
const replies = await Promise.all(
  clients.map(
    (c) =>
      new Promise((resolve) => {
        let text = '';
        c.setEncoding('utf8')
          .on('data', (d) => (text += d))
          .on('end', () => resolve(text));
      }),
  ),
);
result.replies = replies.sort();
if (replies.join() !== 'hello 1,hello 2,hello 3') throw new Error(`replies ${replies}`);
result.queueAfter = server.queue();

// The real errno of a failing bind.
try {
  openServer(`tcp://127.0.0.1:${port}`);
  throw new Error('a second bind to a listening port succeeded');
} catch (error) {
  if (!(error instanceof SocketError) || error.code !== 'EADDRINUSE') throw error;
  result.bindError = `${error.syscall} ${error.code} errno ${error.errno}`;
}
server.close();

// A datagram round trip.
const dgram = openServer('udp://127.0.0.1:0');
if (!(dgram instanceof DatagramServer)) throw new Error('udp:// is not a DatagramServer');
dgram.sendto(Buffer.from('ping'), { address: '127.0.0.1', port: dgram.address.port });
const datagram = await dgram.recvfrom(64, { timeout: 5000 });
result.datagram = datagram.data.toString();
dgram.close();

// CPU steering needs CBPF, which qemu-user does not emulate.
try {
  openServer('tcp://127.0.0.1:0', { reusePort: true, reusePortCpuSteering: true }).close();
  result.reusePortCpu = 'attached';
} catch (error) {
  result.reusePortCpu = error instanceof SocketError ? `refused: ${error.code}` : `threw ${error}`;
}
console.log(JSON.stringify(result));
