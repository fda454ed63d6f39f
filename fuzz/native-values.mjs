// Hostile JS values for the native-boundary fuzzer, as specs: small JSON
// arrays that say how to build a value (['view', 'DataView', 'plain', 4]).
// A call is recorded as specs, so a finding prints and replays exactly;
// native-build.mjs makes the values right before the call.

/** Thrown by our own getters, traps and callbacks: the addon must let it through unchanged. */
export class Sentinel extends Error {
  name = 'Sentinel';
}

const NUMBERS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  0,
  1,
  -1,
  1.5,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  1e300,
  5e-324,
];
export const VIEW_TYPES = [
  'Uint8Array',
  'Int8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'DataView',
  'Buffer',
  ...(typeof globalThis.Float16Array === 'function' ? ['Float16Array'] : []),
];
const VIEW_VARIANTS = ['plain', 'plain', 'offset', 'detached', 'sab', 'empty'];
const STRINGS = ['empty', 'nul', 'midnul', 'long', 'digits', 'spaced', 'surrogate', 'ipv4', 'ipv6', 'scoped', 'word'];
const OBJECTS = [
  'empty',
  'nullproto',
  'valueOf',
  'throwValueOf',
  'throwGetter',
  'frozen',
  'date',
  'regexp',
  'map',
  'promise',
  'error',
  'brand',
];
const FUNCTIONS = ['noop', 'throws', 'class', 'bound', 'async', 'generator', 'arrow'];
const PROXIES = ['empty', 'throwing', 'revoked', 'ofHandle', 'ofBuffer', 'ofFunction'];

export function number(value) {
  return ['num', value];
}

/** Any JS value, of any type (handles and fds too: those come from `ctx`). */
export function anyValue(rng, ctx) {
  switch (rng.int(16)) {
    case 0:
      return rng.pick([['undef'], ['null'], ['bool', true], ['bool', false]]);
    case 1:
    case 2:
      return ['num', rng.pick(NUMBERS)];
    case 3:
      return ['big', rng.pick(['0', '-1', '18446744073709551617'])];
    case 4:
      return ['str', rng.pick(STRINGS)];
    case 5:
      return ['sym'];
    case 6:
      return ['obj', rng.pick(OBJECTS)];
    case 7:
      return ['arr', rng.pick(['empty', 'nums', 'sparse', 'nested'])];
    case 8:
      return ['fn', rng.pick(FUNCTIONS)];
    case 9:
      return ['proxy', rng.pick(PROXIES)];
    case 10:
    case 11:
      return anyView(rng);
    case 12:
      return rng.pick([
        ['ab', rng.pick([0, 8])],
        ['sab', 8],
      ]);
    case 13:
      return ctx.anyHandleSpec(rng);
    case 14:
      return ctx.anyFdSpec(rng);
    default:
      return anyEndpoint(rng, ctx, true);
  }
}

export function anyView(rng) {
  const variant = rng.pick(VIEW_VARIANTS);
  return ['view', rng.pick(VIEW_TYPES), variant, variant === 'empty' ? 0 : rng.pick([8, 16, 112, 70000])];
}

/** An endpoint object, valid or with one hostile field (or a hostile shape). */
export function anyEndpoint(rng, ctx, hostile) {
  const family = rng.pick(['inet4', 'inet6', 'unix', 'unix', 'abstract']);
  const fields = {};
  if (hostile && rng.chance(0.8)) {
    const key = rng.pick(['family', 'address', 'port', 'scopeId', 'path', 'shape']);
    if (key === 'shape') return ['ep', family, { shape: rng.pick(['getterThrows', 'proxyThrows', 'inherited', 'array', 'frozen']) }];
    fields[key] =
      key === 'path' && rng.chance(0.6)
        ? rng.chance(0.5)
          ? anyView(rng)
          : ['path', rng.pick([0, 107, 108, 109, 300])]
        : key === 'address' && rng.chance(0.5)
          ? ['str', rng.pick(STRINGS)]
          : anyValue(rng, ctx);
  }
  return ['ep', family, fields];
}

/** A short text for a spec, as a finding prints it. */
export function describe(spec) {
  const [kind, a, b, c] = spec;
  switch (kind) {
    case 'undef':
      return 'undefined';
    case 'num':
    case 'bool':
      return String(a);
    case 'big':
      return `${a}n`;
    case 'str':
      return `str<${a}>`;
    case 'view':
      return `${a}(${b},${c})`;
    case 'ep': {
      const inner = Object.entries(b).map(([k, v]) => `${k}=${typeof v === 'string' ? v : describe(v)}`);
      return `ep<${a}${inner.length ? ' ' + inner.join(' ') : ''}>`;
    }
    default:
      return spec.length > 1 ? `${kind}<${spec.slice(1).join(',')}>` : kind;
  }
}
