// The server of the backlog benchmark: listens with the given backlog and
// accepts SLOWLY, one connection every --accept-interval ms (0: as fast as it
// can), closing each fd at once, until SIGTERM. Prints "limit L" (the backlog
// the kernel applied, queue().limit) and then "port N" once listening; a line
// on stdin asks for "accepted A queued Q peak-queue P" (accepted so far, the
// accept queue now, the longest it was seen).
//
//   node dist/bench/backlog-server.js --backlog 128 [--accept-interval 1]
import { closeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { openServer } from '../lib/index.js';

const { values } = parseArgs({
  options: {
    backlog: { type: 'string', default: '511' },
    'accept-interval': { type: 'string', default: '1' },
  },
});
const backlog = Number(values.backlog);
const interval = Number(values['accept-interval']);
if (!Number.isInteger(backlog) || !(interval >= 0)) {
  console.error('usage: backlog-server.js --backlog N [--accept-interval MS]');
  process.exit(2);
}

const server = openServer('tcp://127.0.0.1:0', { backlog });
let accepted = 0;
let peakQueue = 0;
const queued = (): number => (server.closed ? 0 : server.queue().length);
process.stdin.on('data', () => {
  peakQueue = Math.max(peakQueue, queued());
  console.log(`accepted ${accepted} queued ${queued()} peak-queue ${peakQueue}`);
});
// SIGTERM, or the harness gone (stdin at EOF): stop.
process.stdin.once('end', () => server.close());
process.once('SIGTERM', () => {
  process.stdin.destroy();
  server.close();
});
console.log(`limit ${server.queue().limit}`);
console.log(`port ${server.port}`);

for (;;) {
  // The queue is longest just before we take from it.
  peakQueue = Math.max(peakQueue, queued());
  const fd = await server.acceptFd();
  if (fd === null) break;
  closeSync(fd);
  accepted++;
  if (interval > 0) await sleep(interval);
  else await new Promise((resolve) => setImmediate(resolve));
}
