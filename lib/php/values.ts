// PHP's value conversions, as the facade needs them: (int) and (string) casts, truthiness,
// C atoi(). Each mirrors PHP 8.2 on a 64-bit build.
import { phpWarning } from './diagnostics.js';

/** The type name PHP's TypeErrors print for a value ("int", "array", a class name…). */
export function phpType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') {
    // A plain object stands for a PHP array here (context options are); others print their class.
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    return proto === null || proto === Object.prototype ? 'array' : (proto.constructor?.name ?? 'object');
  }
  return typeof value;
}

/** PHP's truthiness: false, 0, 0.0, "", "0", [], null are false. */
export function phpTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value !== '' && value !== '0';
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** PHP's (string) cast of a scalar: null and false give "", true "1". */
export function phpString(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (value === true) return '1';
  return String(value);
}

/** The leading numeric part of a string as PHP reads it: " 12abc" -> 12, "1e3" -> 1000, "abc" -> 0. */
function leadingNumber(text: string): number {
  const match = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(text);
  return match === null ? 0 : Number(match[0].trim());
}

/** PHP's (int) cast, to a 64-bit integer. */
export function phpInt(value: unknown): bigint {
  if (value === null || value === undefined || value === false) return 0n;
  if (value === true) return 1n;
  if (typeof value === 'bigint') return BigInt.asIntN(64, value);
  if (Array.isArray(value)) return value.length > 0 ? 1n : 0n;
  if (typeof value === 'object') return 1n;
  const n = typeof value === 'number' ? value : leadingNumber(String(value));
  if (!Number.isFinite(n)) return 0n; // PHP 8 on 64-bit: NAN and INF cast to 0
  return BigInt.asIntN(64, BigInt(Math.trunc(n)));
}

/** A PHP int passed to a C `int` parameter: the low 32 bits, signed. */
export function toCInt(value: bigint): number {
  return Number(BigInt.asIntN(32, value));
}

const C_SPACE = /[ \t\n\v\f\r]/;

/**
 * C's atoi() as glibc does it (strtol, then a cast to int): leading
 * whitespace, an optional sign, digits; the rest ignored; no error ever;
 * out-of-range values saturate to LONG_MIN/LONG_MAX before the cast.
 */
export function cAtoi(text: string): number {
  let i = 0;
  while (i < text.length && C_SPACE.test(text[i]!)) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') negative = text[i++] === '-';
  let n = 0n;
  const LONG_MAX = 2n ** 63n - 1n;
  for (; i < text.length && text[i]! >= '0' && text[i]! <= '9'; i++) {
    n = n * 10n + BigInt(text.charCodeAt(i) - 48);
    if (n > LONG_MAX + 1n) n = LONG_MAX + 1n; // saturated; keep it small
  }
  let long = negative ? -n : n;
  if (long > LONG_MAX) long = LONG_MAX;
  if (long < -LONG_MAX - 1n) long = -LONG_MAX - 1n;
  return Number(BigInt.asIntN(32, long));
}

/** PHP's ValueError (a RangeError here, so plain JS code can catch it as one). */
export class ValueError extends RangeError {
  override name = 'ValueError';
}

/**
 * A PHP int parameter in coercive mode, as a function receives it: ints
 * as they are, numeric strings read, a float with a fraction truncated with
 * PHP's deprecation, bools as 0/1, null as 0 with PHP's deprecation (or
 * null for a ?int); anything else is PHP's TypeError.
 */
export function intParam(fn: string, position: number, name: string, value: unknown, nullable = false): number | null {
  const typeError = () =>
    new TypeError(`${fn}(): Argument #${position} ($${name}) must be of type ${nullable ? '?int' : 'int'}, ${phpType(value)} given`);
  if (value === null || value === undefined) {
    if (nullable) return null;
    phpWarning(fn, `Passing null to parameter #${position} ($${name}) of type int is deprecated`, 'Deprecated');
    return 0;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$/.test(value))
    n = Number(value.trim());
  else throw typeError();
  if (!Number.isFinite(n)) throw typeError();
  if (!Number.isInteger(n)) {
    phpWarning(null, `Implicit conversion from float ${n} to int loses precision`, 'Deprecated');
    n = Math.trunc(n);
  }
  return n;
}

/** A PHP string parameter in coercive mode: scalars as PHP casts them, null as "" with PHP's deprecation. */
export function stringParam(fn: string, position: number, name: string, value: unknown): string | null {
  if (value === null || value === undefined) {
    phpWarning(fn, `Passing null to parameter #${position} ($${name}) of type string is deprecated`, 'Deprecated');
    return '';
  }
  if (typeof value === 'boolean' || typeof value === 'number') return typeof value === 'number' ? String(value) : phpString(value);
  return null; // not a scalar: the caller decides (bytes, or PHP's TypeError)
}
