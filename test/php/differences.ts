// The facade's deliberate differences from PHP 8.2, in one place (the
// README's table says the same). Each turns PHP's observation into what the
// facade must show instead, and checks that the facade's value is a real one.
import { expect } from 'vitest';
import type { Observation } from './harness.js';

export const DELIBERATE_DIFFERENCES = [
  'errno: the real errno of the failing syscall (PHP 8.2 always reports 0)',
  'errstr: where PHP says "" or "Success" for a system failure, the real strerror() text (and the warning quotes it)',
] as const;

interface Failure {
  ok: boolean;
  errno: number;
  errstr: string;
  warnings: string[];
}

const SYSTEM_TEXT = /^[A-Z][A-Za-z ,'-]+$/;

/**
 * Applies both differences to one failed call (the main call, or a
 * second-server probe). `recordedErrno` is the errno of the failing syscall
 * that the recording of PHP's run captured, when there is one.
 */
function applyToFailure(php: Failure, facade: Failure, recordedErrno?: number): Failure {
  if (php.ok !== false || facade.ok !== false) return php;
  const expected = { ...php };
  const osFailure = php.errstr === '' || php.errstr === 'Success';
  if (osFailure) {
    expect(facade.errstr, 'errstr must be a real strerror text').toMatch(SYSTEM_TEXT);
    expect(facade.errstr).not.toBe('Success');
    expected.errstr = facade.errstr;
    expected.warnings = php.warnings.map((w) => w.replace(/\((Unknown error|Success)\)$/, `(${facade.errstr})`));
  }
  // getaddrinfo's EAI_SYSTEM carries an errno only when glibc leaves one (it
  // may be 0): the facade passes on what the resolver gave.
  if (php.errstr.startsWith('php_network_getaddresses') && php.errstr.endsWith('System error')) {
    expect(facade.errno).toBeGreaterThanOrEqual(0);
    return { ...expected, errno: facade.errno };
  }
  // Parse errors have no syscall: errno stays 0. A system failure has its errno.
  const systemFailure = osFailure || /^Failed to create|^[A-Z][a-z]+( [a-z]+)*$/.test(php.errstr);
  if (systemFailure && !php.errstr.startsWith('Unable to find') && !php.errstr.startsWith('Failed to parse') && !php.errstr.startsWith('The hostname')) {
    expect(facade.errno, 'errno must be the real errno').toBeGreaterThan(0);
    if (recordedErrno !== undefined) expect(facade.errno).toBe(recordedErrno);
    expected.errno = facade.errno;
  }
  return expected;
}

/** What the facade must show for this case, given PHP's observation. */
export function expectedFacade(php: Observation, facade: Observation, recorded?: Observation): Observation {
  const sys = recorded?.sys as { errno?: number } | undefined;
  const expected: Observation = { ...php, ...applyToFailure(php as unknown as Failure, facade as unknown as Failure, sys?.errno) };
  if (Array.isArray(php.probes) && Array.isArray(facade.probes)) {
    expected.probes = (php.probes as Observation[]).map((probe, i) => {
      const other = (facade.probes as Observation[])[i]!;
      return probe.probe === 'second-server' ? { ...probe, ...applyToFailure(probe as unknown as Failure, other as unknown as Failure) } : probe;
    });
  }
  return expected;
}

/** The fields the differential suite compares. */
export function comparable(o: Observation): Observation {
  const pick = (x: Observation | undefined, keys: string[]) => (x === undefined ? undefined : Object.fromEntries(keys.filter((k) => k in x).map((k) => [k, x[k]])));
  return {
    ok: o.ok,
    errno: o.errno,
    errstr: o.errstr,
    warnings: o.warnings,
    transports: o.transports,
    constants: o.constants,
    server: pick(o.server as Observation | undefined, ['name', 'backlog']),
    file: pick(o.file as Observation | undefined, ['exists', 'type', 'perms']),
    probes: (o.probes as Observation[] | undefined)?.filter((p) => !p.skipped),
  };
}
