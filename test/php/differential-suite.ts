// The differential suite's cases and its one test per case, shared by the
// two files that run them: differential.test.ts (cases on ports the harness
// picks, concurrently) and differential-literal-ports.test.ts (cases on
// literal ports, one at a time, alone: see vitest.config.ts).
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { comparable, expectedFacade } from './differences.js';
import { phpAvailable, removeTlsFixtures, runCase, type Case, type Observation } from './harness.js';

const load = (file: string) => JSON.parse(readFileSync(new URL(`./cases/${file}`, import.meta.url), 'utf8')) as Case[];
export const shared = load('conformance.json');
export const own = load('own.json');
/** PHP's stream I/O functions: `io` probes (PROTOCOL.md, "I/O probes"). */
export const io = load('io.json');
const recorded = new Map(
  (JSON.parse(readFileSync(new URL('./cases/conformance-expected.json', import.meta.url), 'utf8')) as Observation[]).map((r) => [
    r.id as string,
    r,
  ]),
);

/**
 * A case on a literal port (port_token: false) binds the port its URL names
 * (99999 wraps to 34463, inside the kernel's ephemeral range), where another
 * test's client or port-0 listener may sit at that moment: such cases run in
 * their own file, before any other.
 */
export const onLiteralPort = (c: Case): boolean => c.port_token === false;

/** SSS_CASES=<regex> narrows the run to the matching case ids. */
function selected(cases: Case[]): Case[] {
  const only = process.env.SSS_CASES === undefined ? null : new RegExp(process.env.SSS_CASES);
  return cases.filter((c) => only === null || only.test(c.id));
}

export const hasPhp = phpAvailable();
if (!hasPhp) {
  if (process.env.CI) throw new Error('php is required in CI: .ci/run installs php-cli');
  console.warn('\n*** SKIPPING the PHP differential suite: `php` is not installed ***\n');
}

/** One "matches PHP" test per case, in the current describe: all at once (concurrent) or one after another. */
export function differentialCases(cases: Case[], mode: 'concurrent' | 'sequential'): void {
  afterAll(removeTlsFixtures);
  const list = selected(cases).map((c) => [c.id, c] as const);
  const each = mode === 'concurrent' ? describe.runIf(hasPhp).concurrent.each(list) : describe.runIf(hasPhp).each(list);
  each('%s', (_id, c) => {
    it('matches PHP', async () => {
      const { php, facade } = await runCase(c);
      const expected = expectedFacade(php, facade, recorded.get(c.id));
      expect(comparable(facade)).toEqual(comparable(expected));
    });
  });
}
