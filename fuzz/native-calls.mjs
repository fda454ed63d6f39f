// What each addon export takes (lib/binding/native.ts), and a generator of
// calls: mostly well-typed arguments with one or two hostile ones, so calls
// get past the first check and reach the system call; sometimes any value
// anywhere, and the wrong number of arguments. An export this table does not
// know (a new one) still gets called, with any values.
import { anyEndpoint, anyValue, anyView, number } from './native-values.mjs';

const MSG_WAITALL = 0x100;

/** Parameter kinds per export; `closeRaw` and `adopt` only ever get fds we own (or invalid numbers). */
export const SIGNATURES = {
  socket: ['family', 'socktype', 'protocol'],
  setsockopt: ['target', 'level', 'optname', 'optval'],
  getsockopt: ['target', 'level', 'optname'],
  setsockoptBuffer: ['target', 'level', 'optname', 'bytes'],
  getsockoptBuffer: ['target', 'level', 'optname', 'optlen'],
  attachReuseportCpu: ['handle'],
  bind: ['handle', 'endpoint'],
  connect: ['handle', 'endpoint'],
  listen: ['handle', 'backlog'],
  getsockname: ['target'],
  getpeername: ['target'],
  shutdown: ['target', 'how'],
  tcpInfo: ['handle'],
  unixQueue: ['handle'],
  getaddrinfo: ['host', 'family', 'socktype', 'bool'],
  close: ['handle'],
  strerror: ['errno'],
  release: ['handle'],
  fd: ['handle'],
  acceptBatch: ['handle', 'acceptMax', 'bool'],
  recvfrom: ['target', 'recvMax', 'flags'],
  recvBatch: ['target', 'batchCount', 'batchLength'],
  sendto: ['target', 'bytes', 'flags', 'endpointOrNull'],
  sendRaw: ['target', 'bytes'], // 2e87004's addon
  closeRaw: ['ownFd'], // 2e87004's addon
  adopt: ['ownFd'],
  borrow: ['anyFd'],
  unlinkOnClose: ['handle', 'bytes'],
  sendHandles: ['handle', 'bytes', 'handleList'],
  recvHandles: ['handle', 'recvMax', 'handleCount'],
  waitFor: ['handle', 'bool', 'waitMs'],
  pollStart: ['handle', 'callback'],
  pollStop: ['handle'],
  setKeepAlive: ['handle', 'bool'],
  setErrorConstructor: ['constructor'],
};

/** Hosts the resolver answers from /etc/hosts or without asking: anything else resolves numerically only (no DNS traffic). */
const LOCAL_HOSTS = new Set(['ipv4', 'ipv6', 'scoped', 'word', 'empty', 'nul', 'midnul']);

