// The soak's server process: a StreamServer served with `for await (const
// conn of server)`, each connection answered with one line and closed, as
// bench/servers.ts's iterator contender. Prints "port N", then every
// `--sample-ms` one JSON sample { t, served, rss, heapUsed, external };
// on SIGTERM it closes the server, lets the loop end, prints { done, served,
// accepted } and exits by itself (a process that does not is a finding).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    dist: { type: 'string' },
    backlog: { type: 'string', default: '4096' },
    'sample-ms': { type: 'string', default: '500' },
  },
});
const { openServer } = await import(pathToFileURL(resolve(opt.dist)).href);

const LINE = Buffer.from('hello\n');
const server = openServer('tcp://127.0.0.1:0', { backlog: Number(opt.backlog) });
const started = Date.now();
let served = 0;
let connErrors = 0;

function sample() {
  const m = process.memoryUsage();
  const cpu = process.cpuUsage();
  console.log(
    JSON.stringify({
      t: Date.now() - started,
      served,
      rss: m.rss,
      heapUsed: m.heapUsed,
      external: m.external,
      cpuMs: (cpu.user + cpu.system) / 1000,
    }),
  );
}
// Unref'd: the samples must not be what keeps the process alive at the end.
const sampler = setInterval(sample, Number(opt['sample-ms'])).unref();
process.once('SIGTERM', () => server.close());

console.log(`port ${server.port}`);
for await (const conn of server) {
  served++;
  conn.on('error', () => {
    connErrors++;
    conn.destroy();
  });
  conn.end(LINE);
}
clearInterval(sampler);
sample();
console.log(JSON.stringify({ done: true, served, accepted: server.stats().accepted, connErrors }));
