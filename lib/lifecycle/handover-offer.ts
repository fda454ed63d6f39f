// server.offerHandover(path): offer this listener to a successor process.
// The offer waits on a unix socket created 0600 at `path`; a process of a
// trusted uid (SO_PEERCRED; ours by default) that connects receives the
// listening fd (SCM_RIGHTS). Once it says it serves it, this process stops
// pulling and closes its own copy: the socket and its kernel queue were never
// closed, so no connection is refused or reset. A taker that goes away (or
// stays silent) before saying so changes nothing here: we keep serving and
// offer again.
import { argumentError, closedError, withAddress, type SocketError, type Where } from '../binding/errors.js';
import { C, native, type NativeHandle } from '../binding/native.js';
import { Watch } from '../io/watch.js';
import { parseUnixTarget } from '../net/url.js';
import { asRecord, readInt } from '../options/options.js';
import { bindUnixFile } from '../socket/unix-file.js';
import { peerCredentials, readLine, send, WIRE_VERSION, type OfferMessage } from './handover-wire.js';

export interface HandoverOptions {
  /** Uids whose processes may take the listener. Default: this process's effective uid. */
  allowUids?: number[];
  /** How long a taker has, once it received the fd, to say it serves it (ms, default 10000); then we keep serving and offer again. */
  timeout?: number;
  /** Withdraws the offer (the promise rejects with the signal's reason); the server keeps serving. */
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
  /** The taker serves it now: stop pulling, close our copy (keeping the unix socket file). */
  retire(): void;
  where(): Where;
}

function planOffer(
  path: unknown,
  options: unknown,
): { path: Buffer; allowUids: number[]; timeout: number; signal: AbortSignal | undefined } {
  if (typeof path !== 'string')
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', `the handover path must be a string, got ${typeof path}`);
  const opts = asRecord(options, ['allowUids', 'timeout', 'signal']);
  const allowUids = opts.allowUids ?? [process.geteuid?.() ?? 0];
  if (!Array.isArray(allowUids) || !allowUids.every((u) => Number.isInteger(u) && u >= 0)) {
    throw argumentError('type', 'ERR_INVALID_ARG_VALUE', 'options.allowUids must be an array of uids (integers >= 0)');
  }
  if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) {
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', 'options.signal must be an AbortSignal');
  }
  return {
    path: parseUnixTarget(path, `handover://${path}`),
    allowUids: allowUids as number[],
    timeout: readInt(opts, 'timeout', 1, 600_000) ?? 10_000,
    signal: opts.signal as AbortSignal | undefined,
  };
}

/** The offer's socket: a unix listener at `path`, created 0600 (a stale one from a crashed offer is replaced), removed when closed. */
function listenAt(path: Buffer): NativeHandle {
  const handle = native.socket(C.AF_UNIX, C.SOCK_STREAM, 0);
  try {
    if (path[0] === 0) {
      native.bind(handle, { family: C.AF_UNIX, path }); // an abstract name has no file mode: SO_PEERCRED is the guard
    } else {
      bindUnixFile(handle, path, { mode: 0o600, removeStale: true, removeOnClose: true });
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
        try {
          const [fd] = native.acceptBatch(listener, 1);
          if (fd !== undefined) settle(null, native.adopt(fd));
        } catch (caught) {
          settle(caught);
        }
      },
    );
    signal.addEventListener('abort', onAbort, { once: true });
    watch.start();
  });
}

/** Offers `source` at `path` until a trusted successor serves it; `stop` aborts when the source closes. */
export async function offerHandover(source: Offerable, path: unknown, options: unknown, stop: AbortSignal): Promise<HandoverResult> {
  const plan = planOffer(path, options);
  const signal = plan.signal === undefined ? stop : AbortSignal.any([stop, plan.signal]);
  signal.throwIfAborted();
  let refused = 0;
  for (;;) {
    if (source.isClosed()) throw closedError('handover', source.where());
    // One taker at a time: the offer's socket goes once someone connects, so a successor can offer at the same path.
    const offer = listenAt(plan.path);
    let conn: NativeHandle;
    try {
      conn = await nextTaker(offer, signal, { address: `handover://${path as string}` });
    } catch (error) {
      throw stop.aborted ? closedError('handover', source.where()) : error;
    } finally {
      native.close(offer); // and its file
    }
    try {
      const taker = peerCredentials(conn, { address: `handover://${path}` });
      if (!plan.allowUids.includes(taker.uid)) {
        refused++;
        try {
          send(conn, {
            v: WIRE_VERSION,
            error: 'EACCES',
            reason: `uid ${taker.uid} may not take this listener (trusted: ${plan.allowUids.join(', ')})`,
          });
        } catch {
          // gone already (it may have turned us away first)
        }
        continue;
      }
      if (source.isClosed()) throw closedError('handover', source.where());
      send(conn, { v: WIRE_VERSION, pid: process.pid, ...source.describe() }, [source.handle]);
      const reply = await readLine(conn, plan.timeout, () => ({ address: `handover://${path}` }), signal);
      if (reply?.accepting === true) {
        source.retire();
        return { pid: taker.pid, uid: taker.uid, refused };
      }
      if (signal.aborted) throw stop.aborted ? closedError('handover', source.where()) : signal.reason;
      refused++; // vanished, silent, or said no: we still serve, and offer again
    } catch (error) {
      if ((error as { code?: string }).code === 'EPIPE' || (error as { code?: string }).code === 'ECONNRESET') {
        refused++;
        continue;
      }
      throw error;
    } finally {
      native.close(conn);
    }
  }
}
