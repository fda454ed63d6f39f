// One instance of an HTTP service behind HAProxy (send-proxy-v2, health
// checks), restarted without failing a request. It sees every client as the
// client, not as HAProxy: the listener reads each connection's PROXY header
// before node:http gets the socket, so req.socket.remoteAddress/remotePort are
// the real client's.
//
//   node dist/examples/behind-haproxy.js --url tcp://10.0.0.11:8080 --offer /run/web/a.sock \
//     --name a --trusted 10.0.0.2/32
//
// Restart (deploy): start the same command again. A running instance offers
// its listener at --offer for as long as it serves; the new process takes it
// (handover://: same socket, same kernel queue, nothing refused), and the old
// one stops accepting, answers what it has, closes its keep-alive connections
// (Connection: close on their next response; those idle for --grace ms are
// closed) and exits 0. SIGTERM closes the listener instead (no successor) and
// finishes the open connections the same way.
//
// stdout, one JSON line each: {"event":"serving"}, {"event":"request"} per
// request (client, port: the real client; proxy: "proxy", or "local" for
// HAProxy's health checks, whose peer is HAProxy itself), {"event":"handed-over"},
// {"event":"exit"} (with the listener's PROXY counts: headers read, connections reset by reason).
//
// HAProxy in front (mode tcp: one client connection, one PROXY header), checks on GET /health:
//   backend web
//     balance roundrobin
//     option httpchk GET /health
//     default-server send-proxy-v2 check check-send-proxy inter 2s
//     server a 10.0.0.11:8080
//     server b 10.0.0.12:8080
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { openServer, proxyOf, SocketError, type StreamServer } from '../lib/index.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'tcp://127.0.0.1:8080' },
    offer: { type: 'string', default: '/tmp/behind-haproxy.sock' },
    name: { type: 'string', default: 'web' },
    // Who may send a PROXY header: HAProxy's address only. A header is required (the default): a
    // client that bypasses HAProxy is reset, so nobody else can claim to be any address.
    trusted: { type: 'string', multiple: true, default: ['127.0.0.0/8'] },
    grace: { type: 'string', default: '1000' },
  },
});
const log = (event: string, fields: object = {}): void =>
  console.log(JSON.stringify({ event, name: values.name, pid: process.pid, ...fields }));

const options = { proxyProtocol: { trusted: values.trusted, timeout: 2000 }, backlog: 4096 };

function listener(): StreamServer {
  try {
    return openServer(`handover://${values.offer}`, options) as StreamServer;
  } catch (error) {
    // Nobody offers (no file, or a stale one): this is the first start.
    if (!(error instanceof SocketError && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED'))) throw error;
    return openServer(values.url, options);
  }
}

let draining = false;
let requests = 0;
// Connections between two requests: node:http's closeIdleConnections() knows
// only connections it accepted itself (its tracking starts on 'listening'),
// never those given to it with emit('connection'), so we keep them here.
const idle = new Set<Socket>();

const http = createServer((req, res) => {
  const socket = req.socket;
  idle.delete(socket);
  res.once('finish', () => {
    if (!socket.destroyed) idle.add(socket);
  });
  requests++;
  const header = proxyOf(socket);
  const to = header?.destination; // where the client connected: HAProxy's frontend (none in a LOCAL header)
  log('request', {
    path: req.url,
    client: socket.remoteAddress,
    port: socket.remotePort,
    proxy: header?.command ?? 'none',
    to: to !== undefined && 'address' in to ? `${to.address}:${to.port}` : null,
  });
  // The successor serves the listener now: the client reconnects, through HAProxy, to an instance that stays.
  if (draining) res.setHeader('Connection', 'close');
  if (req.url === '/health') return void res.end('ok\n');
  res.end(`hello from ${values.name} (${process.pid}) to ${socket.remoteAddress}:${socket.remotePort}\n`);
});
http.on('connection', (socket: Socket) => {
  idle.add(socket);
  socket.once('close', () => idle.delete(socket));
});

const server = listener();
log('serving', { address: server.name, taken: server.origin?.pid ?? null });
process.once('SIGTERM', () => server.close());
// Offered from the start: starting the next version is all a restart takes.
server.offerHandover(values.offer).then(
  ({ pid }) => log('handed-over', { to: pid }),
  () => {}, // closed by SIGTERM: the offer is withdrawn with it
);
for await (const conn of server) http.emit('connection', conn);

// Here the successor serves the listener (after a handover, connections whose
// header was still being read were handed out above), or SIGTERM closed it. Finish what is open:
// each busy connection ends after its response (Connection: close); one that
// stays idle for the grace period is closed (a client that sends a request
// just then sees the close, as with any HTTP/1.1 keep-alive timeout).
draining = true;
setTimeout(() => idle.forEach((socket) => socket.destroySoon()), Number(values.grace)).unref();
// Nothing else holds the process: it exits once the last connection closed (or, stuck, after 30 s).
setTimeout(() => (log('exit', { requests, forced: true }), process.exit(1)), 30_000).unref();
process.once('exit', (code) => code === 0 && log('exit', { requests, headers: server.stats().proxy }));
