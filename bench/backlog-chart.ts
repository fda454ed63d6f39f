// The backlog sweep's chart (bench/backlog.ts): p99 connect time against the
// listen() backlog (log scale), with the connects that were retried or timed
// out as stacked bars on a second axis. Drawn with bench/chart.ts's pieces.
import { esc, fmt, frame, niceMax } from './chart.js';

/** What the chart needs of a row of the sweep. */
export interface ChartRow {
  backlog: number;
  /** The backlog the kernel applied. */
  applied: number;
  /** p99 connect time of the completed connects, µs (null: none completed). */
  p99us: number | null;
  retried: number;
  timedOut: number;
}

export interface ChartAbout {
  /** The grey line under the title: the burst, the machine. */
  subtitle: string;
}

export function backlogChart(rows: ChartRow[], about: ChartAbout): string {
  const W = 860;
  const H = 500;
  const left = 80;
  const right = 90;
  const top = 70;
  const bottom = 110;
  const pw = W - left - right;
  const ph = H - top - bottom;
  // x: log10 of the backlog; a backlog of 0 is drawn at 0.5.
  const lx = (b: number): number => Math.log10(Math.max(b, 0.5));
  const xs = rows.map((r) => lx(r.backlog));
  const lo = Math.min(...xs) - 0.15;
  const hi = Math.max(...xs) + 0.15;
  const X = (b: number): number => left + ((lx(b) - lo) / (hi - lo)) * pw;
  const p99s = rows.map((r) => (r.p99us === null ? null : r.p99us / 1000));
  const yMax = niceMax(Math.max(1, ...p99s.filter((v): v is number => v !== null)));
  const Y = (v: number): number => top + ph - (v / yMax) * ph;
  const counts = rows.map((r) => r.retried + r.timedOut);
  const cMax = niceMax(Math.max(1, ...counts));
  const C = (v: number): number => top + ph - (v / cMax) * ph;

  const out: string[] = [];
  // Grid and left axis (p99 ms).
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5;
    const y = Y(v);
    out.push(`<line x1="${left}" y1="${y.toFixed(1)}" x2="${left + pw}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 8}" y="${(y + 4).toFixed(1)}" text-anchor="end" fill="#1f77b4">${fmt(v)}</text>`);
    const c = (cMax * i) / 5;
    out.push(`<text x="${left + pw + 8}" y="${(C(c) + 4).toFixed(1)}" text-anchor="start" fill="#c0504d">${fmt(c)}</text>`);
  }
  // Decades, faint, so the log scale reads as one.
  for (let d = Math.ceil(lo); d <= Math.floor(hi); d++) {
    const x = left + ((d - lo) / (hi - lo)) * pw;
    out.push(`<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${top + ph}" stroke="#eeeeee" stroke-dasharray="3,3"/>`);
  }
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${left + pw}" y1="${top}" x2="${left + pw}" y2="${top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="#333"/>`);
  out.push(`<text transform="translate(22 ${top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#1f77b4">p99 connect time (ms)</text>`);
  out.push(
    `<text transform="translate(${W - 20} ${top + ph / 2}) rotate(90)" text-anchor="middle" fill="#c0504d">connections retried (≥0.9 s) / timed out</text>`,
  );

  // Bars: retried, timed out stacked on top; dodged apart where backlogs nearly coincide (e.g. 4096 and 4097).
  const barW = 16;
  const barX: number[] = [];
  for (const [i, r] of rows.entries()) {
    let x = X(r.backlog) - barW / 2;
    if (i > 0 && x < barX[i - 1]! + barW + 2) x = barX[i - 1]! + barW + 2;
    barX.push(x);
  }
  for (const [i, r] of rows.entries()) {
    const retried = r.retried;
    const timedOut = r.timedOut;
    const x = barX[i]!.toFixed(1);
    if (retried > 0)
      out.push(
        `<rect x="${x}" y="${C(retried).toFixed(1)}" width="${barW}" height="${(C(0) - C(retried)).toFixed(1)}" fill="#f28e2b" fill-opacity="0.75"><title>backlog ${r.backlog}: ${retried} retried</title></rect>`,
      );
    if (timedOut > 0)
      out.push(
        `<rect x="${x}" y="${C(retried + timedOut).toFixed(1)}" width="${barW}" height="${(C(retried) - C(retried + timedOut)).toFixed(1)}" fill="#c0504d" fill-opacity="0.75"><title>backlog ${r.backlog}: ${timedOut} timed out</title></rect>`,
      );
  }

  // The p99 line with its points and values.
  const pts = rows.map((r, i) => ({ x: X(r.backlog), v: p99s[i] })).filter((p): p is { x: number; v: number } => p.v !== null);
  if (pts.length > 1)
    out.push(
      `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${pts.map((p) => `${p.x.toFixed(1)},${Y(p.v).toFixed(1)}`).join(' ')}"/>`,
    );
  let lastLabelX = -Infinity;
  for (const [i, r] of rows.entries()) {
    const v = p99s[i];
    const x = X(r.backlog);
    if (v === null) {
      out.push(`<text x="${x.toFixed(1)}" y="${(top + ph - 6).toFixed(1)}" text-anchor="middle" fill="#1f77b4">n/a</text>`);
      continue;
    }
    out.push(
      `<circle cx="${x.toFixed(1)}" cy="${Y(v).toFixed(1)}" r="4" fill="#1f77b4"><title>backlog ${r.backlog}: p99 ${v.toFixed(2)} ms</title></circle>`,
    );
    if (x - lastLabelX > 40) {
      out.push(
        `<text x="${x.toFixed(1)}" y="${(Y(v) - 9).toFixed(1)}" text-anchor="middle" font-size="11" fill="#1f77b4" stroke="#ffffff" stroke-width="3" paint-order="stroke">${v >= 100 ? v.toFixed(0) : v.toFixed(1)}</text>`,
      );
      lastLabelX = x;
    }
  }

  // x tick labels at each measured backlog (a second row where two nearly coincide).
  let lastTickX = -Infinity;
  let row = 0;
  for (const r of rows) {
    const x = X(r.backlog);
    row = x - lastTickX < 34 ? 1 - row : 0;
    lastTickX = x;
    const y = top + ph + 18 + row * 15;
    out.push(`<line x1="${x.toFixed(1)}" y1="${top + ph}" x2="${x.toFixed(1)}" y2="${top + ph + 5}" stroke="#333"/>`);
    const label = r.applied !== r.backlog ? `${r.backlog} (→${r.applied})` : String(r.backlog);
    out.push(`<text x="${x.toFixed(1)}" y="${y}" text-anchor="middle">${esc(label)}</text>`);
  }
  out.push(
    `<text x="${left + pw / 2}" y="${top + ph + 52}" text-anchor="middle">listen() backlog requested (log scale; → the kernel's clamp)</text>`,
  );

  // Legend.
  const ly = H - 28;
  out.push(
    `<line x1="${left}" y1="${ly}" x2="${left + 24}" y2="${ly}" stroke="#1f77b4" stroke-width="2"/><circle cx="${left + 12}" cy="${ly}" r="4" fill="#1f77b4"/>`,
  );
  out.push(`<text x="${left + 30}" y="${ly + 4}">p99 connect time, completed connects (left axis)</text>`);
  out.push(
    `<rect x="${left + 330}" y="${ly - 6}" width="12" height="12" fill="#f28e2b" fill-opacity="0.75"/><text x="${left + 348}" y="${ly + 4}">retried ≥0.9 s (right axis)</text>`,
  );
  out.push(
    `<rect x="${left + 520}" y="${ly - 6}" width="12" height="12" fill="#c0504d" fill-opacity="0.75"/><text x="${left + 538}" y="${ly + 4}">timed out (stacked)</text>`,
  );
  return frame(W, H, 'Connect burst vs listen() backlog', [about.subtitle], out);
}
