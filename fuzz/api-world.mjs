// One sequence's world in the API fuzzer: the servers it opened, the clients
// and connections, the promises still in flight (each with the bound within
// which it must settle), and the checks at its end: every operation settles
// within its own bound, everything settles once closed, no socket fd the
// sequence held outlives it, no socket file of the core stays.
//
// Many worlds run side by side in one process, so a world's fd check is its
// own: the socket inodes of what it holds (servers, accepted connections,
// clients, net.Servers, raw fds), taken right before it closes them, must be
// gone afterwards. Fds that no world knows of (the library's own) are the
// worker's global check (api-worker.mjs); a sequence replayed alone
// (`strict`) also compares the whole process's fds before and after, as
// before.
import { closeSync, readlinkSync, statSync } from 'node:fs';
import { leakedFds, openFds, verdict } from './verdict.mjs';

const SETTLE_AFTER_CLOSE_MS = 3000;
const SETTLE_SLACK_MS = 2000;
/** Before closing, a sequence waits for what is due within this (timeouts, aborts); longer bounds are left to the close. */
const WAIT_DUE_MS = 1500;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** "socket:[123]" for a socket fd, else null. */
export function socketLink(fd) {
  try {
    const link = readlinkSync(`/proc/self/fd/${fd}`);
    return link.startsWith('socket:') ? link : null;
  } catch {
    return null;
  }
}

const dgramState = (o) => {
  const symbol = Object.getOwnPropertySymbols(o).find((s) => s.description === 'state symbol');
  return symbol ? o[symbol]?.handle : undefined;
};
const FD_GETTERS = [
  (o) => o.fd, // core servers (-1 once closed or handed off)
  (o) => o.tcp?.fd, // TlsServer
  (o) => o.server?.fd, // PHP server stream over a core server
  (o) => o.server?.tcp?.fd,
  (o) => o._handle?.fd, // net.Socket, tls.TLSSocket, net.Server (null once closed)
  (o) => dgramState(o)?.fd, // dgram.Socket
];

/** The fd an object holds now, or -1. */
export function fdOf(object) {
  if (typeof object === 'number') return object;
  if (object === null || typeof object !== 'object') return -1;
  for (const get of FD_GETTERS) {
    try {
      const fd = get(object);
      if (Number.isInteger(fd) && fd > 2) return fd;
    } catch {}
  }
  return -1;
}

let lastGc = 0;
/** gc(), at most every 100 ms however many worlds ask (a full collection is costly). */
export function gcSometimes() {
  if (Date.now() - lastGc < 100) return;
  lastGc = Date.now();
  globalThis.gc?.();
}

export class World {
  servers = [];
  clients = new Set();
  conns = new Set();
  rawFds = new Set();
  netServers = new Set();
  pending = new Set();
  /** Unix socket files the core created and must remove on close: "path\0inode". */
  coreFiles = new Set();
  /** "fd socket:[inode]" → what held it, taken right before closing. */
  held = new Map();
  log = [];
  serial = 0;
  /** The other sequences that ran side by side with this one (their indexes), for a replay of them together. */
  company = new Set();

  /**
   * `tag`: unique among the worlds in flight (the sequence's index), for names outside `dir` (abstract unix names).
   * `strict`: alone in its process (a replay): also compares every socket fd of the process before and after.
   */
  constructor({ rng, dir, tag, seed, findings, certificate, pemFile, SocketError, progress, strict = false }) {
    Object.assign(this, { rng, dir, tag, seed, findings, certificate, pemFile, SocketError, progress, strict });
    this.before = strict ? openFds() : null;
  }

  note(text) {
    this.log.push(text);
    this.progress(`${this.seed}#${this.log.length}`, text);
  }

  /** A finding, with the sequence's seed and its operations so far. */
  finding(kind, where, what, detail) {
    // A leak or a hang may come from any earlier operation: those keep the whole log.
    const whole = kind === 'fd-leak' || kind === 'file-left' || kind === 'unsettled';
    const text = `${detail ? `${detail} -- after: ` : ''}${this.log.slice(whole ? 0 : -12).join(' ; ')}`;
    const [worker, index] = this.seed.split('/');
    const company = [...this.company, Number(index)].sort((a, b) => a - b).join(',');
    this.findings.add(kind, where, what, {
      seed: this.seed,
      text,
      ops: this.log.length,
      replay: `npm run fuzz -- --replay api:${this.seed}`,
      ...(this.company.size > 0 && { together: `npm run fuzz -- --replay api:${worker}/${company}` }),
    });
  }

  /** Runs a synchronous call; an error the API does not promise is a finding. Returns [ok, value]. */
  call(where, fn, allowed = []) {
    try {
      return [true, fn()];
    } catch (error) {
      this.check(where, error, allowed);
      return [false, error];
    }
  }

  check(where, error, allowed = []) {
    const why = verdict(error, { SocketError: this.SocketError, allowed });
    if (why) this.finding('throws', where, why);
  }

