// The Node servers the benchmark compares, one per process:
//   iterator  our StreamServer: for await (const conn of server) conn.end(line)
//   raw       our accept loop without net.Socket: acceptFds (batches), send, close
//   net       a plain node:net server doing the same work
//   dgram-*   datagram receivers counting what they get (a line on stdin asks for the count)
//   tls-*     TLS servers answering each completed handshake with the line
// Each prints "port N" once listening and exits on SIGTERM. The HTTP and
// multi-process servers are in bench/servers/.
import net from 'node:net';
import { closeSync, mkdtempSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openServer, selfSignedCertificate } from '../lib/index.js';
import {
  fclose,
  stream_context_create,
  stream_socket_accept,
  stream_socket_get_name,
  stream_socket_sendto,
  stream_socket_server,
  type PhpServerStream,
} from '../lib/php/index.js';
import { answerEach, exitWithParent, LINE, ready } from './servers/common.js';

const LINE_BUFFER = Buffer.from(LINE);
const mode = process.argv[2];
const backlog = Number(process.argv[3] ?? 511);

function iterator(): Promise<void> {
  return answerEach(openServer('tcp://127.0.0.1:0', { backlog }));
}

async function raw(): Promise<void> {
  const server = openServer('tcp://127.0.0.1:0', { backlog });
  process.once('SIGTERM', () => server.close());
  ready(server.port);
  for (;;) {
    const fds = await server.acceptFds(64);
    if (fds === null) return;
    for (const fd of fds) {
      try {
        writeSync(fd, LINE_BUFFER); // write(2) on the raw fd: no net.Socket, no handle
      } catch {
        // the client left first: nothing to answer
      }
      closeSync(fd);
    }
  }
}

function plain(): void {
  const server = net.createServer((conn) => {
    conn.on('error', () => conn.destroy());
    conn.end(LINE);
  });
  server.listen({ host: '127.0.0.1', port: 0, backlog }, () => ready((server.address() as net.AddressInfo).port));
  process.once('SIGTERM', () => server.close());
}

/** Datagram servers count what they receive; a line on stdin asks for the count. */
function reportCounts(count: () => number, close: () => void): void {
  process.stdin.on('data', () => console.log(`count ${count()}`));
  process.once('SIGTERM', () => {
    process.stdin.destroy();
    close();
  });
}

async function dgramOurs(): Promise<void> {
  const server = openServer('udp://127.0.0.1:0', { recvBufferSize: 4 << 20 });
  let received = 0;
  reportCounts(
    () => received,
    () => server.close(),
  );
  ready(server.port);
  for await (const _ of server.messages({ batch: 64, maxLength: 2048 })) received++;
}

async function dgramBatches(): Promise<void> {
  const server = openServer('udp://127.0.0.1:0', { recvBufferSize: 4 << 20 });
  let received = 0;
  reportCounts(
    () => received,
    () => server.close(),
  );
  ready(server.port);
  for await (const batch of server.batches({ batch: 64, maxLength: 2048 })) received += batch.length;
}

async function dgramNode(): Promise<void> {
  const dgram = await import('node:dgram');
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  let received = 0;
  socket.on('message', () => received++);
  reportCounts(
    () => received,
    () => socket.close(),
  );
  socket.bind(0, '127.0.0.1', () => ready(socket.address().port));
}

/** TLS servers answer each completed handshake with the line and close. */
function tlsOurs(): Promise<void> {
  return answerEach(openServer('tls://127.0.0.1:0', { tls: selfSignedCertificate() }));
}

async function tlsNode(): Promise<void> {
  const tls = await import('node:tls');
  const server = tls.createServer(selfSignedCertificate(), (conn) => {
    conn.on('error', () => conn.destroy());
    conn.end(LINE);
  });
  server.listen(0, '127.0.0.1', () => ready((server.address() as net.AddressInfo).port));
  process.once('SIGTERM', () => server.close());
}

/** The PHP facade's ssl:// server, PHP style: one stream_socket_accept() (handshake included) after another. */
async function tlsPhp(): Promise<void> {
  const { cert, key } = selfSignedCertificate();
  const pem = join(mkdtempSync(join(tmpdir(), 'bench-tls-')), 'server.pem');
  writeFileSync(pem, cert + key);
  // verify_peer off: like the other two, the server asks no client certificate.
  const context = stream_context_create({ ssl: { local_cert: pem, verify_peer: false } });
  const server = stream_socket_server('ssl://127.0.0.1:0', null, null, 12, context) as PhpServerStream;
  process.once('SIGTERM', () => fclose(server));
  ready(Number((stream_socket_get_name(server, false) as string).split(':').pop()));
  while (!server.server!.closed) {
    const conn = await stream_socket_accept(server, -1);
    if (conn === false) continue;
    stream_socket_sendto(conn, LINE);
    fclose(conn);
  }
}

const modes: Record<string, () => unknown> = {
  iterator,
  raw,
  net: plain,
  'dgram-ours': dgramOurs,
  'dgram-batches': dgramBatches,
  'dgram-node': dgramNode,
  'tls-ours': tlsOurs,
  'tls-node': tlsNode,
  'tls-php': tlsPhp,
};
const run = modes[mode ?? ''];
if (run === undefined) {
  console.error(`usage: servers.js ${Object.keys(modes).join('|')} [backlog]`);
  process.exit(2);
}
exitWithParent();
await run();
