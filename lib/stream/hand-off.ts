// Giving a listening fd to a net.Server (StreamServer#handOff): the checks made
// before anything is given up, and node:net's listen({ fd }) as a promise that
// adds and removes only its own listeners on the target.
import * as net from 'node:net';
import { argumentError } from '../binding/errors.js';
import { formatHostPort } from '../net/address.js';

/** A TypeError for anything but a net.Server; an error naming where it listens for one that listens already. */
export function checkTarget(target: unknown): asserts target is net.Server {
  if (!(target instanceof net.Server)) {
    const got =
      target === null || typeof target !== 'object' ? `${typeof target} ${String(target)}` : `an instance of ${target.constructor?.name}`;
    throw argumentError('type', 'ERR_INVALID_ARG_TYPE', `handOff() takes a net.Server (http.Server, tls.Server…), got ${got}`);
  }
  if (target.listening) throw alreadyListening(target);
}

/** A target that listens already is a wrong argument: a TypeError with node:net's code for it. */
function alreadyListening(target: net.Server): TypeError {
  const address = target.address();
  const where = address === null ? '' : ` on ${typeof address === 'string' ? address : formatHostPort(address.address, address.port)}`;
  const message = `handOff(): the target net.Server is already listening${where}; this server stays open and keeps its socket`;
  return argumentError('type', 'ERR_SERVER_ALREADY_LISTEN', message);
}

/** The target closed before it listened: node:net's handle took the fd with it. */
export class TargetClosed extends Error {
  constructor() {
    super('handOff(): the target net.Server was closed before it listened; the socket went with it');
  }
}

/**
 * target.listen({ fd }, backlog). `adopt` runs in the 'listening' tick,
 * before libuv polls again; a failure (an 'error' event, or a throw) rejects
 * and leaves the fd to its owner.
 */
export function listenOnFd(target: net.Server, fd: number, backlog: number, adopt: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    // node:net sets `listening` as soon as listen() opened the fd: a 'close' that finds it
    // still set is one from before (a target closed just before the hand-off), not ours.
    const onClose = (): void => {
      if (!target.listening) settle(new TargetClosed());
    };
    const settle = (error: unknown): void => {
      target.off('error', settle);
      target.off('listening', onListening);
      target.off('close', onClose);
      if (error === undefined) resolve();
      else reject((error as { code?: unknown }).code === 'ERR_SERVER_ALREADY_LISTEN' ? alreadyListening(target) : error);
    };
    const onListening = (): void => {
      try {
        adopt();
        settle(undefined);
      } catch (error) {
        settle(error);
      }
    };
    target.on('error', settle);
    target.on('listening', onListening);
    target.on('close', onClose);
    try {
      // For { fd }, node:net takes the backlog only as the second argument.
      target.listen({ fd }, backlog);
    } catch (error) {
      settle(error);
    }
  });
}