  /**
   * Tracks a promise: its rejection is checked, what it resolves to is
   * adopted (sockets, fds, servers), and it must settle within `boundMs` of
   * now (a timeout it was given) plus slack, or at the latest soon after
   * everything closed (`boundMs` null: it waits until close).
   */
  track(where, promise, boundMs = null, allowed = []) {
    const entry = { where, started: Date.now(), boundMs, settled: false, text: this.log.at(-1) };
    this.pending.add(entry);
    entry.promise = Promise.resolve(promise).then(
      (value) => {
        entry.settled = true;
        this.pending.delete(entry);
        this.adopt(value);
        return value;
      },
      (error) => {
        entry.settled = true;
        this.pending.delete(entry);
        this.check(where, error, allowed);
        return error;
      },
    );
    return entry.promise;
  }

  /** What an operation handed us that we must close: connections, raw fds, net.Servers. */
  adopt(value) {
    if (value === null || value === undefined || value === false) return;
    if (typeof value === 'number' && Number.isInteger(value) && value > 2) this.rawFds.add(value);
    else if (Array.isArray(value)) for (const v of value) this.adopt(v);
    else if (typeof value.destroy === 'function' && typeof value.write === 'function') {
      value.on?.('error', () => {});
      this.conns.add(value);
    } else if (typeof value.listen === 'function' && typeof value.close === 'function') this.netServers.add(value);
    else if (typeof value === 'object' && 'value' in value && value.done === false) this.adopt(value.value);
  }

  /** Notes the socket inode each object holds now (before closing it), so that the end can tell it went away. */
  hold(objects) {
    for (const object of objects) {
      const fd = fdOf(object);
      if (fd < 0) continue;
      const link = socketLink(fd);
      if (link) this.held.set(`${fd} ${link}`, { fd, link });
    }
  }

  closeRawFds() {
    this.hold(this.rawFds);
    for (const fd of this.rawFds) {
      try {
        closeSync(fd);
      } catch {}
    }
    this.rawFds.clear();
  }

  /**
   * Before closing: waits for the promises whose bound falls within
   * WAIT_DUE_MS (most: timeouts of 0-20 ms), each at most to its bound plus
   * slack, and reports those that pass it. Longer bounds are left to the close.
   */
  async overdue() {
    const due = (e) => e.boundMs !== null && e.started + e.boundMs <= Date.now() + WAIT_DUE_MS;
    for (;;) {
      const waiting = [...this.pending].filter(due);
      if (waiting.length === 0) return;
      const now = Date.now();
      for (const entry of waiting) {
        if (now - entry.started > entry.boundMs + SETTLE_SLACK_MS) {
          this.finding(
            'unsettled',
            entry.where,
            'not settled within its own bound',
            `${now - entry.started} ms, bound ${entry.boundMs} ms`,
          );
          this.pending.delete(entry);
        }
      }
      await sleep(5);
    }
  }

  /** Closes everything, then checks: every promise settled, no socket fd left, no core socket file left. */
  async end(closeServer) {
    this.note('end: close everything');
    this.hold([...this.servers.map((s) => s.server), ...this.clients, ...this.conns, ...this.netServers]);
    for (const s of this.servers) closeServer(s);
    for (const c of [...this.clients, ...this.conns]) {
      try {
        if (typeof c.destroy === 'function') c.destroy();
        else c.close();
      } catch {}
    }
    this.closeRawFds();
    for (const s of this.netServers) s.close?.(() => {});
    const end = Date.now() + SETTLE_AFTER_CLOSE_MS;
    while (this.pending.size > 0 && Date.now() < end) await sleep(10);
    for (const entry of this.pending)
      this.finding(
        'unsettled',
        entry.where,
        `still pending ${SETTLE_AFTER_CLOSE_MS} ms after close`,
        `${entry.text}, bound ${entry.boundMs ?? 'until close'} ms`,
      );
    // Connections an operation resolved with during the close, destroyed too.
    this.hold(this.conns);
    for (const c of this.conns) c.destroy?.();
    this.closeRawFds();
    // Closing is partly asynchronous (a net.Server's 'close' is emitted on a later tick; finalizers): give it turns.
    const leaked = await this.#stillHeld(3000);
    for (const { fd, link } of leaked)
      this.finding('fd-leak', 'end of sequence', 'a socket fd is open after everything was closed', `${fd} -> ${link}`);
    if (this.strict) {
      for (const fd of await leakedFds(this.before, null, 3000))
        if (!leaked.some((l) => `${l.fd} -> ${l.link}` === fd))
          this.finding('fd-leak', 'end of sequence', 'a socket fd is open after everything was closed', fd);
    }
    for (const file of await this.#filesLeft(1000))
      this.finding('file-left', 'end of sequence', 'a socket file the core created is left after close', file);
    return { leaked: leaked.map((l) => l.link), pending: this.pending.size };
  }

  async #stillHeld(ms) {
    const end = Date.now() + ms;
    for (let turn = 0; ; turn++) {
      const open = [...this.held.values()].filter(({ fd, link }) => socketLink(fd) === link);
      if (open.length === 0 || Date.now() > end) return open;
      if (turn >= 2) gcSometimes(); // finalizers close what was dropped unclosed
      await sleep(10);
    }
  }

  async #filesLeft(ms) {
    const end = Date.now() + ms;
    for (;;) {
      const left = [...this.coreFiles].filter((key) => {
        const [file, ino] = key.split('\0');
        try {
          return String(statSync(file).ino) === ino;
        } catch {
          return false;
        }
      });
      if (left.length === 0 || Date.now() > end) return left.map((key) => key.split('\0')[0]);
      await sleep(10);
    }
  }
}