function wellTyped(kind, rng, ctx) {
  const C = ctx.constants;
  const pick = (list) => number(rng.pick(list));
  switch (kind) {
    case 'target':
      return rng.chance(0.75) ? ctx.anyHandleSpec(rng) : ctx.anyFdSpec(rng);
    case 'handle':
      return ctx.anyHandleSpec(rng);
    case 'family':
      return pick([C.AF_INET, C.AF_INET6, C.AF_UNIX, C.AF_UNSPEC, 9999]);
    case 'socktype':
      return pick([C.SOCK_STREAM, C.SOCK_DGRAM, 5, 3, C.SOCK_STREAM | 0x800, 99]);
    case 'protocol':
      return pick([0, 0, 6, 17, 132, 255, 99999]);
    case 'level':
      return pick([C.SOL_SOCKET, C.SOL_SOCKET, C.IPPROTO_TCP, C.IPPROTO_IP, C.IPPROTO_IPV6, C.IPPROTO_UDP, rng.int(300)]);
    case 'optname':
      return rng.chance(0.7)
        ? pick(
            Object.entries(C)
              .filter(([k]) => /^(SO|TCP|IPV6|IP)_/.test(k))
              .map(([, v]) => v),
          )
        : number(rng.int(80));
    case 'optval':
      return pick([0, 1, 2, 4096, -1, 2 ** 31 - 1, -(2 ** 31)]);
    case 'optlen':
      return pick([1, 4, 16, 4096, 0, 4097]);
    case 'bytes':
      return rng.chance(0.4) ? ['view', 'Buffer', 'plain', rng.pick([0, 3, 16, 1500])] : anyView(rng);
    case 'endpoint':
      return anyEndpoint(rng, ctx, rng.chance(0.3));
    case 'endpointOrNull':
      return rng.chance(0.3) ? rng.pick([['null'], ['undef']]) : anyEndpoint(rng, ctx, rng.chance(0.3));
    case 'backlog':
      return pick([-1, 0, 1, 128, 2 ** 31 - 1, -(2 ** 31)]);
    case 'how':
      return pick([0, 1, 2, 3]);
    case 'acceptMax':
      return pick([1, 16, 1024, 0, 1025]);
    case 'recvMax':
      return pick([1, 1500, 65535, 2 ** 24, 2 ** 24 + 1, 0]);
    case 'flags':
      return pick([0, 0, C.MSG_PEEK, C.MSG_DONTWAIT, C.MSG_OOB, C.MSG_TRUNC, MSG_WAITALL, C.MSG_PEEK | C.MSG_TRUNC]);
    case 'batchCount':
      return pick([1, 8, 64, 1024, 0, 1025]);
    case 'batchLength':
      // The product of the two is what one call allocates: the largest pair is kept rare.
      return pick(rng.chance(0.02) ? [2 ** 20] : [1, 1500, 65535, 0, 2 ** 20 + 1]);
    case 'host':
      return ['str', rng.pick(['ipv4', 'ipv6', 'scoped', 'word', 'empty', 'nul', 'midnul', 'long', 'surrogate'])];
    case 'bool':
      return ['bool', rng.chance(0.5)];
    case 'errno':
      return pick([0, 1, 104, 4095, 4096, -1]);
    case 'callback':
      return rng.chance(0.8) ? ctx.pollBehaviour(rng) : anyValue(rng, ctx);
    case 'constructor':
      return rng.chance(0.5) ? ['socketError'] : ['fn', rng.pick(['throws', 'arrow', 'class', 'noop'])];
    case 'handleList':
      return rng.chance(0.8)
        ? ['array', Array.from({ length: rng.pick([0, 1, 2, 65]) }, () => ctx.anyHandleSpec(rng))]
        : anyValue(rng, ctx);
    case 'handleCount':
      return pick([0, 1, 4, 64, 65, -1]);
    case 'waitMs':
      return pick([0, 1, 5, -1, 60001]);
    case 'ownFd':
      return ctx.ownFdSpec(rng);
    case 'anyFd':
      return ctx.anyFdSpec(rng);
    default:
      return anyValue(rng, ctx);
  }
}

/** A hostile value that still looks like the kind: edge numbers for ints, any view for bytes, and so on. */
function nearMiss(kind, rng, ctx) {
  if (kind === 'bytes') return rng.chance(0.7) ? anyView(rng) : anyValue(rng, ctx);
  if (kind === 'endpoint' || kind === 'endpointOrNull') return anyEndpoint(rng, ctx, true);
  if (kind === 'handle' || kind === 'target') return rng.chance(0.5) ? ctx.anyHandleSpec(rng) : ctx.anyFdSpec(rng);
  return anyValue(rng, ctx);
}

/** One call: { fn, args: specs }. */
export function generateCall(rng, ctx, exports) {
  const fn = rng.pick(exports);
  const signature = SIGNATURES[fn];
  let args;
  if (!signature) {
    args = Array.from({ length: rng.int(5) }, () => anyValue(rng, ctx));
  } else {
    const hostility = rng.weighted([
      [3, 0],
      [10, 1],
      [4, 2],
      [1, 9],
    ]);
    args = signature.map((kind) => wellTyped(kind, rng, ctx));
    for (let i = 0; i < Math.min(hostility, args.length); i++) {
      const at = rng.int(args.length);
      args[at] = nearMiss(signature[at], rng, ctx);
    }
    if (rng.chance(0.05)) args = args.slice(0, rng.int(args.length));
    else if (rng.chance(0.03)) args.push(anyValue(rng, ctx));
  }
  return guard({ fn, args }, ctx);
}

/**
 * Keeps the fuzzer from doing what no program may do: close an fd it does not
 * own (0-2, Node's own: that kills the process legitimately) or resolve a
 * name through DNS (loopback only).
 */
function guard(call, ctx) {
  const { fn, args } = call;
  // adopt() makes an owning handle: closing it (or collecting it) closes the fd, as closeRaw does.
  if ((fn === 'closeRaw' || fn === 'adopt') && args.length > 0 && !ctx.safeToClose(args[0])) args[0] = number(2 ** 30);
  // waitFor() blocks the thread for its timeout: a long one finds nothing, it only stalls the run.
  if (fn === 'waitFor' && args[2]?.[0] === 'num' && args[2][1] > 10 && args[2][1] <= 60000) args[2] = number(5);
  if (fn === 'getaddrinfo' && args[3]?.[0] === 'bool' && args[3][1] === false) {
    const host = args[0];
    if (!(host?.[0] === 'str' && LOCAL_HOSTS.has(host[1]))) args[3] = ['bool', true];
  }
  return call;
}
