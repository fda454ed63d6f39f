// Running PHP itself beside the facade: a script's JSON answer, and the
// facade's PHP warnings collected the way PHP's error handler collects its own.
import { fileURLToPath } from 'node:url';
import { run } from './peers.js';

const COMMON = fileURLToPath(new URL('../php/common.php', import.meta.url));

/**
 * Runs PHP `body` (which may call common.php's capture() and must end with
 * emit([...])) with `args` as $argv[1..]; resolves with the emitted JSON.
 */
export async function phpJson<T = Record<string, unknown>>(body: string, args: string[] = [], timeoutMs = 20_000): Promise<T> {
  const code = `require ${JSON.stringify(COMMON)};\n${body}`;
  const { code: exit, stdout, stderr } = await run('php', ['-d', 'error_reporting=-1', '-r', code, '--', ...args], { timeoutMs });
  const line = stdout.trim().split('\n').pop() ?? '';
  if (exit !== 0 || !/^[[{]/.test(line)) throw new Error(`php failed (exit ${exit}): ${stdout}${stderr}`);
  return JSON.parse(line) as T;
}

/** PHP's warnings (process warnings named PHPWarning) emitted while `run` is awaited; its exception propagates. */
export async function warningsOf<T>(run: () => T | Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const collect = (w: Error) => {
    if (w.name === 'PHPWarning') warnings.push(w.message);
  };
  process.on('warning', collect);
  try {
    const result = await run();
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    return { result, warnings };
  } finally {
    process.off('warning', collect);
  }
}

/** The facade's warnings while `fn` is awaited, and what it returned or threw (as PHP's capture() reports it). */
export async function captureFacade<T>(
  fn: () => T | Promise<T>,
): Promise<{ result: T | undefined; warnings: string[]; exception: string | null }> {
  let thrown: unknown = null;
  const { result, warnings } = await warningsOf(async () => {
    try {
      return await fn();
    } catch (error) {
      thrown = error;
      return undefined;
    }
  });
  const exception =
    thrown === null
      ? null
      : `${(thrown as Error).name === 'ValueError' ? 'ValueError' : (thrown as Error).constructor.name}: ${(thrown as Error).message}`;
  return { result, warnings, exception };
}
