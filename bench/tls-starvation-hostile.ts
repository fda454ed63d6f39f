// The hostile clients of the TLS starvation benchmark (bench/tls-starvation.ts),
// in their own process so that their churn does not slow the good clients'
// timing. --count clients that never finish a handshake, in three kinds:
// silent (connect, send nothing), slowloris (a real ClientHello, one byte a
// second, never the last) and truncated (half a ClientHello, then nothing).
// Each reconnects when the server closes it, so the pressure stays. Prints
// "ready C" once all are connected (or after 5 s, C connected); a line on
// stdin asks for "hostile C R" (connected now, reconnects so far). Stops when
// stdin ends, or after --max-seconds whatever happens.
//
//   node dist/bench/tls-starvation-hostile.js --port P [--count 1000]
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    count: { type: 'string', default: '1000' },
    'max-seconds': { type: 'string', default: '65' },
  },
});
const port = Number(values.port);
const count = Number(values.count);
setTimeout(() => process.exit(0), Number(values['max-seconds']) * 1000).unref();

// A real ClientHello, caught by a plain TCP server.
const hello = await new Promise<Buffer>((resolve) => {
  const sink = net.createServer((s) => s.once('data', (d: Buffer) => (resolve(d), s.destroy(), sink.close())));
  sink.listen(0, '127.0.0.1', () => {
    const { port: p } = sink.address() as net.AddressInfo;
    tls.connect({ port: p, host: '127.0.0.1', servername: 'localhost' }).on('error', () => {});
  });
});

type Kind = 'silent' | 'slowloris' | 'truncated';
const KINDS: Kind[] = ['silent', 'slowloris', 'truncated'];
let stopping = false;
let connected = 0;
let reconnects = 0;
const sockets = new Set<net.Socket>();
const drip = new Map<net.Socket, number>(); // slowloris: bytes of the ClientHello sent so far

function connect(kind: Kind): void {
  const socket = net.connect(port, '127.0.0.1');
  sockets.add(socket);
  let up = false;
  socket.on('error', () => {});
  socket.once('connect', () => {
    up = true;
    connected++;
    if (kind === 'truncated') socket.write(hello.subarray(0, hello.length >> 1));
    if (kind === 'slowloris') drip.set(socket, 0);
  });
  socket.once('close', () => {
    sockets.delete(socket);
    drip.delete(socket);
    if (up) connected--;
    if (stopping) return;
    reconnects++;
    connect(kind);
  });
}
const dripping = setInterval(() => {
  for (const [socket, sent] of drip) {
    if (sent >= hello.length - 1) continue; // never the last byte
    socket.write(hello.subarray(sent, sent + 1));
    drip.set(socket, sent + 1);
  }
}, 1000);

process.stdin.on('data', () => console.log(`hostile ${connected} ${reconnects}`));
process.stdin.once('end', () => {
  stopping = true;
  clearInterval(dripping);
  for (const socket of sockets) socket.destroy();
  process.exit(0);
});

for (let i = 0; i < count; i++) connect(KINDS[i % KINDS.length]!);
const by = Date.now() + 5000;
while (connected < count && Date.now() < by) await sleep(50);
console.log(`ready ${connected}`);
