// The figures of a round of `npm run bench`, from its samples: per
// contender the CPU time per 1,000 units of work (connections, requests,
// messages, handshakes) and the rate, each as a ratio to the round's
// baseline, over all rounds and round by round (every contender against the
// baseline of the same interleaved pass: median, lowest, highest). Then the
// round's markdown table, its chart, and its files in bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ratioChart, type Spread } from './chart.js';
import { median, sum } from './measure.js';

/** One contender's run in one round. */
export interface Sample {
  round: number;
  /** Work done: connections, requests, messages, handshakes. */
  units: number;
  seconds: number;
  /** CPU time of the contender's processes over the run (all threads), ns. */
  cpuNs: number;
  /** What else ran on the contender's CPU meanwhile, % of the run (when it has a CPU of its own). */
  othersPct?: number;
}

export interface Contender<S extends Sample = Sample> {
  key: string;
  label: string;
  samples: S[];
}

export interface Ratio extends Spread {
  /** Of the totals over all rounds. */
  all: number;
}

export interface Summary {
  key: string;
  label: string;
  units: number;
  seconds: number;
  /** CPU ms per 1,000 units, over all rounds. */
  cpuMsPer1k: number;
  cpu: Ratio;
  /** Units per second, over all rounds. */
  rate: number;
  rateRatio: Ratio;
  othersPct?: number;
}

const cpuPerUnit = (s: { cpuNs: number; units: number }): number => s.cpuNs / s.units;
const ratePerS = (s: { units: number; seconds: number }): number => s.units / s.seconds;
const totals = (samples: Sample[]) => ({
  units: sum(samples.map((s) => s.units)),
  seconds: sum(samples.map((s) => s.seconds)),
  cpuNs: sum(samples.map((s) => s.cpuNs)),
});

/** X's ratio to the baseline of the same rounds, by `metric`. */
export function ratioOf(xs: Sample[], base: Sample[], metric: (s: { cpuNs: number; units: number; seconds: number }) => number): Ratio {
  const each = xs.flatMap((x) => {
    const b = base.find((s) => s.round === x.round);
    return b === undefined ? [] : [metric(x) / metric(b)];
  });
  return { all: metric(totals(xs)) / metric(totals(base)), median: median(each), min: Math.min(...each), max: Math.max(...each) };
}

export function summarize(contenders: Contender[], baseKey: string): Summary[] {
  const base = contenders.find((c) => c.key === baseKey)!.samples;
  return contenders
    .filter((c) => c.samples.length > 0)
    .map((c) => {
      const t = totals(c.samples);
      const others = c.samples.map((s) => s.othersPct).filter((p): p is number => p !== undefined && Number.isFinite(p));
      return {
        key: c.key,
        label: c.label,
        units: t.units,
        seconds: t.seconds,
        cpuMsPer1k: t.cpuNs / 1e6 / (t.units / 1000),
        cpu: ratioOf(c.samples, base, cpuPerUnit),
        rate: ratePerS(t),
        rateRatio: ratioOf(c.samples, base, ratePerS),
        ...(others.length > 0 && { othersPct: sum(others) / others.length }),
      };
    });
}

export const spreadText = (r: Spread): string => `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;

export interface TableOptions {
  /** "conn", "req", "msgs", "handshakes". */
  unit: string;
  /** The baseline's short name: "node:net". */
  base: string;
  /** More columns after the standard ones. */
  extra?: { headers: string[]; cells(s: Summary): string[] };
}

/** The round's table: CPU per 1k units and rate, with their ratios to the baseline (all rounds; per round median, min–max). */
export function table(rows: Summary[], o: TableOptions): string[] {
  const extra = o.extra ?? { headers: [], cells: () => [] };
  const others = rows.some((r) => r.othersPct !== undefined);
  const headers = [
    'contender',
    `CPU ms / 1k ${o.unit}`,
    `CPU vs ${o.base}`,
    'per round: median (min–max)',
    `${o.unit}/s`,
    `${o.unit}/s vs ${o.base}, per round`,
    ...(others ? ['others on its CPU'] : []),
    ...extra.headers,
  ];
  return [
    `| ${headers.join(' | ')} |`,
    `|---|${headers
      .slice(1)
      .map(() => '---:')
      .join('|')}|`,
    ...rows.map((r) => {
      const cells = [
        r.label,
        r.cpuMsPer1k.toFixed(2),
        `${r.cpu.all.toFixed(2)}×`,
        spreadText(r.cpu),
        String(Math.round(r.rate)),
        spreadText(r.rateRatio),
        ...(others ? [r.othersPct === undefined ? '–' : `${r.othersPct.toFixed(0)}%`] : []),
        ...extra.cells(r),
      ];
      return `| ${cells.join(' | ')} |`;
    }),
  ];
}

export interface ChartOptions {
  title: string;
  subtitles: string[];
  /** "connections", "requests": CPU per 1k of them. */
  unit: string;
  base: string;
  /** The goal for the CPU ratio, if the project set one. */
  goal?: { value: number; label: string };
  notes?: string[];
}

/** Two panels: the CPU per unit and the rate, each × the baseline, median bar and min–max whisker over the rounds. */
export function chartOf(rows: Summary[], baseKey: string, o: ChartOptions): string {
  return ratioChart({
    title: o.title,
    subtitles: o.subtitles,
    labels: rows.map((r) => r.label),
    base: rows.findIndex((r) => r.key === baseKey),
    panels: [
      {
        title: `CPU per 1k ${o.unit}, × ${o.base}`,
        hint: 'lower is better',
        values: rows.map((r) => r.cpu),
        ...(o.goal !== undefined && { goal: o.goal }),
      },
      { title: `${o.unit}/s, × ${o.base}`, hint: 'higher is better', values: rows.map((r) => r.rateRatio) },
    ],
    notes: [
      'Bar: the median of the per-round ratios (each against the baseline of the same interleaved pass); whisker: their lowest and highest.',
      ...(o.notes ?? []),
    ],
  });
}

/** The options every round takes (bench/run.ts's command line). */
export interface RoundOptions {
  /** Length of one contender's run, s. */
  seconds: number;
  /** Interleaved passes after the warm-up. */
  rounds: number;
  /** The warm-up of each contender, s (JIT, and V8's young generation growing to its load). */
  warmup: number;
  /** Connections or requests in flight. */
  concurrency: number;
  /** The datagram round's offered rate, messages/s. */
  udpRate: number;
}

/** What a round hands back: its table (markdown lines), its data, its chart. */
export interface RoundResult {
  name: string;
  md: string[];
  json: Record<string, unknown>;
  svg?: string;
}

/** Writes bench/results/<name>.{md,json,svg}. */
export function writeRound(out: string, r: RoundResult, wallSeconds: number): void {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${r.name}.md`), `${r.md.join('\n')}\n`);
  writeFileSync(join(out, `${r.name}.json`), `${JSON.stringify({ ...r.json, wallSeconds: Math.round(wallSeconds) }, null, 2)}\n`);
  if (r.svg !== undefined) writeFileSync(join(out, `${r.name}.svg`), r.svg);
}
