// The handover conversation, on a unix stream socket, one JSON line at a time:
//   offerer -> taker  {"v":1,"kind":"stream","backlog":511,"file":"/run/a.sock","pid":41}
//                     with the listener's fd attached (SCM_RIGHTS),
//                     or {"v":1,"error":"EACCES","reason":"…"} and no fd;
//   taker -> offerer  {"v":1,"accepting":true,"pid":42} once it serves the listener;
//   offerer -> taker  {"v":1,"committed":true} (it let go) or false (it kept it).
// Both ends first check who the other is (SO_PEERCRED).
import { argumentError, socketErrorOf, unavailableError, type ErrorCode, type SocketError, type Where } from '../binding/errors.js';
import { C, native, type NativeHandle } from '../binding/native.js';
import { Watch } from '../io/watch.js';

export const WIRE_VERSION = 1;
/** A line longer than this is not a handover message. */
const MAX_LINE = 16 * 1024;

export interface OfferMessage {
  v: number;
  kind: 'stream' | 'datagram';
  backlog?: number;
  file?: string;
  pid: number;
}

export interface Credentials {
  pid: number;
  uid: number;
  gid: number;
}

/** The uids whose processes a handover trusts (`option` names it in errors): default, our effective uid. */
export function readUids(value: unknown, option: string): number[] {
  const uids = value ?? [process.geteuid?.() ?? 0];
  if (!Array.isArray(uids) || !uids.every((u) => Number.isInteger(u) && u >= 0)) {
    throw argumentError('type', 'ERR_INVALID_ARG_VALUE', `${option} must be an array of uids (integers >= 0)`);
  }
  return uids as number[];
}

/** SO_PEERCRED: who is at the other end (the connecting process, or the one that called listen()). */
export function peerCredentials(handle: NativeHandle, where: Where): Credentials {
  if (C.SO_PEERCRED === undefined) throw unavailableError('getsockopt', 'SO_PEERCRED', where);
  const raw = native.getsockoptBuffer(handle, C.SOL_SOCKET, C.SO_PEERCRED, 12); // struct ucred
  return { pid: raw.readInt32LE(0), uid: raw.readUInt32LE(4), gid: raw.readUInt32LE(8) };
}

export function send(handle: NativeHandle, message: object, handles: NativeHandle[] = []): void {
  native.sendHandles(handle, Buffer.from(`${JSON.stringify(message)}\n`), handles);
}

/** Bytes received so far, and the fds that came with them; one line is taken at a time. */
export class Inbox {
  #bytes = Buffer.alloc(0);
  readonly handles: NativeHandle[] = [];
  ended = false;

  /** One non-blocking receive: false when nothing was there. */
  receive(handle: NativeHandle, maxHandles: number): boolean {
    const got = native.recvHandles(handle, MAX_LINE, maxHandles);
    if (got === null) return false;
    this.handles.push(...got.handles);
    if (got.data.length === 0) this.ended = true;
    else this.#bytes = Buffer.concat([this.#bytes, got.data]);
    if (this.#bytes.length > MAX_LINE) throw socketErrorOf('EMSGSIZE', 'recvmsg', 'a handover message longer than 16 KiB');
    return true;
  }

  /** The first complete line, parsed; undefined until one is there. Anything but a JSON object of our version is EPROTO. */
  line(): Record<string, unknown> | undefined {
    const end = this.#bytes.indexOf(10);
    if (end < 0) return undefined;
    const text = this.#bytes.subarray(0, end).toString();
    this.#bytes = this.#bytes.subarray(end + 1);
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      message = undefined;
    }
    if (typeof message !== 'object' || message === null || (message as { v?: unknown }).v !== WIRE_VERSION) {
      throw socketErrorOf('EPROTO', 'recvmsg', `not a handover message of version ${WIRE_VERSION}: ${JSON.stringify(text.slice(0, 80))}`);
    }
    return message as Record<string, unknown>;
  }

  /** Closes fds nobody took. */
  discard(): void {
    for (const h of this.handles.splice(0)) native.close(h);
  }
}

/** The refusal a peer sent, as the SocketError it stands for. */
export function refusalError(message: Record<string, unknown>, where: Where): SocketError | undefined {
  if (typeof message.error !== 'string') return undefined;
  const code = /^E[A-Z0-9]+$/.test(message.error) ? (message.error as ErrorCode) : 'EPROTO';
  return socketErrorOf(code, 'handover', String(message.reason ?? 'refused by the other process'), where);
}

/**
 * Waits (without blocking the event loop) for one line from `handle`; null
 * when the peer closes or `timeoutMs` passes first, or when `signal` aborts.
 */
export function readLine(
  handle: NativeHandle,
  timeoutMs: number,
  where: () => Where,
  signal?: AbortSignal,
): Promise<Record<string, unknown> | null> {
  return new Promise((resolve, reject) => {
    const inbox = new Inbox();
    const finish = (line: Record<string, unknown> | null, error?: unknown): void => {
      watch.stop();
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      inbox.discard();
      if (error === undefined) resolve(line);
      else reject(error);
    };
    const onAbort = (): void => finish(null);
    const watch = new Watch(handle, where, (error) => {
      if (error !== null) return finish(null);
      try {
        while (inbox.receive(handle, 0)) {
          const line = inbox.line();
          if (line !== undefined) return finish(line);
          if (inbox.ended) return finish(null);
        }
      } catch {
        finish(null); // a garbled reply, or fds we never asked for (closed by the addon): not a taker
      }
    });
    const timer = setTimeout(() => finish(null), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    watch.start();
  });
}
