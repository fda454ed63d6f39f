// The differential cases on literal ports (port_token: false), one at a
// time. vitest.config.ts runs this file in a project of its own before every
// other file, so no other test's client or port-0 listener can hold the port
// a case names (99999 wraps to 34463, inside the usual ephemeral range
// 32768-60999).
import { describe, expect, it } from 'vitest';
import { differentialCases, onLiteralPort, own, shared } from './differential-suite.js';

const literal = [...shared, ...own].filter(onLiteralPort);

describe('PHP differential suite, cases on literal ports', () => {
  it('has the port-wrapping cases, whose ports fall in the ephemeral range', () => {
    const ids = literal.map((c) => c.id);
    expect(ids).toContain('ip4-port-99999-wraps'); // tcp 34463
    expect(ids).toContain('own-udp-port-wraps'); // udp 34463
  });

  differentialCases(literal, 'sequential');
});
