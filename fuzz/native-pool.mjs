// The native fuzzer's world: a pool of real sockets of every kind (listening,
// bound, fresh, connected, closed, released; TCP, UDP, unix) made through the
// addon itself, the raw fds we own, and foreign objects. Specs name a slot,
// never a handle, so a call sequence depends on the seed alone; the slot is
// looked up when the call is built.
import { Sentinel } from './native-values.mjs';

export const SLOTS = [
  'tcp4',
  'tcp6',
  'tcp4-fresh',
  'tcp4-client',
  'udp4',
  'udp6',
  'udp4-fresh',
  'unix-stream',
  'unix-dgram',
  'unix-fresh',
  'new',
  'closed',
  'released',
];
const FOREIGN = ['protoOf', 'brand', 'proxy', 'constructed', 'plain', 'function'];
const POLL_BEHAVIOURS = ['count', 'count', 'throw', 'closeSelf', 'stopSelf', 'restart', 'idle', 'gc'];

export class Pool {
  /** Handles by slot; a slot whose socket closed is made again now and then. */
  slots = new Map();
  /** Raw fds this process owns (from release() and acceptBatch()): the only fds closeRaw gets. */
  own = new Set();
  /** Every handle ever made, weakly: the ones still alive are closed at the end. */
  made = [];
  pollCalls = 0;
  #stale = -1;
  #paths = 0;

  constructor(addon, tmpDir) {
    this.addon = addon;
    this.constants = addon.constants;
    this.tmpDir = tmpDir;
    for (const slot of SLOTS) this.#make(slot);
    this.port = this.#portOf(this.slots.get('tcp4'));
  }

  tmpPath() {
    return Buffer.from(`${this.tmpDir}/s${this.#paths++}`);
  }

