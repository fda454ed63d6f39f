// bench/proxy-cost.ts's figures: per-connection CPU and rates of each server
// variant, as ratios to the first (the plain server), over all rounds and
// per round (median, min–max), and the markdown table they print as.
import type { ChildProcess } from 'node:child_process';
import { median, sum } from './measure.js';

export { sum };

export interface Sample {
  round: number;
  connections: number;
  seconds: number;
  connPerSec: number;
  p50us: number;
  p99us: number;
  errors: number;
  /** utime + stime over the run, ms. */
  cpuMs: number;
  userMs: number;
  sysMs: number;
  /** The scheduler's count (schedstat, ns resolution), ms: a cross-check. */
  schedMs: number;
  /** What else ran on the server's CPU meanwhile (other processes, interrupts), % of the run: a noise gauge. */
  othersPct: number;
  headersLater?: number;
}

export interface Variant {
  key: string;
  label: string;
  mode: string;
  lib?: string;
  /** loadgen -P: the PROXY header version the clients send. */
  header?: 1 | 2;
  child?: ChildProcess;
  port?: number;
  out: string;
  many: Sample[];
  one: Sample[];
  stats?: Record<string, unknown>;
}

export const usPerConn = (s: Pick<Sample, 'cpuMs' | 'connections'>) => (s.cpuMs * 1000) / s.connections;
export const schedUsPerConn = (s: Pick<Sample, 'schedMs' | 'connections'>) => (s.schedMs * 1000) / s.connections;
export const total = (samples: Sample[]) => ({
  connections: sum(samples.map((s) => s.connections)),
  seconds: sum(samples.map((s) => s.seconds)),
  cpuMs: sum(samples.map((s) => s.cpuMs)),
  userMs: sum(samples.map((s) => s.userMs)),
  sysMs: sum(samples.map((s) => s.sysMs)),
  schedMs: sum(samples.map((s) => s.schedMs)),
});

export interface Ratio {
  /** Over all rounds: totals of X over totals of (a). */
  all: number;
  /** Round by round (each X against (a) of the same round). */
  min: number;
  max: number;
  median: number;
}

export function ratioOf(
  xs: Sample[],
  base: Sample[],
  metric: (s: Sample) => number,
  whole: (t: ReturnType<typeof total>) => number,
): Ratio {
  const each = xs.map((x) => metric(x) / metric(base.find((b) => b.round === x.round)!));
  return { all: whole(total(xs)) / whole(total(base)), min: Math.min(...each), max: Math.max(...each), median: median(each) };
}

export interface Row {
  key: string;
  label: string;
  cpuUsPerConn: number;
  userUsPerConn: number;
  sysUsPerConn: number;
  cpu: Ratio;
  cpuSchedstat: Ratio;
  connPerSec: number;
  rate: Ratio;
  p50us: number;
  p99us: number;
  errors: number;
  othersPct: number;
  headersLater?: number;
}

export function rowsOf(variants: Variant[], pick: (v: Variant) => Sample[]): Row[] {
  const base = pick(variants[0]!);
  return variants.map((v) => {
    const samples = pick(v);
    const t = total(samples);
    const later = samples.some((s) => s.headersLater !== undefined) ? sum(samples.map((s) => s.headersLater ?? 0)) : undefined;
    return {
      key: v.key,
      label: v.label,
      cpuUsPerConn: usPerConn(t),
      userUsPerConn: (t.userMs * 1000) / t.connections,
      sysUsPerConn: (t.sysMs * 1000) / t.connections,
      cpu: ratioOf(samples, base, usPerConn, usPerConn),
      cpuSchedstat: ratioOf(samples, base, schedUsPerConn, schedUsPerConn),
      connPerSec: t.connections / t.seconds,
      rate: ratioOf(
        samples,
        base,
        (s) => s.connPerSec,
        (x) => x.connections / x.seconds,
      ),
      p50us: median(samples.map((s) => s.p50us)),
      p99us: median(samples.map((s) => s.p99us)),
      errors: sum(samples.map((s) => s.errors)),
      othersPct: sum(samples.map((s) => s.othersPct)) / samples.length,
      ...(later !== undefined && { headersLater: later }),
    };
  });
}

export const x = (r: Ratio) => `${r.all.toFixed(2)}× | ${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;

export function table(rows: Row[]): string[] {
  return [
    '| server | CPU µs / conn (user + sys) | CPU vs (a) | per round: median (min–max) | schedstat: vs (a) | per round | conn/s | vs (a) | per round | p50 µs | p99 µs | others on CPU 1 (incl. irq) | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.cpuUsPerConn.toFixed(1)} (${r.userUsPerConn.toFixed(1)} + ${r.sysUsPerConn.toFixed(1)}) | ${x(r.cpu)} | ${x(r.cpuSchedstat)} | ${Math.round(r.connPerSec)} | ${x(r.rate)} | ${r.p50us} | ${r.p99us} | ${r.othersPct.toFixed(0)}% | ${r.errors} |`,
    ),
  ];
}
