// Admission at accept (lib/proxy/admission.ts): per-source limits by address
// or prefix, the admit() hook, counted refusals, idempotent release.
import { describe, expect, it } from 'vitest';
import { Admission } from '../../lib/proxy/admission.js';

const peer = (address: string | null) => ({ address, port: 1 });

describe('Admission', () => {
  it('at most N open connections per address; a release makes room again, once', () => {
    const admission = new Admission({ maxConnectionsPerSource: 2 });
    const a = admission.enter(peer('10.0.0.1'));
    const b = admission.enter(peer('10.0.0.1'));
    expect(admission.enter(peer('10.0.0.1'))).toMatchObject({ admitted: false, reason: 'maxConnectionsPerSource' });
    expect(admission.enter(peer('10.0.0.2'))).toMatchObject({ admitted: true });
    if (!a.admitted || !b.admitted) throw new Error('admitted');
    a.release();
    a.release(); // idempotent
    expect(admission.open.get('10.0.0.1')).toBe(1);
    expect(admission.enter(peer('10.0.0.1'))).toMatchObject({ admitted: true });
    expect(admission.refused).toEqual({ maxConnectionsPerSource: 1, admit: 0 });
  });

  it('per prefix: a /24 (IPv4) and a /64 (IPv6) count as one source; an IPv4-mapped address counts as its IPv4', () => {
    const admission = new Admission({ maxConnectionsPerSource: { limit: 1, prefix4: 24, prefix6: 64 } });
    expect(admission.enter(peer('192.0.2.10'))).toMatchObject({ admitted: true });
    expect(admission.enter(peer('192.0.2.200'))).toMatchObject({ admitted: false });
    expect(admission.enter(peer('::ffff:192.0.2.99'))).toMatchObject({ admitted: false });
    expect(admission.enter(peer('192.0.3.1'))).toMatchObject({ admitted: true });
    expect(admission.enter(peer('2001:db8:1:2::1'))).toMatchObject({ admitted: true });
    expect(admission.enter(peer('2001:db8:1:2:ffff::9'))).toMatchObject({ admitted: false });
    expect(admission.enter(peer('2001:db8:1:3::1'))).toMatchObject({ admitted: true });
    expect([...admission.open.keys()]).toEqual(['192.0.2.0/24', '192.0.3.0/24', '2001:db8:1:2::/64', '2001:db8:1:3::/64']);
  });

  it('admit(): false or a throw refuses, counted; it sees the real client', () => {
    const seen: Array<string | null> = [];
    const admission = new Admission({
      admit: (p) => {
        seen.push(p.address);
        if (p.address === '203.0.113.66') throw new Error('blocked');
        return p.address !== '203.0.113.13';
      },
    });
    expect(admission.enter(peer('203.0.113.1'))).toMatchObject({ admitted: true });
    expect(admission.enter(peer('203.0.113.13'))).toMatchObject({ admitted: false, reason: 'admit', detail: 'admit() said no' });
    expect(admission.enter(peer('203.0.113.66'))).toMatchObject({ admitted: false, reason: 'admit', detail: 'admit() threw: blocked' });
    expect(admission.enter(peer(null))).toMatchObject({ admitted: true });
    expect(seen).toEqual(['203.0.113.1', '203.0.113.13', '203.0.113.66', null]);
    expect(admission.refused.admit).toBe(2);
  });

  it('bad options are RangeError / TypeError', () => {
    expect(() => new Admission({ maxConnectionsPerSource: 0 })).toThrow(RangeError);
    expect(() => new Admission({ maxConnectionsPerSource: { limit: 1, prefix4: 33 } })).toThrow(RangeError);
    expect(() => new Admission({ admit: 'yes' as never })).toThrow(TypeError);
  });
});