  #portOf(handle) {
    try {
      return this.addon.getsockname(handle).port;
    } catch {
      return 1;
    }
  }

  #socket(family, type) {
    const handle = this.addon.socket(family, type, 0);
    this.made.push(new WeakRef(handle));
    return handle;
  }

  #make(slot) {
    const a = this.addon;
    const C = this.constants;
    const inet4 = { family: C.AF_INET, address: '127.0.0.1', port: 0 };
    const inet6 = { family: C.AF_INET6, address: '::1', port: 0 };
    let handle;
    try {
      switch (slot) {
        case 'tcp4':
        case 'tcp6':
          handle = this.#socket(slot === 'tcp4' ? C.AF_INET : C.AF_INET6, C.SOCK_STREAM);
          a.bind(handle, slot === 'tcp4' ? inet4 : inet6);
          a.listen(handle, 16);
          break;
        case 'tcp4-client':
          handle = this.#socket(C.AF_INET, C.SOCK_STREAM);
          try {
            a.connect(handle, { ...inet4, port: this.port ?? 1 });
          } catch {} // EINPROGRESS: non-blocking
          break;
        case 'udp4':
        case 'udp6':
          handle = this.#socket(slot === 'udp4' ? C.AF_INET : C.AF_INET6, C.SOCK_DGRAM);
          a.bind(handle, slot === 'udp4' ? inet4 : inet6);
          break;
        case 'unix-stream':
          handle = this.#socket(C.AF_UNIX, C.SOCK_STREAM);
          a.bind(handle, { family: C.AF_UNIX, path: Buffer.from(`\0sss-fuzz-${process.pid}-${this.#paths++}`) });
          a.listen(handle, 4);
          break;
        case 'unix-dgram':
          handle = this.#socket(C.AF_UNIX, C.SOCK_DGRAM);
          a.bind(handle, { family: C.AF_UNIX, path: this.tmpPath() });
          break;
        case 'released':
          handle = this.#socket(C.AF_INET, C.SOCK_DGRAM);
          this.own.add(a.release(handle));
          break;
        case 'closed':
          handle = this.#socket(C.AF_INET, C.SOCK_STREAM);
          a.close(handle);
          break;
        default:
          handle = this.#socket(slot.startsWith('unix') ? C.AF_UNIX : C.AF_INET, slot.startsWith('udp') ? C.SOCK_DGRAM : C.SOCK_STREAM);
      }
    } catch {
      // This machine cannot make that socket (no IPv6, say): the slot holds what it got, or a closed handle.
    }
    this.slots.set(slot, handle ?? this.slots.get('closed'));
  }

  /** Every `every` calls: sockets that closed are made again; now and then an open one is dropped unclosed (its finalizer must close it). */
  refresh(index) {
    if (index % 64 !== 0) return;
    for (const slot of SLOTS) {
      if (slot === 'closed' || slot === 'released' || slot === 'new') continue;
      const handle = this.slots.get(slot);
      if (handle === undefined || this.#fdOf(handle) < 0) this.#make(slot);
    }
    if (index % 512 === 0) this.#make('tcp4-fresh');
  }

  #fdOf(handle) {
    try {
      return this.addon.fd(handle);
    } catch {
      return -1;
    }
  }

  /** What a call returned that we now own: handles from socket(), adopt() and borrow(), fds from release() and acceptBatch(). */
  adopt(fn, result, args = []) {
    if ((fn === 'socket' || fn === 'adopt' || fn === 'borrow') && result !== null && typeof result === 'object') {
      this.made.push(new WeakRef(result));
      this.slots.set('new', result);
      // An adopted fd belongs to its handle now: the first argument's (lastClosed is the last fd built, maybe another argument's).
      if (fn === 'adopt') this.own.delete(args[0]);
    } else if (fn === 'release' && Number.isInteger(result) && result >= 0) {
      this.own.add(result);
    } else if (fn === 'acceptBatch' && Array.isArray(result)) {
      for (const item of result) this.own.add(typeof item === 'number' ? item : item.fd);
    } else if (fn === 'closeRaw' && this.lastClosed !== undefined) {
      this.own.delete(this.lastClosed);
      this.#stale = this.lastClosed;
    }
  }

  anyHandleSpec(rng) {
    return rng.chance(0.85) ? ['handle', rng.pick(SLOTS)] : ['foreign', rng.pick(FOREIGN)];
  }

  anyFdSpec(rng) {
    return rng.weighted([
      [3, ['fd', 'n', rng.int(3)]],
      [2, ['fd', 'n', rng.range(3, 40)]],
      [3, ['fd', 'live', rng.pick(SLOTS)]],
      [2, ['fd', 'own', rng.int(64)]],
      [1, ['fd', 'stale']],
      [1, ['num', rng.pick([-1, 2 ** 30, 2 ** 31 - 1])]],
    ]);
  }

  ownFdSpec(rng) {
    return rng.chance(0.85) ? ['fd', 'own', rng.int(64)] : ['num', rng.pick([-1, 2 ** 30, 2 ** 31 - 1, 1.5, 'NaN'])];
  }

  /** closeRaw may close only fds we own, or numbers that are no fd (never 0-2, never Node's). */
  safeToClose(spec) {
    if (spec[0] === 'fd') return spec[1] === 'own';
    if (spec[0] !== 'num') return true; // not a number: refused before close(2)
    const n = typeof spec[1] === 'string' ? Number(spec[1]) : spec[1];
    return !Number.isInteger(n) || n < 0 || n >= 2 ** 30;
  }

  someHandle() {
    return this.slots.get('udp4') ?? this.slots.get('closed');
  }

  buildSpecial(spec) {
    const [kind, a, b] = spec;
    if (kind === 'handle') {
      this.lastHandle = this.slots.get(a) ?? this.slots.get('closed');
      return this.lastHandle;
    }
    if (kind === 'fd') return this.#fd(a, b);
    if (kind === 'foreign') return this.#foreign(a);
    if (kind === 'socketError') return this.SocketError ?? Error;
    if (kind === 'pollcb') return this.#pollCallback(a);
    throw new Error(`unknown spec ${JSON.stringify(spec)}`);
  }

  #fd(which, n) {
    if (which === 'n') return n;
    if (which === 'live') return this.#fdOf(this.slots.get(n));
    if (which === 'stale') return this.#stale;
    const owned = [...this.own].sort((x, y) => x - y);
    if (owned.length === 0) return 2 ** 30;
    const fd = owned[n % owned.length];
    this.lastClosed = fd;
    return fd;
  }

  #foreign(kind) {
    const handle = this.someHandle();
    switch (kind) {
      case 'protoOf':
        return Object.create(handle);
      case 'brand':
        return { __brand: 'SocketHandle' };
      case 'proxy':
        return new Proxy(handle, {});
      case 'constructed':
        // The addon's own class, constructed from JS: tagged, but no fd and no event loop behind it.
        return new handle.constructor();
      case 'plain':
        return { fd: 3 };
      default:
        return function SocketHandle() {};
    }
  }

  /** A readiness callback that, when called, does something hostile to its own handle. */
  #pollCallback(behaviour) {
    const handle = this.lastHandle;
    const addon = this.addon;
    return (_error, _hangup) => {
      this.pollCalls++;
      if (!handle) return;
      switch (behaviour) {
        case 'throw':
          throw new Sentinel('thrown by a poll callback');
        case 'closeSelf':
          return addon.close(handle);
        case 'stopSelf':
          return addon.pollStop(handle);
        case 'restart':
          return addon.pollStart(handle, () => addon.pollStop(handle));
        case 'idle':
          return addon.pollStart(handle, () => false); // "nobody is left": the native side stops the poll
        case 'gc':
          return globalThis.gc?.();
        default:
          if (this.pollCalls % 1000 === 0) addon.pollStop(handle); // a readable socket nobody reads calls back forever
      }
    };
  }

  pollBehaviour(rng) {
    return ['pollcb', rng.pick(POLL_BEHAVIOURS)];
  }

  /** Closes everything we made or own; the fd count is compared after this. */
  closeAll() {
    for (const ref of this.made) {
      const handle = ref.deref();
      if (handle === undefined) continue;
      try {
        this.addon.close(handle);
      } catch {}
    }
    for (const fd of this.own) {
      try {
        // 2e87004's addon has closeRaw; today's takes no plain fds (adopt + close).
        if (this.addon.closeRaw) this.addon.closeRaw(fd);
        else this.addon.close(this.addon.adopt(fd));
      } catch {}
    }
    this.own.clear();
    this.slots.clear();
  }
}
