// Watching a listener's accept queue over time: samples of the queue and of
// the namespace's ListenOverflows / ListenDrops, yielded when they matter.
import { listenCounters } from '../socket/netstat.js';

export interface AcceptQueue {
  /** Connections completed by the kernel and waiting for accept(). */
  length: number;
  /** The limit the kernel applies: the backlog, clamped to net.core.somaxconn (0 when not listening). */
  limit: number;
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
