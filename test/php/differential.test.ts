// Differential suite: every case runs through real PHP 8.2 and through the
// facade, and the observations must match field by field, but for the
// deliberate differences of differences.ts. The cases on literal ports run
// in differential-literal-ports.test.ts.
import { describe, expect, it } from 'vitest';
import { DELIBERATE_DIFFERENCES } from './differences.js';
import { differentialCases, io, onLiteralPort, own, shared } from './differential-suite.js';

const IO_FUNCTIONS = [
  'fread',
  'fwrite',
  'fputs',
  'fgets',
  'fgetc',
  'feof',
  'fflush',
  'stream_get_line',
  'stream_get_contents',
  'stream_set_read_buffer',
  'stream_set_write_buffer',
  'stream_set_blocking',
  'stream_select',
];

describe('PHP differential suite', () => {
  it('lists its deliberate differences from PHP in one place', () => {
    expect(DELIBERATE_DIFFERENCES).toHaveLength(3);
  });

  it('covers every shared case, TLS included, and at least 100 of our own', () => {
    expect(shared.length).toBe(220);
    expect(own.length).toBeGreaterThanOrEqual(100);
  });

  it('probes every stream I/O function', () => {
    const ops = new Set(
      io.flatMap((c) => (c.probes as Array<{ server: Array<{ op?: string }> }>).flatMap((p) => p.server.map((s) => s.op))),
    );
    expect(IO_FUNCTIONS.filter((fn) => !ops.has(fn))).toEqual([]);
  });

  differentialCases(
    [...shared, ...own, ...io].filter((c) => !onLiteralPort(c)),
    'concurrent',
  );
});
