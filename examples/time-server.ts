// The PHP manual's stream_socket_server() Example 1, ported: tell each client
// the local time in PHP's date('n/j/Y g:i a') format, then close.
//
//   npm start                                  # tcp://127.0.0.1:8000
//   npm start -- --url tcp://[::1]:9000        # or TIME_SERVER_URL=...
import { parseArgs } from 'node:util';
import { openServer } from '../lib/index.js';

/** PHP's date('n/j/Y g:i a'): month/day without zeros, 12-hour clock, am/pm. */
function phpDate(now: Date): string {
  const hour12 = now.getHours() % 12 === 0 ? 12 : now.getHours() % 12;
  const minutes = String(now.getMinutes()).padStart(2, '0');
  const meridiem = now.getHours() < 12 ? 'am' : 'pm';
  return `${now.getMonth() + 1}/${now.getDate()}/${now.getFullYear()} ${hour12}:${minutes} ${meridiem}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { url: { type: 'string' } } });
  const url = values.url ?? process.env.TIME_SERVER_URL ?? 'tcp://127.0.0.1:8000';
  const server = openServer(url);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close());
  console.log(`time server listening on ${server.name}`);

  for await (const conn of server) {
    conn.on('error', () => conn.destroy()); // a client that resets early is not our problem
    conn.end(`The local time is ${phpDate(new Date())}\n`);
  }
  console.log('time server closed');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
