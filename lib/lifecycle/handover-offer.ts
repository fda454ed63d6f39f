// server.offerHandover(path): offer this listener to a successor process.
// The offer waits on a unix socket at `path` (0600); a process of a trusted
// uid (SO_PEERCRED; ours by default) that connects receives the listening fd
// (SCM_RIGHTS). Once it says it serves the socket, this process answers
// "committed", stops pulling and closes its own copy: the socket and its
// kernel queue were never closed, so no connection is refused or reset. A
// taker that goes away, stays silent for `timeout` or says anything else is
// answered "not committed" (it then closes its copy): we keep serving and
// offer again. Exactly one side goes on serving, whatever fails.
import { closeSync } from 'node:fs';
import { argumentError, closedError, withAddress, type SocketError, type Where } from '../binding/errors.js';
import { C, native, type NativeHandle } from '../binding/native.js';
import { Watch } from '../io/watch.js';
import { parseUnixTarget } from '../net/url.js';
import { asRecord, readInt } from '../options/options.js';
import { bindUnixFile } from '../socket/unix-file.js';
import { peerCredentials, readLine, readUids, send, WIRE_VERSION, type OfferMessage } from './handover-wire.js';

export interface HandoverOptions {
  /** Uids whose processes may take the listener. Default: this process's effective uid. */
  allowUids?: number[];
  /** How long a taker has, once it received the fd, to say it serves it (ms, default 10000); then we keep serving and offer again. */
  timeout?: number;
  /** Withdraws the offer (the promise rejects with the signal's reason); the server keeps serving. A taker holding the fd is told so. */
  signal?: AbortSignal;
}

export interface HandoverResult {
  /** The process that took the listener. */
  pid: number;
  uid: number;
  /** Takers turned away before it (wrong uid, vanished, silent). */
  refused: number;
}

/** What a listener gives the offer: its fd's handle, how to describe it, and how to step aside. */
export interface Offerable {
  isClosed(): boolean;
  readonly handle: NativeHandle;
  describe(): Omit<OfferMessage, 'v' | 'pid'>;
  /** The taker serves it now: stop pulling, close our copy (keeping the unix socket file). Idempotent. */
  retire(): void;
  /** While a taker holds the fd (on), a close() closes only our copy, never the socket file the taker may serve. */
  inFlight(on: boolean): void;
  where(): Where;
}

function planOffer(
  path: unknown,
  options: unknown,
): { path: Buffer; allowUids: number[]; timeout: number; signal: AbortSignal | undefined; mode: number } {
  if (typeof path !== 'string')
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', `the handover path must be a string, got ${typeof path}`);
  const opts = asRecord(options, ['allowUids', 'timeout', 'signal']);
  const allowUids = readUids(opts.allowUids, 'options.allowUids');
  if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) {
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', 'options.signal must be an AbortSignal');
  }
  return {
    path: parseUnixTarget(path, `handover://${path}`),
    allowUids,
    timeout: readInt(opts, 'timeout', 1, 600_000) ?? 10_000,
    signal: opts.signal as AbortSignal | undefined,
    // 0600: only our uid can connect. Other trusted uids need to reach the file; SO_PEERCRED still decides.
    mode: allowUids.every((uid) => uid === process.geteuid?.()) ? 0o600 : 0o666,
  };
}

/** The offer's socket: a unix listener at `path` with `mode` (a stale one from a crashed offer is replaced), removed when closed. */
function listenAt(path: Buffer, mode: number): NativeHandle {
  const handle = native.socket(C.AF_UNIX, C.SOCK_STREAM, 0);
  try {
    if (path[0] === 0) {
      native.bind(handle, { family: C.AF_UNIX, path }); // an abstract name has no file mode: SO_PEERCRED is the guard
    } else {
      bindUnixFile(handle, path, { mode, removeStale: true, removeOnClose: true });
      native.unlinkOnClose(handle, path);
    }
    native.listen(handle, 4);
    return handle;
  } catch (error) {
    native.close(handle);
    throw withAddress(error, { address: path.toString() });
  }
}

