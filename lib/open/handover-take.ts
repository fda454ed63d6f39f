// openServer('handover:///path'): take a listener from the process that
// offers it there (server.offerHandover(path)). Synchronous like every
// openServer(): the one wait is for a process on this machine that is
// already running, bounded by options.handover.timeout, and it happens at
// start-up, before this process serves anything.
import { socketErrorOf, withAddress, type Where } from '../binding/errors.js';
import { C, native, type NativeHandle } from '../binding/native.js';
import type { DatagramServer } from '../dgram/datagram.js';
import type { StreamServer } from '../stream/server.js';
import type { TlsServer } from '../tls/tls-server.js';
import { planInherited, serveInherited, takeFileDuty, type InheritedOptions } from './inherit.js';
import { Inbox, peerCredentials, refusalError, send, WIRE_VERSION } from '../lifecycle/handover-wire.js';

const pause = new Int32Array(new SharedArrayBuffer(4));

function remaining(deadline: number): number {
  return Math.max(0, Math.min(60_000, deadline - Date.now()));
}

/** connect(2) to the offer; a full handover backlog (EAGAIN) is retried every 10 ms until the deadline. */
function connect(handle: NativeHandle, path: Buffer, deadline: number, where: Where): void {
  for (;;) {
    try {
      return native.connect(handle, { family: C.AF_UNIX, path });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ENOENT' || code === 'ECONNREFUSED') {
        throw socketErrorOf(code, 'connect', 'no process offers a listener there (server.offerHandover(path) makes the offer)', where);
      }
      if (code !== 'EAGAIN' || remaining(deadline) === 0) throw withAddress(error, where);
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

/** The next line from the offer (with any fds that came with it), 'eof' if it closed, 'timeout' at the deadline. */
function nextLine(handle: NativeHandle, inbox: Inbox, deadline: number): Record<string, unknown> | 'eof' | 'timeout' {
  for (;;) {
    while (inbox.receive(handle, 4)) {
      const line = inbox.line();
      if (line !== undefined) return line;
      if (inbox.ended) return 'eof';
    }
    const left = remaining(deadline);
    if (left === 0 || !native.waitFor(handle, false, left)) return 'timeout';
  }
}

export function takeHandover(path: Buffer, options: InheritedOptions | undefined, url: string): StreamServer | DatagramServer | TlsServer {
  const plan = planInherited(options, url);
  const where: Where = { address: url };
  const deadline = Date.now() + plan.handover.timeout;
  const conn = native.socket(C.AF_UNIX, C.SOCK_STREAM, 0);
  const inbox = new Inbox();
  try {
    connect(conn, path, deadline, where);
    const offerer = peerCredentials(conn, where);
    if (!plan.handover.allowUids.includes(offerer.uid)) {
      try {
        send(conn, {
          v: WIRE_VERSION,
          error: 'EACCES',
          reason: `uid ${process.geteuid?.()} does not take listeners from uid ${offerer.uid}`,
        });
      } catch {
        // The offer may have turned us away first (it checks our uid too): our own refusal is the one to report.
      }
      throw socketErrorOf(
        'EACCES',
        'handover',
        `the offer is made by uid ${offerer.uid} (pid ${offerer.pid}), not a trusted uid (${plan.handover.allowUids.join(', ')}); options.handover.allowUids`,
        where,
      );
    }
    if (offerer.pid === process.pid)
      throw socketErrorOf('EDEADLK', 'handover', 'the offer is this process’s own: take it from another process', where);
    const offer = nextLine(conn, inbox, deadline);
    if (offer === 'eof')
      throw socketErrorOf('ECONNRESET', 'recvmsg', 'the offering process closed the handover before sending its listener', where);
    if (offer === 'timeout')
      throw socketErrorOf('ETIMEDOUT', 'recvmsg', `no listener from the offering process within ${plan.handover.timeout} ms`, where);
    const refusal = refusalError(offer, where);
    if (refusal !== undefined) throw refusal;
    if (inbox.handles.length !== 1 || (offer.kind !== 'stream' && offer.kind !== 'datagram')) {
      throw socketErrorOf(
        'EPROTO',
        'recvmsg',
        `expected one listener, got ${inbox.handles.length} fds for a ${String(offer.kind)} offer`,
        where,
      );
    }
    const listener = inbox.handles.pop()!;
    const server = serveInherited(listener, plan, url, {
      origin: { via: 'handover', fd: native.fd(listener), pid: offerer.pid },
      backlog: typeof offer.backlog === 'number' ? offer.backlog : undefined,
      file: typeof offer.file === 'string' ? offer.file : undefined,
    });
    // We serve it: the offering process now lets go ("committed") or keeps it ("committed": false).
    // Gone or silent, it serves nothing we know of: the listener is ours (both serving loses nothing).
    try {
      send(conn, { v: WIRE_VERSION, accepting: true, pid: process.pid });
    } catch {
      // gone already
    }
    const verdict = nextLine(conn, inbox, Math.max(deadline, Date.now() + 1000));
    if (typeof verdict === 'object' && verdict.committed === false) {
      server.close(); // our copy only: the unix socket file is still the offering process's
      throw socketErrorOf('ECANCELED', 'handover', 'the offering process kept its listener (it gave up waiting for this process)', where);
    }
    if (typeof offer.file === 'string') takeFileDuty(server, offer.file);
    return server;
  } catch (error) {
    throw withAddress(error, where);
  } finally {
    inbox.discard();
    native.close(conn);
  }
}
