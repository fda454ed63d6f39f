// Hand-written SVG for the benchmarks' charts, no dependencies: the pieces
// every chart uses (escaping, number format, a round axis maximum, the frame
// with its title) and the ratio chart of the rounds of `npm run bench`: per
// contender a bar at the median of its per-round ratios and a whisker from
// the lowest to the highest, beside a line at 1 (the baseline) and a goal.

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
export const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
export const px = (n: number): string => n.toFixed(1);

/** A round axis maximum ≥ x: 1, 2, 2.5, 5 × 10^k. */
export function niceMax(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** The document's opening (white background, a bold title and grey subtitle lines, centred) and its end. */
export function frame(width: number, height: number, title: string, subtitles: string[], body: string[]): string {
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="26" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`,
    ...subtitles.map((s, i) => `<text x="${width / 2}" y="${46 + 16 * i}" text-anchor="middle" fill="#555">${esc(s)}</text>`),
    ...body,
    `</svg>`,
  ];
  return `${out.join('\n')}\n`;
}

/** A ratio over rounds: the median of the per-round ratios, and their lowest and highest. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface Panel {
  /** What the ratio is of, e.g. "CPU per 1k connections, × node:net". */
  title: string;
  /** A second, grey line under it: "lower is better". */
  hint?: string;
  /** One per row (undefined: not measured). */
  values: Array<Spread | undefined>;
  /** A dashed line where the goal is. */
  goal?: { value: number; label: string };
}

export interface RatioChart {
  title: string;
  subtitles: string[];
  /** The contenders, top to bottom. */
  labels: string[];
  /** Which row is the baseline (drawn grey; its ratios are 1). */
  base: number;
  /** Side by side, each with its own scale. */
  panels: Panel[];
  /** Grey lines under the chart. */
  notes?: string[];
}

const BAR = '#4e79a7';
const BASE = '#9d9d9d';
const GOAL = '#59a14f';

export function ratioChart(c: RatioChart): string {
  // Room for the longest label (about 6.6 px a character at 12 px).
  const labelW = Math.max(200, Math.ceil(Math.max(...c.labels.map((l) => l.length)) * 6.6) + 20);
  const panelW = c.panels.length > 1 ? 300 : 460;
  const gap = 40;
  const rowH = 34;
  const top = 62 + 16 * c.subtitles.length + 36;
  const plotH = rowH * c.labels.length;
  const notes = c.notes ?? [];
  const W = labelW + c.panels.length * (panelW + gap) + 20;
  const H = top + plotH + 44 + 16 * notes.length + 10;
  const body: string[] = [];
  c.labels.forEach((label, i) => {
    const y = top + rowH * i + rowH / 2 + 4;
    body.push(`<text x="${labelW - 10}" y="${px(y)}" text-anchor="end"${i === c.base ? ' fill="#555"' : ''}>${esc(label)}</text>`);
  });
  c.panels.forEach((panel, p) => body.push(...drawPanel(panel, c.base, labelW + p * (panelW + gap), top, panelW, rowH, c.labels.length)));
  notes.forEach((note, i) => body.push(`<text x="20" y="${top + plotH + 48 + 16 * i}" fill="#555" font-size="11">${esc(note)}</text>`));
  return frame(W, H, c.title, c.subtitles, body);
}

function drawPanel(panel: Panel, base: number, left: number, top: number, width: number, rowH: number, rows: number): string[] {
  const out: string[] = [];
  const height = rowH * rows;
  const highest = Math.max(1, panel.goal?.value ?? 0, ...panel.values.map((v) => v?.max ?? 0));
  const xMax = niceMax(highest * 1.08);
  const X = (v: number): number => left + (v / xMax) * width;
  out.push(`<text x="${left + width / 2}" y="${top - 24}" text-anchor="middle" font-weight="bold">${esc(panel.title)}</text>`);
  if (panel.hint !== undefined)
    out.push(`<text x="${left + width / 2}" y="${top - 9}" text-anchor="middle" fill="#555">${esc(panel.hint)}</text>`);
  // Grid, ticks, frame.
  const step = xMax / 5;
  for (let i = 0; i <= 5; i++) {
    const x = px(X(step * i));
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + height}" stroke="#ececec"/>`);
    out.push(`<text x="${x}" y="${top + height + 16}" text-anchor="middle" fill="#333">${fmt(step * i)}×</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#333"/>`);
  // Rows: a bar at the median, a whisker from min to max, the value.
  panel.values.forEach((v, i) => {
    const y = top + rowH * i;
    if (v === undefined) {
      out.push(`<text x="${left + 6}" y="${px(y + rowH / 2 + 4)}" fill="#999">not measured</text>`);
      return;
    }
    const colour = i === base ? BASE : BAR;
    const h = rowH * 0.5;
    const by = y + (rowH - h) / 2;
    const tip = `${v.median.toFixed(2)}× (rounds: ${v.min.toFixed(2)}–${v.max.toFixed(2)})`;
    out.push(
      `<rect x="${left}" y="${px(by)}" width="${px(X(v.median) - left)}" height="${px(h)}" fill="${colour}" fill-opacity="0.8"><title>${esc(tip)}</title></rect>`,
    );
    if (i !== base) {
      const cy = px(y + rowH / 2);
      out.push(`<line x1="${px(X(v.min))}" y1="${cy}" x2="${px(X(v.max))}" y2="${cy}" stroke="#222" stroke-width="1.5"/>`);
      for (const end of [v.min, v.max])
        out.push(
          `<line x1="${px(X(end))}" y1="${px(by - 3)}" x2="${px(X(end))}" y2="${px(by + h + 3)}" stroke="#222" stroke-width="1.5"/>`,
        );
    }
    const labelX = Math.max(X(v.median), X(v.max)) + 6;
    const inside = labelX > left + width - 40;
    out.push(
      `<text x="${px(inside ? X(v.median) - 4 : labelX)}" y="${px(y + rowH / 2 + 4)}" text-anchor="${inside ? 'end' : 'start'}" font-size="11" ${inside ? 'fill="#fff"' : 'fill="#222" stroke="#fff" stroke-width="3" paint-order="stroke"'}>${v.median.toFixed(2)}×</text>`,
    );
  });
  // The baseline at 1, and the goal.
  out.push(`<line x1="${px(X(1))}" y1="${top}" x2="${px(X(1))}" y2="${top + height}" stroke="#333" stroke-dasharray="4,3"/>`);
  if (panel.goal !== undefined) {
    const gx = px(X(panel.goal.value));
    out.push(`<line x1="${gx}" y1="${top}" x2="${gx}" y2="${top + height}" stroke="${GOAL}" stroke-width="2" stroke-dasharray="6,3"/>`);
    out.push(`<text x="${gx}" y="${top + height + 30}" text-anchor="middle" fill="${GOAL}" font-size="11">${esc(panel.goal.label)}</text>`);
  }
  return out;
}
