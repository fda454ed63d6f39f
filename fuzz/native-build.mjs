// Builds the value a native-fuzzer spec describes, right before the call:
// fresh each time, so a detached buffer stays detached and a revoked proxy
// stays revoked. Handles, fds and callbacks come from the pool (ctx).
import { Sentinel } from './native-values.mjs';

function strOf(kind) {
  switch (kind) {
    case 'empty':
      return '';
    case 'nul':
      return '\0';
    case 'midnul':
      return '127.0.0.1\0junk';
    case 'long':
      return 'x'.repeat(70000);
    case 'digits':
      return '1';
    case 'spaced':
      return ' 3 ';
    case 'surrogate':
      return '\ud800a';
    case 'ipv4':
      return '127.0.0.1';
    case 'ipv6':
      return '::1';
    case 'scoped':
      return 'fe80::1%lo';
    default:
      return 'localhost';
  }
}

function throwing() {
  throw new Sentinel('from a hostile value');
}

function viewOf(type, variant, length) {
  if (variant === 'empty') length = 0;
  const Ctor = type === 'Buffer' ? Buffer : type === 'DataView' ? DataView : globalThis[type];
  const unit = Ctor.BYTES_PER_ELEMENT ?? 1;
  const bytes = Math.max(length - (length % 8), 0) + 16;
  const buffer = variant === 'sab' ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const offset = variant === 'offset' ? 8 : 0;
  const count = Math.floor(length / unit);
  const view = type === 'Buffer' ? Buffer.from(buffer, offset, count) : new Ctor(buffer, offset, type === 'DataView' ? length : count);
  if (variant === 'detached') structuredClone(buffer, { transfer: [buffer] });
  if (type !== 'DataView' && view.length > 0 && !(view instanceof BigInt64Array || view instanceof BigUint64Array)) view.fill(0x41);
  return view;
}

function endpointOf(family, fields, ctx) {
  const C = ctx.constants;
  const base =
    family === 'inet4'
      ? { family: C.AF_INET, address: '127.0.0.1', port: ctx.port ?? 0 }
      : family === 'inet6'
        ? { family: C.AF_INET6, address: '::1', port: 0, scopeId: 0 }
        : { family: C.AF_UNIX, path: family === 'abstract' ? Buffer.from(`\0sss-fuzz-${process.pid}`) : ctx.tmpPath() };
  if (fields.shape) {
    switch (fields.shape) {
      case 'getterThrows':
        return Object.defineProperty(base, 'family', { get: throwing, enumerable: true });
      case 'proxyThrows':
        return new Proxy(base, { get: throwing, has: throwing, ownKeys: throwing });
      case 'inherited':
        return Object.create(base);
      case 'array':
        return Object.assign([], base);
      default:
        return Object.freeze(base);
    }
  }
  for (const [key, spec] of Object.entries(fields)) base[key] = build(spec, ctx);
  return base;
}

/** Builds the value a spec describes (fresh each time: detached buffers stay detached). */
export function build(spec, ctx) {
  const [kind, a, b, c] = spec;
  switch (kind) {
    case 'undef':
      return undefined;
    case 'null':
      return null;
    case 'bool':
      return a;
    case 'num':
      return typeof a === 'string' ? Number(a) : a;
    case 'big':
      return BigInt(a);
    case 'str':
      return strOf(a);
    case 'sym':
      return Symbol('fuzz');
    case 'obj':
      return objectOf(a);
    case 'array':
      return a.map((item) => build(item, ctx)); // a list of specs, e.g. handles
    case 'arr':
      return a === 'empty' ? [] : a === 'nums' ? [1, 2, 3] : a === 'sparse' ? [, , 3] : [[1], [2]]; // eslint-disable-line no-sparse-arrays
    case 'fn':
      return functionOf(a);
    case 'proxy':
      return proxyOf(a, ctx);
    case 'view':
      return viewOf(a, b, c);
    case 'ab':
      return new ArrayBuffer(a);
    case 'sab':
      return new SharedArrayBuffer(a);
    case 'path':
      return Buffer.alloc(a, 0x61);
    case 'ep':
      return endpointOf(a, b, ctx);
    default:
      return ctx.buildSpecial(spec);
  }
}

function objectOf(kind) {
  switch (kind) {
    case 'empty':
      return {};
    case 'nullproto':
      return Object.create(null);
    case 'valueOf':
      return { valueOf: () => 1, toString: () => '1' };
    case 'throwValueOf':
      return { valueOf: throwing, toString: throwing, [Symbol.toPrimitive]: throwing };
    case 'throwGetter':
      return Object.defineProperty({}, 'length', { get: throwing });
    case 'frozen':
      return Object.freeze({ a: 1 });
    case 'date':
      return new Date(0);
    case 'regexp':
      return /x/;
    case 'map':
      return new Map([[1, 2]]);
    case 'promise':
      return Promise.resolve(1);
    case 'error':
      return new Error('an error object');
    default:
      return { __brand: 'SocketHandle' };
  }
}

function functionOf(kind) {
  switch (kind) {
    case 'noop':
      return () => {};
    case 'throws':
      return throwing;
    case 'class':
      return class {};
    case 'bound':
      return function () {}.bind(null);
    case 'async':
      return async () => {};
    case 'generator':
      return function* () {};
    default:
      return () => {};
  }
}

function proxyOf(kind, ctx) {
  switch (kind) {
    case 'empty':
      return new Proxy({}, {});
    case 'throwing':
      return new Proxy(
        {},
        { get: throwing, has: throwing, ownKeys: throwing, getPrototypeOf: throwing, getOwnPropertyDescriptor: throwing },
      );
    case 'revoked': {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    }
    case 'ofHandle':
      return new Proxy(ctx.someHandle(), {});
    case 'ofBuffer':
      return new Proxy(Buffer.alloc(4), {});
    default:
      return new Proxy(() => {}, {});
  }
}
