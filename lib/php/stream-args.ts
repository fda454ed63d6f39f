// The checks every stream function makes of its stream argument, with PHP's
// TypeError texts: a stream resource (a server stream or an accepted
// connection), checked first as PHP's argument parsing does, and one that
// fclose() has not closed, checked after the value checks.
import * as net from 'node:net';
import { PhpServerStream } from './server.js';
import { requireOpen } from './stream-state.js';
import { phpType } from './values.js';

/** PHP's argument check (before any value check): a stream resource, else its TypeError. */
export function requireStreamType(fn: string, stream: unknown, argument = 'stream'): void {
  if (!(stream instanceof PhpServerStream) && !(stream instanceof net.Socket)) {
    throw new TypeError(`${fn}(): Argument #1 ($${argument}) must be of type resource, ${phpType(stream)} given`);
  }
}

/** Both checks, for functions with no value to check in between. */
export function requireStream(fn: string, stream: unknown, argument = 'stream'): void {
  requireStreamType(fn, stream, argument);
  requireOpen(fn, stream as object);
}
