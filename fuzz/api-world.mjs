// One sequence's world in the API fuzzer: the servers it opened, the clients
// and connections, the promises still in flight (each with the bound within
// which it must settle), and the checks at its end: everything settles once
// closed, no socket fd outlives the sequence, no socket file of the core stays.
import { closeSync, existsSync } from 'node:fs';
import { leakedFds, openFds, verdict } from './verdict.mjs';

const SETTLE_AFTER_CLOSE_MS = 3000;
const SETTLE_SLACK_MS = 2000;

export class World {
  servers = [];
  clients = new Set();
  conns = new Set();
  rawFds = new Set();
  netServers = new Set();
  pending = new Set();
  /** Unix socket files the core created and must remove on close. */
  coreFiles = new Set();
  log = [];
  serial = 0;

  constructor({ rng, dir, seed, findings, certificate, pemFile, SocketError, progress }) {
    Object.assign(this, { rng, dir, seed, findings, certificate, pemFile, SocketError, progress });
    this.before = openFds();
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
    this.findings.add(kind, where, what, { seed: this.seed, text, ops: this.log.length });
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
   * now (a timeout it was given, plus slack), or at the latest soon after
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

  closeRawFds() {
    for (const fd of this.rawFds) {
      try {
        closeSync(fd);
      } catch {}
    }
    this.rawFds.clear();
  }

  /** Waits up to `ms` for the promises in flight, then reports those past their bound. */
  async overdue(ms) {
    const end = Date.now() + ms;
    while (this.pending.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    for (const entry of this.pending) {
      if (entry.boundMs !== null && Date.now() - entry.started > entry.boundMs + SETTLE_SLACK_MS) {
        this.finding(
          'unsettled',
          entry.where,
          'not settled within its own bound',
          `${Date.now() - entry.started} ms, bound ${entry.boundMs} ms`,
        );
        this.pending.delete(entry);
      }
    }
  }

  /** Closes everything, then checks: every promise settled, no socket fd left, no core socket file left. */
  async end(closeServer) {
    this.note('end: close everything');
    for (const s of this.servers) closeServer(s);
    for (const c of [...this.clients, ...this.conns]) {
      try {
        if (typeof c.destroy === 'function') c.destroy();
        else c.close();
      } catch {}
    }
    this.closeRawFds();
    for (const s of this.netServers) s.close?.(() => {});
    this.progress('close', 'settling');
    const end = Date.now() + SETTLE_AFTER_CLOSE_MS;
    while (this.pending.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    for (const entry of this.pending)
      this.finding(
        'unsettled',
        entry.where,
        `still pending ${SETTLE_AFTER_CLOSE_MS} ms after close`,
        `${entry.text}, bound ${entry.boundMs ?? 'until close'} ms`,
      );
    // Connections an operation resolved with during the close, destroyed too.
    for (const c of this.conns) c.destroy?.();
    this.closeRawFds();
    const leaked = await leakedFds(this.before, null, 3000);
    for (const fd of leaked) this.finding('fd-leak', 'end of sequence', 'a socket fd is open after everything was closed', fd);
    for (const file of this.coreFiles) {
      if (existsSync(file)) this.finding('file-left', 'end of sequence', 'a socket file the core created is left after close', file);
    }
    return { leaked: leaked.length, pending: this.pending.size };
  }
}
