// The servers bench/restarts.ts replaces under load, one process each. Each
// answers every connection with one line and closes it, prints "ready PORT"
// once it serves and "served N" as it exits.
//   handover PATH [PORT]   ours: opens tcp://127.0.0.1:PORT, or with PORT
//                          "take" takes the listener offered at PATH; then
//                          offers it at PATH to the next process and exits
//                          once that one serves it (or on SIGTERM).
//   net PORT               node:net: listen(PORT); on SIGTERM close() and exit,
//                          as a restart without handover does today.
import * as net from 'node:net';
import { openServer, type StreamServer } from '../lib/index.js';

const LINE = 'ok\n';
const [mode, a, b] = process.argv.slice(2);
let served = 0;

function answer(conn: net.Socket): void {
  served++;
  conn.on('error', () => conn.destroy());
  conn.end(LINE);
}

async function handover(path: string, port: string): Promise<void> {
  const server = (
    port === 'take' ? openServer(`handover://${path}`) : openServer(`tcp://127.0.0.1:${port}`, { backlog: 4096 })
  ) as StreamServer;
  process.once('SIGTERM', () => server.close());
  // The next process takes it from here; a failed offer (SIGTERM's close) ends the same way.
  server.offerHandover(path).catch(() => {});
  console.log(`ready ${server.port}`);
  for await (const conn of server) answer(conn);
  console.log(`served ${served}`);
}

function nodeNet(port: string): void {
  const server = net.createServer(answer);
  server.listen({ port: Number(port), host: '127.0.0.1', backlog: 4096 }, () => {
    console.log(`ready ${(server.address() as net.AddressInfo).port}`);
  });
  process.once('SIGTERM', () => server.close(() => console.log(`served ${served}`)));
}

if (mode === 'handover') await handover(a!, b ?? '0');
else if (mode === 'net') nodeNet(a ?? '0');
else throw new Error('usage: restart-servers handover PATH [PORT|take] | net PORT');
