// What the benchmark's server programs share: the line they answer, the
// "port N" announcement the benchmark waits for, the `for await` loop that
// answers each connection, and, under the benchmark (BENCH_PARENT=1, set by
// bench/procs.ts), exiting when stdin ends: when the benchmark is gone.
import type * as net from 'node:net';

export const LINE = 'hello\n';

export function ready(port: number): void {
  console.log(`port ${port}`);
}

/** Exits when stdin ends, if the benchmark started us; stdin does not keep the process alive. */
export function exitWithParent(): void {
  if (process.env.BENCH_PARENT !== '1') return;
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  if ('unref' in process.stdin && typeof process.stdin.unref === 'function') process.stdin.unref();
}

/** Answers every connection the server's iterator yields with the line, and closes it. */
export async function answerEach(server: AsyncIterable<net.Socket> & { port: number; close(): void }): Promise<void> {
  process.once('SIGTERM', () => server.close());
  ready(server.port);
  for await (const conn of server) {
    conn.on('error', () => conn.destroy());
    conn.end(LINE);
  }
}
