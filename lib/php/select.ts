// PHP's stream_select(): which of the given streams can be read or written
// without waiting. The arrays come as Refs of JS arrays, plain objects or
// Maps (PHP arrays); each is replaced by its ready part with the keys PHP
// keeps: a JS array keeps each ready stream at its index (holes elsewhere,
// as PHP's [1 => $b]), objects and Maps keep their keys.
import type * as net from 'node:net';
import { DatagramServer } from '../dgram/datagram.js';
import { StreamServer } from '../stream/server.js';
import { constants as C, receiveOnce } from '../socket/syscalls.js';
import { targetOf, type PhpStream } from './endpoints.js';
import { drained, kernelReadable, whenReadable } from './read-side.js';
import { PhpServerStream, type Ref } from './server.js';
import { activeSocket, isClosed } from './stream-state.js';
import { intParam, ValueError } from './values.js';

export type StreamArray = PhpStream[] | Record<string, PhpStream> | Map<unknown, PhpStream>;
type Kind = 'read' | 'write' | 'except';

function entriesOf(array: StreamArray): Array<[unknown, PhpStream]> {
  if (array instanceof Map) return [...array.entries()];
  if (Array.isArray(array)) return Object.entries(array).map(([key, stream]) => [Number(key), stream]);
  return Object.entries(array);
}

function isStream(value: unknown): value is PhpStream {
  return value instanceof PhpServerStream || (typeof value === 'object' && value !== null && 'readableLength' in value);
}

/** The ready entries, shaped as the array came (keys kept). */
function rebuild(array: StreamArray, ready: Array<[unknown, PhpStream]>): StreamArray {
  if (array instanceof Map) return new Map(ready);
  if (Array.isArray(array)) {
    const out: PhpStream[] = [];
    for (const [index, stream] of ready) out[index as number] = stream;
    return out;
  }
  return Object.fromEntries(ready as Array<[string, PhpStream]>);
}

function readableNow(stream: PhpStream): boolean {
  if (stream instanceof PhpServerStream) {
    const server = stream.server;
    if (server === null || server.closed) return false;
    try {
      if (server instanceof DatagramServer) return receiveOnce(server, 1, C.MSG_PEEK! | C.MSG_DONTWAIT! | C.MSG_TRUNC!) !== null;
      return (server as StreamServer).acceptableNow();
    } catch {
      return true; // the call that follows reports the error
    }
  }
  const socket = activeSocket(stream);
  if (socket.readableLength > 0 || drained(socket)) return true;
  const fd = targetOf(stream);
  return fd === null || kernelReadable(fd) !== 'none';
}

function writableNow(stream: PhpStream): boolean {
  if (stream instanceof PhpServerStream) return stream.server instanceof DatagramServer;
  const socket = activeSocket(stream);
  return !socket.writable || !socket.writableNeedDrain; // a dead socket is "ready": the write reports it
}

const now: Record<Kind, (stream: PhpStream) => boolean> = { read: readableNow, write: writableNow, except: () => false };

/** Resolves once any of the signals aborts, leaving no listener behind. */
function anyAbort(...signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const signal of signals) signal.removeEventListener('abort', done);
      resolve();
    };
    if (signals.some((signal) => signal.aborted)) return resolve();
    for (const signal of signals) signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves on one of a socket's events, or when `stop` aborts. */
function onceOf(socket: net.Socket, events: string[], stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of events) socket.off(event, done);
      stop.removeEventListener('abort', done);
      resolve();
    };
    for (const event of events) socket.on(event, done);
    stop.addEventListener('abort', done, { once: true });
  });
}

/**
 * Resolves when `stream` may have become ready for `kind` (the caller checks
 * again), or is closed: a select never outlives the streams it watches.
 */
function whenReady(stream: PhpStream, kind: Kind, stop: AbortSignal): Promise<unknown> {
  if (stream instanceof PhpServerStream) {
    const server = stream.server;
    if (kind !== 'read' || server === null) return anyAbort(stream.closing, stop); // never ready, until fclose()
    return server instanceof DatagramServer ? server.waitReadable(stop) : (server as StreamServer).waitAcceptable(stop);
  }
  const socket: net.Socket = activeSocket(stream);
  if (kind === 'read') return whenReadable(socket, undefined, stop);
  return onceOf(socket, kind === 'write' ? ['drain', 'close'] : ['close'], stop);
}

/**
 * PHP's stream_select(): resolves to the number of ready streams (0 after
 * the timeout) and leaves only those in the arrays. `seconds` null waits
 * until one is ready.
 */
export async function stream_select(
  read: Ref<StreamArray | null> | null,
  write: Ref<StreamArray | null> | null,
  except: Ref<StreamArray | null> | null,
  seconds: number | null,
  microseconds: number | null = null,
): Promise<number | false> {
  seconds = intParam('stream_select', 4, 'seconds', seconds, true);
  microseconds = intParam('stream_select', 5, 'microseconds', microseconds, true);
  if (seconds !== null && seconds < 0) throw new ValueError('stream_select(): Argument #4 ($seconds) must be greater than or equal to 0');
  if (microseconds !== null && microseconds < 0) {
    throw new ValueError('stream_select(): Argument #5 ($microseconds) must be greater than or equal to 0');
  }
  if (seconds === null && microseconds !== null) {
    throw new ValueError('stream_select(): Argument #5 ($microseconds) must be null when argument #4 ($seconds) is null');
  }
  // PHP skips what is not an open stream, runs the select on the rest, and only then throws.
  let invalid: TypeError | null = null;
  const sets: Array<[Kind, Ref<StreamArray | null>, Array<[unknown, PhpStream]>]> = [];
  for (const [kind, ref] of [
    ['read', read],
    ['write', write],
    ['except', except],
  ] as const) {
    if (ref?.value == null) continue;
    const entries = entriesOf(ref.value).filter(([, stream]) => {
      if (!isStream(stream)) invalid ??= new TypeError('stream_select(): supplied argument is not a valid stream resource');
      else if (isClosed(stream)) invalid ??= new TypeError('stream_select(): supplied resource is not a valid stream resource');
      else return true;
      return false;
    });
    sets.push([kind, ref, entries]);
  }
  if (sets.every(([, , entries]) => entries.length === 0)) throw new ValueError('No stream arrays were passed');

  const readyNow = () => sets.map(([kind, , entries]) => entries.filter(([, stream]) => now[kind](stream)));
  let ready = readyNow();
  // select() counts each ready fd once per set, however many keys hold it.
  const count = () => ready.reduce((sum, list) => sum + new Set(list.map(([, stream]) => stream)).size, 0);
  const ms = seconds === null ? undefined : seconds * 1000 + (microseconds ?? 0) / 1000;
  if (count() === 0 && ms !== 0) {
    const stop = new AbortController();
    const waits = sets.flatMap(([kind, , entries]) => entries.map(([, stream]) => whenReady(stream, kind, stop.signal).catch(() => {})));
    let timer: NodeJS.Timeout | undefined;
    const timeout = ms === undefined ? [] : [new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(ms, 2 ** 31 - 1))))];
    await Promise.race([...waits, ...timeout]);
    clearTimeout(timer);
    stop.abort();
    // Streams that became ready in the same turn of the event loop count too.
    await new Promise((resolve) => setImmediate(resolve));
    ready = readyNow();
  }
  sets.forEach(([, ref], i) => (ref.value = rebuild(ref.value!, ready[i]!)));
  if (invalid !== null) throw invalid;
  return count();
}
