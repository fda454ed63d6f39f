// The checks every stream function makes of its stream argument, with PHP's
// TypeError texts: a stream resource (a server stream or an accepted
// connection) that fclose() has not closed.
import * as net from 'node:net';
import { PhpServerStream } from './server.js';
import { requireOpen } from './stream-state.js';
import { phpType } from './values.js';

export function requireStream(fn: string, stream: unknown, argument = 'stream'): void {
  if (!(stream instanceof PhpServerStream) && !(stream instanceof net.Socket)) {
    throw new TypeError(`${fn}(): Argument #1 ($${argument}) must be of type resource, ${phpType(stream)} given`);
  }
  requireOpen(fn, stream);
}
