// The servers bench/proxy-cost.ts compares, one per process. Each is the
// plain `for await (const conn of server) conn.end(line)` loop; only the
// options (and, with --lib, the copy of the library) differ:
//   plain         openServer('tcp://127.0.0.1:0', { backlog })
//   proxy         + proxyProtocol: { trusted: ['127.0.0.1'] }
//   proxy-limit   + maxConnectionsPerSource (a limit no client reaches)
//   --lib PATH    loads the library from PATH (a dist/lib/index.js), e.g. a
//                 build of an older commit; default: this checkout's.
// Prints "port N" once listening; a line on stdin asks for "stats {json}"
// (connections served, the server's stats()); exits on SIGTERM.
import type * as net from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type * as Library from '../lib/index.js';

const LINE = 'hello\n';
/** Far above what one source opens here (the load generator names a new source per connection). */
const HIGH_LIMIT = 1000;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    lib: { type: 'string', default: fileURLToPath(new URL('../lib/index.js', import.meta.url)) },
    backlog: { type: 'string', default: '511' },
  },
});
const mode = positionals[0];
const backlog = Number(values.backlog);
// The library is CommonJS: require() loads exactly the copy at --lib (and that copy's own addon).
const lib = createRequire(import.meta.url)(values.lib!) as typeof Library;

const proxyProtocol = { trusted: ['127.0.0.1'] };
const optionsOf: Record<string, Library.ServerOptions> = {
  plain: { backlog },
  proxy: { backlog, proxyProtocol },
  'proxy-limit': { backlog, proxyProtocol, maxConnectionsPerSource: HIGH_LIMIT },
};
const options = optionsOf[mode ?? ''];
if (options === undefined) {
  console.error(`usage: proxy-servers.js ${Object.keys(optionsOf).join('|')} [--lib PATH] [--backlog N]`);
  process.exit(2);
}

const server = lib.openServer('tcp://127.0.0.1:0', options);
let served = 0;
process.stdin.on('data', () => {
  const { accepted, proxy, refused } = server.stats();
  console.log(`stats ${JSON.stringify({ served, accepted, proxy, refused })}`);
});
process.once('SIGTERM', () => {
  process.stdin.destroy();
  server.close();
});
console.log(`port ${server.port}`);
for await (const conn of server as AsyncIterable<net.Socket>) {
  served++;
  conn.on('error', () => conn.destroy());
  conn.end(LINE);
}