/** The next process that connects to the offer (an owning handle), or the abort's reason. */
function nextTaker(listener: NativeHandle, signal: AbortSignal, where: Where): Promise<NativeHandle> {
  return new Promise((resolve, reject) => {
    const settle = (error: unknown, conn?: NativeHandle): void => {
      watch.stop();
      signal.removeEventListener('abort', onAbort);
      if (conn === undefined) reject(error);
      else resolve(conn);
    };
    const onAbort = (): void => settle(signal.reason);
    const watch = new Watch(
      listener,
      () => where,
      (error: SocketError | null) => {
        if (error !== null) return settle(error);
        let fd: number | undefined;
        try {
          [fd] = native.acceptBatch(listener, 1);
          if (fd !== undefined) settle(null, native.adopt(fd));
        } catch (caught) {
          if (fd !== undefined) closeSync(fd);
          settle(caught);
        }
      },
    );
    signal.addEventListener('abort', onAbort, { once: true });
    watch.start();
  });
}

/** Best effort: a peer that left cannot be told anything. */
function tell(conn: NativeHandle, message: object): boolean {
  try {
    send(conn, { v: WIRE_VERSION, ...message });
    return true;
  } catch {
    return false;
  }
}

/** Offers `source` at `path` until a trusted successor serves it; `stop` aborts when the source closes. */
export async function offerHandover(source: Offerable, path: unknown, options: unknown, stop: AbortSignal): Promise<HandoverResult> {
  const plan = planOffer(path, options);
  const signal = plan.signal === undefined ? stop : AbortSignal.any([stop, plan.signal]);
  signal.throwIfAborted();
  const where = { address: `handover://${path as string}` };
  let refused = 0;
  // One offer socket for the whole offer: a second taker waits in its queue meanwhile.
  let offer: NativeHandle | undefined = listenAt(plan.path, plan.mode);
  try {
    for (;;) {
      if (source.isClosed()) throw closedError('handover', source.where());
      offer ??= listenAt(plan.path, plan.mode);
      let conn: NativeHandle;
      try {
        conn = await nextTaker(offer, signal, where);
      } catch (error) {
        throw stop.aborted ? closedError('handover', source.where()) : error;
      }
      try {
        const taker = peerCredentials(conn, where);
        if (!plan.allowUids.includes(taker.uid)) {
          refused++;
          tell(conn, { error: 'EACCES', reason: `uid ${taker.uid} may not take this listener (trusted: ${plan.allowUids.join(', ')})` });
          continue;
        }
        if (source.isClosed()) throw closedError('handover', source.where());
        source.inFlight(true);
        let commit: boolean;
        try {
          send(conn, { v: WIRE_VERSION, pid: process.pid, ...source.describe() }, [source.handle]);
          const reply = await readLine(conn, plan.timeout, () => where, signal);
          // Closed meanwhile: we serve nothing any more, so the taker should.
          commit = reply?.accepting === true || source.isClosed();
          if (commit) {
            // The offer goes first, so that the successor, once told, can offer at the same path.
            native.close(offer);
            offer = undefined;
            commit = tell(conn, { committed: true }); // it left after all: we keep serving
          }
          if (commit) source.retire();
        } finally {
          source.inFlight(false);
        }
        if (commit) return { pid: taker.pid, uid: taker.uid, refused };
        tell(conn, { committed: false }); // it closes its copy; we serve on
        if (signal.aborted) throw stop.aborted ? closedError('handover', source.where()) : signal.reason;
        refused++;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== 'EPIPE' && code !== 'ECONNRESET') throw error;
        refused++; // the taker left before the fd went out
      } finally {
        native.close(conn);
      }
    }
  } finally {
    if (offer !== undefined) native.close(offer); // and its file
  }
}
