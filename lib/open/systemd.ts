// systemd socket activation, as sd_listen_fds(3) reads it: the sockets
// start at fd 3, LISTEN_FDS says how many, LISTEN_PID must be this process
// (a child that inherited the environment is not meant), LISTEN_FDNAMES
// names them (FileDescriptorName=). The variables are read once and removed
// from the environment, so workers and children never take them again.
import { socketErrorOf, type SocketError } from '../binding/errors.js';
import type { DatagramServer } from '../dgram/datagram.js';
import type { StreamServer } from '../stream/server.js';
import type { TlsServer } from '../tls/tls-server.js';
import { planInherited, probeInherited, type InheritedOptions } from './inherit.js';
import type { Origin } from '../socket/bound-socket.js';

/** SD_LISTEN_FDS_START */
const FIRST_FD = 3;

interface Passed {
  fd: number;
  name: string;
  taken: boolean;
}

let passed: Passed[] | SocketError | undefined;

function notPassed(reason: string): SocketError {
  return socketErrorOf('ENOENT', 'sd_listen_fds', reason, { address: 'systemd://' });
}

/** The sockets systemd passed, read from the environment once (which is then cleared). */
function readEnvironment(): Passed[] | SocketError {
  const { LISTEN_PID: pid, LISTEN_FDS: count, LISTEN_FDNAMES: names } = process.env;
  delete process.env.LISTEN_PID;
  delete process.env.LISTEN_FDS;
  delete process.env.LISTEN_FDNAMES;
  if (count === undefined) return notPassed('LISTEN_FDS is not set: this process was not started by socket activation');
  if (pid === undefined) return notPassed('LISTEN_PID is not set, so the sockets in LISTEN_FDS cannot be known to be ours');
  if (!/^\d+$/.test(pid) || Number(pid) !== process.pid) {
    return notPassed(`LISTEN_PID is ${JSON.stringify(pid)}, not this process (${process.pid}): the sockets were passed to another process`);
  }
  if (!/^\d{1,4}$/.test(count))
    return socketErrorOf('EINVAL', 'sd_listen_fds', `LISTEN_FDS is ${JSON.stringify(count)}, not a count of fds`);
  const n = Number(count);
  const labels = names === undefined || names === '' ? [] : names.split(':');
  if (labels.length > 0 && labels.length !== n) {
    return socketErrorOf('EINVAL', 'sd_listen_fds', `LISTEN_FDNAMES has ${labels.length} names for ${n} fds`);
  }
  return Array.from({ length: n }, (_, i) => ({ fd: FIRST_FD + i, name: labels[i] ?? 'unknown', taken: false }));
}

function passedSockets(): Passed[] {
  passed ??= readEnvironment();
  if (!Array.isArray(passed)) throw passed;
  return passed;
}

function take(entry: Passed, options: InheritedOptions | undefined, url: string): StreamServer | DatagramServer | TlsServer {
  if (entry.taken) throw socketErrorOf('EBUSY', 'adopt', `fd ${entry.fd} (${entry.name}) was taken already`, { address: url });
  const server = probeInherited(entry.fd, planInherited(options, url), url, originOf(entry))();
  entry.taken = true;
  return server;
}

function originOf(entry: Passed): Origin {
  return { via: 'systemd', fd: entry.fd, name: entry.name };
}

/** openServer('systemd://') (the first socket, fd 3) or openServer('systemd://NAME'). */
export function openSystemd(
  name: string | undefined,
  options: InheritedOptions | undefined,
  url: string,
): StreamServer | DatagramServer | TlsServer {
  const sockets = passedSockets();
  const entry =
    name === undefined ? sockets[0] : (sockets.find((s) => s.name === name && !s.taken) ?? sockets.find((s) => s.name === name));
  if (entry === undefined) {
    const known = sockets.map((s) => `${s.name} (fd ${s.fd})`).join(', ');
    throw notPassed(
      name === undefined
        ? 'LISTEN_FDS is 0: no socket was passed'
        : `no socket named ${JSON.stringify(name)} was passed (passed: ${known || 'none'})`,
    );
  }
  return take(entry, options, url);
}

/**
 * Every socket systemd passed that is not taken yet, in fd order, each as
 * its server (StreamServer, DatagramServer, or TlsServer with options.tls);
 * `server.origin` tells its fd and name. `options` apply to each socket they
 * fit (backlog, listen and tls to the stream ones).
 */
export function systemdListeners(options?: InheritedOptions): Array<StreamServer | DatagramServer | TlsServer> {
  const plan = planInherited(options, 'systemd://');
  const entries = passedSockets().filter((entry) => !entry.taken);
  // Every socket is checked before any is taken: one that does not fit leaves them all as they were.
  const takers = entries.map((entry) => probeInherited(entry.fd, plan, `systemd://${entry.name}`, originOf(entry), true));
  return entries.map((entry, i) => {
    const server = takers[i]!();
    entry.taken = true;
    return server;
  });
}
