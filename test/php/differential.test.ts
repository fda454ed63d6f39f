// Differential suite: every case runs through real PHP 8.2 and through the
// facade, and the observations must match field by field, but for the
// deliberate differences of differences.ts. The cases on literal ports run
// in differential-literal-ports.test.ts.
import { describe, expect, it } from 'vitest';
import { DELIBERATE_DIFFERENCES } from './differences.js';
import { differentialCases, onLiteralPort, own, shared } from './differential-suite.js';

describe('PHP differential suite', () => {
  it('lists its deliberate differences from PHP in one place', () => {
    expect(DELIBERATE_DIFFERENCES).toHaveLength(3);
  });

  it('covers every shared case, TLS included, and at least 100 of our own', () => {
    expect(shared.length).toBe(220);
    expect(own.length).toBeGreaterThanOrEqual(100);
  });

  differentialCases(
    [...shared, ...own].filter((c) => !onLiteralPort(c)),
    'concurrent',
  );
});
