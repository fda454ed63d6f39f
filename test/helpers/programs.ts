// The manual page's programs, each run twice: the PHP original
// (examples/php/*.php) with `php`, and its port (dist/examples/php-*.js) with
// node. Both print "listening on <address>" once they listen; tests drive
// them with the same PHP client and compare what the client saw.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './peers.js';

export type Side = 'php' | 'port';
export const SIDES: Side[] = ['php', 'port'];

/** The ports whose file is not php-<name>.ts. */
const PORT_FILES: Record<string, string> = { 'udp-time-server': 'udp-time-server' };

/** The command that runs a program: `name` is its PHP file's base name (examples/php/<name>.php ↔ dist/examples/php-<name>.js). */
export function command(side: Side, name: string): [string, string[]] {
  return side === 'php'
    ? ['php', [join(ROOT, 'examples', 'php', `${name}.php`)]]
    : [process.execPath, [join(ROOT, 'dist', 'examples', `${PORT_FILES[name] ?? `php-${name}`}.js`)]];
}

export interface Running {
  child: ChildProcess;
  /** What followed "listening on ". */
  address: string;
  /** Everything the program printed so far, stdout and stderr apart. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the program ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts one side of a program with `args` in `cwd` (shell commands before it, as `umask 077`); resolves once it listens. */
export function serve(side: Side, name: string, args: string[], options: { cwd?: string; shell?: string } = {}): Promise<Running> {
  const [cmd, base] = command(side, name);
  const [file, argv] = options.shell
    ? ['sh', ['-c', `${options.shell}; exec "$@"`, 'sh', cmd, ...base, ...args]]
    : [cmd, [...base, ...args]];
  const child = spawn(file, argv, { cwd: options.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, address: m[1]!, stdout: () => out, stderr: () => err, exited });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString('latin1')));
    child.once('error', reject);
    void exited.then(({ code }) => reject(new Error(`${side} ${name} ended (${code}) before listening: ${out}${err}`)));
  });
}

/** Stops a program that still runs (SIGTERM), and waits for it. */
export async function stop(running: Running | undefined): Promise<void> {
  if (running === undefined) return;
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGTERM');
  await running.exited;
}

/** Runs `body` with both sides started by `start`, and stops both whatever happens. */
export async function withBoth<T>(start: (side: Side) => Promise<Running>, body: (php: Running, port: Running) => Promise<T>): Promise<T> {
  const started = await Promise.allSettled(SIDES.map(start));
  const [php, port] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  try {
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    return await body(php!, port!);
  } finally {
    await Promise.all([stop(php), stop(port)]);
  }
}

/**
 * The PHP warnings a program printed, as their texts: PHP's ("PHP Warning:  <text> in <file> on
 * line <n>") and the facade's (process warnings named PHPWarning, as node prints them).
 */
export function warnings(stderr: string): string[] {
  const php = [...stderr.matchAll(/^PHP Warning: {2}([^]*?) in \S+ on line \d+$/gm)].map((m) => m[1]!);
  const node = stderr
    .split(/^\(node:\d+\) /m)
    .filter((part) => part.startsWith('PHPWarning: '))
    .map((part) =>
      part
        .slice('PHPWarning: '.length)
        .replace(/\n\(Use `node --trace-warnings[^\n]*/, '')
        // An uncaught exception's report (its `file:line` first) may follow the last warning.
        .replace(/\n(?:file:\/\/)?\/\S*:\d+\n[^]*$/, '')
        .replace(/\n$/, ''),
    );
  return [...php, ...node];
}

/** Masks what differs from run to run: ports, dates and times of the programs' formats. */
export function mask(text: string): string {
  return text
    .replace(/(127\.0\.0\.1|\[::1\]):\d+/g, '$1:<port>')
    .replace(/\b\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2} (am|pm)/g, '<n/j/Y g:i a>')
    .replace(
      /\b(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2} \d\d:\d\d:\d\d \d{4}/g,
      '<D M j H:i:s Y>',
    )
    .replace(/Hello World! \d+(\.\d+)?/g, 'Hello World! <microtime>')
    .replace(/string\((\d+)\) "/g, 'string(<n>) "');
}

/** var_dump()'s string lengths are the strings' byte lengths (checked before mask() hides them). */
export function varDumpLengthsHold(text: string): boolean {
  const bytes = Buffer.from(text, 'latin1');
  const pattern = /string\((\d+)\) "/g;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const start = m.index + m[0].length;
    if (bytes[start + Number(m[1])] !== 0x22) return false; // the closing quote
  }
  return true;
}

/** Resolves once `probe` holds (checked every 10 ms); the test's timeout bounds a wait that never ends. */
export async function until(probe: () => boolean): Promise<void> {
  while (!probe()) await new Promise((resolve) => setTimeout(resolve, 10));
}
