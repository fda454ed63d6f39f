// The Node servers the benchmark compares, one per process:
//   iterator  our StreamServer: for await (const conn of server) conn.end(line)
//   raw       our accept loop without net.Socket: acceptFds (batches), send, close
//   net       a plain node:net server doing the same work
// Each prints "port N" once listening and exits on SIGTERM.
import net from 'node:net';
import { openServer } from '../lib/index.js';
import { native } from '../lib/native.js';

const LINE = 'hello\n';
const LINE_BUFFER = Buffer.from(LINE);
const mode = process.argv[2];
const backlog = Number(process.argv[3] ?? 511);

function ready(port: number): void {
  console.log(`port ${port}`);
}

async function iterator(): Promise<void> {
  const server = openServer('tcp://127.0.0.1:0', { backlog });
  process.once('SIGTERM', () => server.close());
  ready(server.port);
  for await (const conn of server) {
    conn.on('error', () => conn.destroy());
    conn.end(LINE);
  }
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
        native.sendRaw(fd, LINE_BUFFER);
      } catch {
        // the client left first: nothing to answer
      }
      native.closeRaw(fd);
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

const modes: Record<string, () => unknown> = { iterator, raw, net: plain };
const run = modes[mode ?? ''];
if (run === undefined) {
  console.error(`usage: servers.js ${Object.keys(modes).join('|')} [backlog]`);
  process.exit(2);
}
await run();
