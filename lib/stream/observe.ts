// Watching a listener's accept queue over time: samples of the queue and of
// the namespace's ListenOverflows / ListenDrops, yielded when they matter.
import { listenCounters, somaxconn, type ListenCounters } from '../socket/netstat.js';
import type { AcceptCounters } from './acceptor.js';
import type { AcceptQueue, ServerStats } from './server-types.js';
import { C, native, type NativeEndpoint, type NativeHandle } from '../binding/native.js';
import { isUnixEndpoint } from '../net/address.js';

export type { AcceptQueue };

/** The accept queue as the kernel sees it: TCP_INFO for tcp, sock_diag netlink for unix (what ss shows). */
export function acceptQueueOf(handle: NativeHandle, local: NativeEndpoint): AcceptQueue {
  if (isUnixEndpoint(local)) {
    const q = native.unixQueue(handle);
    return q.listening ? { length: q.length, limit: q.limit } : { length: 0, limit: 0 };
  }
  const info = native.tcpInfo(handle);
  if (info.state !== C.TCP_STATE_LISTEN) return { length: 0, limit: 0 };
  return { length: info.unacked, limit: info.sacked };
}

export interface OverflowSample {
  /** ms since the epoch */
  at: number;
  /** The accept queue when sampled. */
  queue: AcceptQueue;
  /** ListenOverflows / ListenDrops added (namespace-wide) since the previous sample. */
  listenOverflows: number;
  listenDrops: number;
}

/**
 * Samples every `interval` ms (default 100) and yields whenever overflows
 * were added or the queue is full. Cheap: one getsockopt and one small /proc
 * read per tick.
 */
export async function* sampleOverflows(
  server: { readonly closed: boolean; queue(): AcceptQueue },
  options: { interval?: number; signal?: AbortSignal },
): AsyncGenerator<OverflowSample, void, undefined> {
  const interval = options.interval ?? 100;
  const { signal } = options;
  // One abort listener for the whole generator (not one per tick): it ends the current wait.
  let timer: NodeJS.Timeout | undefined;
  let wake = (): void => {};
  const onAbort = (): void => {
    clearTimeout(timer);
    wake();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let last = listenCounters();
    while (!server.closed && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, interval);
      });
      if (server.closed || signal?.aborted) return;
      const now = listenCounters();
      const queue = server.queue();
      const listenOverflows = now && last ? now.listenOverflows - last.listenOverflows : 0;
      const listenDrops = now && last ? now.listenDrops - last.listenDrops : 0;
      last = now;
      if (listenOverflows > 0 || (queue.limit >= 0 && queue.length > queue.limit && queue.length > 0)) {
        yield { at: Date.now(), queue, listenOverflows, listenDrops };
      }
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** A server's stats(): its counters, the backlog as asked and as applied, the queue, and the namespace's overflow counters since `opened`. */
export function serverStats(
  counters: AcceptCounters,
  backlog: number | undefined,
  queue: AcceptQueue | undefined,
  opened: ListenCounters | undefined,
): ServerStats {
  const max = somaxconn();
  const clamped = backlog !== undefined && max !== undefined && backlog > max;
  const now = listenCounters();
  return {
    ...counters,
    errors: { ...counters.errors },
    backlog: { requested: backlog, applied: queue?.limit, somaxconn: max, clampedBy: clamped ? 'net.core.somaxconn' : null },
    queue,
    system:
      now && opened
        ? { listenOverflows: now.listenOverflows - opened.listenOverflows, listenDrops: now.listenDrops - opened.listenDrops }
        : undefined,
  };
}
