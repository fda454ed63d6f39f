// A server that restarts without refusing or resetting a connection: it
// takes the listener a running instance offers at --offer (handover://), or
// opens its own at --url when none does; then it offers the listener at the
// same path to its own successor and exits once that one serves it.
//
//   node dist/examples/handover-server.js --url tcp://0.0.0.0:8000 --offer /run/web/handover.sock
//
// Start it again (a new version) and the old process hands over and exits.
// Prints "serving ADDRESS (opened|taken from PID)" and "handed over to PID".
import { parseArgs } from 'node:util';
import { openServer, SocketError, type StreamServer } from '../lib/index.js';

const { values } = parseArgs({ options: { url: { type: 'string', default: 'tcp://127.0.0.1:8000' }, offer: { type: 'string' } } });
const offer = values.offer ?? '/tmp/handover-server.sock';

function listener(): StreamServer {
  try {
    return openServer(`handover://${offer}`) as StreamServer;
  } catch (error) {
    // Nobody offers (no file, or a stale one): this is the first start.
    if (!(error instanceof SocketError && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED'))) throw error;
    return openServer(values.url, { backlog: 4096 });
  }
}

const server = listener();
console.log(`serving ${server.name} (${server.origin ? `taken from ${server.origin.pid}` : 'opened'})`);
process.once('SIGTERM', () => server.close());
server.offerHandover(offer).then(
  ({ pid }) => console.log(`handed over to ${pid}`),
  () => {}, // closed by SIGTERM: the offer is withdrawn with it
);
for await (const conn of server) {
  conn.on('error', () => conn.destroy());
  conn.end(`hello from ${process.pid}\n`);
}
// The successor serves the socket (or SIGTERM closed it): the connections handed out here are answered.
