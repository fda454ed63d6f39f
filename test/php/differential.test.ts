// Differential suite: every case runs through real PHP 8.2 and through the
// facade, and the observations must match field by field, but for the
// deliberate differences of differences.ts.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { comparable, DELIBERATE_DIFFERENCES, expectedFacade } from './differences.js';
import { phpAvailable, removeTlsFixtures, runCase, type Case, type Observation } from './harness.js';

const load = (file: string) => JSON.parse(readFileSync(new URL(`./cases/${file}`, import.meta.url), 'utf8')) as Case[];
const shared = load('conformance.json');
const recorded = new Map((JSON.parse(readFileSync(new URL('./cases/conformance-expected.json', import.meta.url), 'utf8')) as Observation[]).map((r) => [r.id as string, r]));
const own = load('own.json');


/** Cases on a literal port (port_token: false) take turns: two binds of port 65535 at once would collide. */
let literalPortTurn: Promise<unknown> = Promise.resolve();
function inTurn<T>(c: Case, run: () => Promise<T>): Promise<T> {
  if (c.port_token !== false) return run();
  const result = literalPortTurn.then(run);
  literalPortTurn = result.catch(() => undefined);
  return result;
}

const hasPhp = phpAvailable();
if (!hasPhp) {
  if (process.env.CI) throw new Error('php is required in CI: .ci/run installs php-cli');
  console.warn('\n*** SKIPPING the PHP differential suite: `php` is not installed ***\n');
}

describe('PHP differential suite', () => {
  afterAll(removeTlsFixtures);

  it('lists its deliberate differences from PHP in one place', () => {
    expect(DELIBERATE_DIFFERENCES).toHaveLength(3);
  });

  it('covers every shared case, TLS included, and at least 100 of our own', () => {
    expect(shared.length).toBe(220);
    expect(own.length).toBeGreaterThanOrEqual(100);
  });

  const only = process.env.SSS_CASES === undefined ? null : new RegExp(process.env.SSS_CASES);
  const cases = [...shared, ...own].filter((c) => only === null || only.test(c.id));
  describe.runIf(hasPhp).concurrent.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    it('matches PHP', async () => {
      const { php, facade } = await inTurn(c, () => runCase(c));
      const expected = expectedFacade(php, facade, recorded.get(c.id));
      expect(comparable(facade)).toEqual(comparable(expected));
    });
  });
});
