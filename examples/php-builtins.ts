// PHP's functions and operators that the ported manual programs use besides
// the stream functions (which come from the facade, 'stream-socket-server/php'):
// date(), microtime(), usleep(), md5(), var_dump(), var_export(),
// array_search(), die(), PHP's string concatenation on bytes, and a tcp://
// stream_socket_client() for the note's client. Just what
// examples/php-*.ts need, written for them; not part of the package.
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { constants as osConstants } from 'node:os';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** PHP's date() for the characters the manual's programs use (n j Y g i a D M H s), in local time; `\` escapes one. */
export function date(format: string, t = new Date()): string {
  const h12 = t.getHours() % 12 || 12;
  const parts: Record<string, () => string> = {
    n: () => String(t.getMonth() + 1),
    j: () => String(t.getDate()),
    Y: () => String(t.getFullYear()),
    g: () => String(h12),
    i: () => two(t.getMinutes()),
    a: () => (t.getHours() < 12 ? 'am' : 'pm'),
    D: () => DAYS[t.getDay()]!,
    M: () => MONTHS[t.getMonth()]!,
    H: () => two(t.getHours()),
    s: () => two(t.getSeconds()),
  };
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '\\' && i + 1 < format.length) out += format[++i];
    else if (/[a-zA-Z]/.test(c) && !(c in parts)) throw new RangeError(`date(): "${c}" is not ported`);
    else out += parts[c]?.() ?? c;
  }
  return out;
}

/** microtime(true): the Unix time in seconds, with microseconds. */
export function microtime(_asFloat: true): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

/** PHP's float to string conversion (precision 14, %.14G), as `.` and echo do it. */
export function floatToString(f: number): string {
  return String(Number(f.toPrecision(14)));
}

/** usleep(): the script waits; here the program awaits it. */
export function usleep(microseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, microseconds / 1000));
}

export function md5(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

type PhpValue = Buffer | string | number | boolean | null;

/** A PHP string's bytes: a read's Buffer as is, a JS string as UTF-8, false and null as '', true as '1', numbers as PHP prints them. */
function bytes(value: PhpValue): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value === false || value === null) return Buffer.alloc(0);
  if (value === true) return Buffer.from('1');
  if (typeof value === 'number') return Buffer.from(Number.isInteger(value) ? String(value) : floatToString(value));
  return Buffer.from(value);
}

/** PHP's `.` operator on byte strings: `cat($a, $b, …)` is `$a . $b . …`. */
export function cat(...parts: PhpValue[]): Buffer {
  return Buffer.concat(parts.map(bytes));
}

/** strlen(): bytes. */
export function strlen(value: PhpValue): number {
  return bytes(value).length;
}

/** var_dump() of a string (a read's Buffer), a bool or an int, byte for byte. */
export function var_dump(value: Buffer | string | boolean | number | null): void {
  if (value === null) process.stdout.write('NULL\n');
  else if (typeof value === 'boolean') process.stdout.write(`bool(${value})\n`);
  else if (typeof value === 'number') process.stdout.write(`int(${value})\n`);
  else {
    const b = bytes(value);
    process.stdout.write(cat(`string(${b.length}) "`, b, '"\n'));
  }
}

/** var_export($value, true) of a string (a read's Buffer), a bool or an int. */
export function var_export(value: Buffer | string | boolean | number, _return: true): Buffer {
  if (typeof value === 'boolean' || typeof value === 'number') return Buffer.from(String(value));
  return cat("'", Buffer.from(bytes(value).toString('latin1').replace(/[\\']/g, '\\$&'), 'latin1'), "'");
}

/** echo: bytes to stdout. */
export function echo(...parts: PhpValue[]): void {
  process.stdout.write(cat(...parts));
}

/**
 * array_search() in a PHP array held as a JS array (holes where PHP unset()
 * keys) or object: the first key whose value is `needle`, else false.
 * Streams compare by identity both ways, as PHP's resources do.
 */
export function array_search<T>(needle: T, haystack: Record<number, T> | T[], _strict = false): number | false {
  for (const [key, value] of Object.entries(haystack)) if (value === needle) return Number(key);
  return false;
}

/** die($message): prints it and ends the script with status 0, as PHP does. */
export function die(message: string): never {
  process.stdout.write(message);
  process.exit(0);
}

/**
 * stream_socket_client() for tcp:// addresses, enough for the manual's
 * clients: the facade is PHP's server side and has no client function. The
 * connection is a net.Socket, which the facade's stream functions (fwrite,
 * fgets, feof, fclose …) take as they take an accepted one. errno/errstr as
 * PHP sets them after a failed connect (`Connection refused`, 111).
 */
export async function stream_socket_client(
  address: string,
  errno: { value: number },
  errstr: { value: string },
  timeout: number,
): Promise<net.Socket | false> {
  const url = /^tcp:\/\/(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address);
  if (url === null) throw new RangeError(`stream_socket_client(): only tcp://host:port is ported, not ${address}`);
  const socket = net.connect({ host: url[1]!.replace(/^\[|\]$/g, ''), port: Number(url[2]) });
  socket.setTimeout(timeout * 1000);
  return new Promise((resolve) => {
    const failed = (error: NodeJS.ErrnoException | null): void => {
      socket.destroy();
      const code = error?.code ?? 'ETIMEDOUT';
      errno.value = (osConstants.errno as Record<string, number>)[code] ?? 0;
      errstr.value =
        code === 'ECONNREFUSED' ? 'Connection refused' : code === 'ETIMEDOUT' ? 'Connection timed out' : (error?.message ?? code);
      process.emitWarning(`stream_socket_client(): Unable to connect to ${address} (${errstr.value})`, 'PHPWarning');
      resolve(false);
    };
    socket.once('error', failed).once('timeout', () => failed(null));
    socket.once('connect', () => {
      socket.off('error', failed).setTimeout(0);
      resolve(socket);
    });
  });
}
