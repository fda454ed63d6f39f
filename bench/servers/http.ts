// The HTTP servers of the benchmark's http round, one per process, each an
// http.Server answering every request with the same tiny body:
//   iterator  our StreamServer's `for await`, each connection handed to the
//             http.Server with httpServer.emit('connection', conn)
//   handoff   our StreamServer given to the http.Server: server.handOff(httpServer)
//             (libuv accepts from then on)
//   node      a plain node:http server
// Each prints "port N" once listening; a line on stdin asks for
// "count conns N reqs M" (connections the http.Server saw, requests it
// answered); exits on SIGTERM.
import * as http from 'node:http';
import type * as net from 'node:net';
import { openServer } from '../../lib/index.js';
import { exitWithParent, ready } from './common.js';

const BODY = Buffer.from('hello\n');
let connections = 0;
let requests = 0;

const httpServer = http.createServer((_req, res) => {
  requests++;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  res.end(BODY);
});
httpServer.on('connection', () => connections++);

async function iterator(): Promise<void> {
  const server = openServer('tcp://127.0.0.1:0');
  process.once('SIGTERM', () => server.close());
  ready(server.port);
  for await (const conn of server) httpServer.emit('connection', conn);
}

async function handoff(): Promise<void> {
  const server = openServer('tcp://127.0.0.1:0');
  const port = server.port;
  await server.handOff(httpServer);
  ready(port);
}

function node(): void {
  httpServer.listen(0, '127.0.0.1', () => ready((httpServer.address() as net.AddressInfo).port));
}

const modes: Record<string, () => unknown> = { iterator, handoff, node };
const run = modes[process.argv[2] ?? ''];
if (run === undefined) {
  console.error(`usage: servers/http.js ${Object.keys(modes).join('|')}`);
  process.exit(2);
}
process.stdin.on('data', () => console.log(`count conns ${connections} reqs ${requests}`));
process.once('SIGTERM', () => process.exit(0));
exitWithParent();
await run();
