// server.drain(): stop taking new connections where the kernel allows, let
// the ones already queued be served, then close. What "allows" means on
// Linux: a listener leaves its SO_REUSEPORT group only by closing, and a
// close resets what is queued, unless net.ipv4.tcp_migrate_req=1 moves it to
// another listener of the group. So, in a group that migrates: close at once
// (new SYNs and the queue go to the others). Otherwise: keep handing out
// connections until the queue is seen empty, then close; whatever completed
// the handshake in between (or was still queued at the timeout) is reset and
// counted as such.
import { asRecord, readInt } from '../options/options.js';
import { listenersLike, migratesRequests } from '../socket/netstat.js';

export interface DrainOptions {
  /** How long the queue may take to be served, in ms (default 30000); then the listener closes anyway. */
  timeout?: number;
}

export interface DrainResult {
  /** Connections handed out by this server while it drained. */
  served: number;
  /** Connections queued at the close that the kernel moved to another listener of the SO_REUSEPORT group. */
  migrated: number;
  /** Connections queued at the close that nobody took: reset by the kernel. */
  reset: number;
  /** Time from drain() to the close, in ms. */
  ms: number;
}

/** What drain needs of a stream listener. */
export interface Drainable {
  isClosed(): boolean;
  queue(): { length: number };
  /** Connections handed out so far. */
  accepted(): number;
  /** The TCP address and port when it is a TCP listener with SO_REUSEPORT; undefined otherwise. */
  reusePortGroup(): { address: string; port: number } | undefined;
  close(): void;
}

/** How often the queue is looked at while it is being served. */
const LOOK_EVERY_MS = 5;

export async function drainListener(server: Drainable, options: unknown): Promise<DrainResult> {
  const opts = asRecord(options, ['timeout']);
  const timeout = readInt(opts, 'timeout', 0, 2 ** 31 - 1) ?? 30_000;
  const started = Date.now();
  const first = server.accepted();
  const group = server.reusePortGroup();
  // Only if another listener of the group is there can anything migrate to it.
  const migrate = group !== undefined && migratesRequests() && (listenersLike(group.address, group.port) ?? 0) > 1;
  if (!migrate) {
    while (!server.isClosed() && Date.now() - started < timeout && server.queue().length > 0) {
      await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
    }
  }
  const left = server.isClosed() ? 0 : server.queue().length;
  server.close();
  return {
    served: server.accepted() - first,
    migrated: migrate ? left : 0,
    reset: migrate ? 0 : left,
    ms: Date.now() - started,
  };
}
