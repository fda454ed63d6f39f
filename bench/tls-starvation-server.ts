// The server of the TLS starvation benchmark (bench/tls-starvation.ts): a
// TlsServer with the default TLS settings (or --tls JSON overrides) that takes
// every connection and closes it at once. Prints "port N" once listening; a
// line on stdin asks for "stats {…}" (the server's stats(), its accept queue
// and resident memory). Stops when stdin ends (the harness is gone), on
// SIGTERM, or after --max-seconds whatever happens.
//
//   node dist/bench/tls-starvation-server.js [--tls '{"maxPendingHandshakes":64}']
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openServer, selfSignedCertificate } from '../lib/index.js';

const { values } = parseArgs({
  options: {
    tls: { type: 'string', default: '{}' },
    'max-seconds': { type: 'string', default: '90' },
  },
});
const { cert, key } = selfSignedCertificate();
const server = openServer('tls://127.0.0.1:0', { tls: { cert, key, ...(JSON.parse(values.tls) as object) } });
server.on('tlsClientError', () => {}); // counted in stats(); one line each would drown the output
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

process.stdin.on('data', () => {
  const queue = server.closed ? undefined : server.tcp.queue();
  const rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
  const heapMiB = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  const loopDelayMs = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
  console.log(`stats ${JSON.stringify({ ...server.stats(), queue, rssMiB, heapMiB, loopDelayMs })}`);
});
process.stdin.once('end', () => server.close());
process.once('SIGTERM', () => server.close());
setTimeout(() => server.close(), Number(values['max-seconds']) * 1000).unref();
console.log(`port ${server.port}`);

for await (const conn of server) conn.destroy();
process.exit(0); // stdin's listener would keep the process alive
