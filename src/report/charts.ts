/**
 * Chart geometry for the reports (pure numbers; the templates draw them as inline SVG).
 *  - bars: one horizontal bar per category (plan actions, result statuses), labelled with its count.
 *  - progress: the run's rows over time, one cumulative step line per status, from the journal's
 *    timestamps; thinned to a few hundred points per line so a 100,000-row run stays small.
 */

export interface BarInput {
  label: string;
  count: number;
  color: string;
}

export interface BarChart {
  width: number;
  height: number;
  labelWidth: number;
  bars: { label: string; count: number; color: string; y: number; width: number; textX: number }[];
  title: string;
}

const BAR_H = 20;
const BAR_GAP = 8;

export function barChart(items: readonly BarInput[], title: string, width = 560): BarChart {
  const labelWidth = 120;
  const countRoom = 70;
  const room = width - labelWidth - countRoom;
  const max = Math.max(1, ...items.map((i) => i.count));
  const bars = items.map((it, i) => {
    const w = it.count === 0 ? 0 : Math.max(2, Math.round((it.count / max) * room));
    return { label: it.label, count: it.count, color: it.color, y: i * (BAR_H + BAR_GAP), width: w, textX: labelWidth + w + 6 };
  });
  return { width, height: items.length * (BAR_H + BAR_GAP), labelWidth, bars, title };
}

export interface ProgressInput {
  /** Milliseconds since the epoch; NaN entries are ignored. */
  at: number;
  status: string;
}

export interface ProgressLine {
  status: string;
  color: string;
  total: number;
  /** SVG polyline points ("x,y x,y ..."). */
  points: string;
}

export interface ProgressChart {
  width: number;
  height: number;
  plot: { x: number; y: number; w: number; h: number };
  lines: ProgressLine[];
  /** Axis labels: x ticks (seconds since start) and the y maximum. */
  xTicks: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  durationSeconds: number;
  title: string;
}

const MAX_POINTS = 300;

/**
 * Cumulative count per status over the run. `start` is the run's start (ms); rows earlier than it
 * (clock skew) count at 0 s.
 */
export function progressChart(
  rows: readonly ProgressInput[],
  statuses: readonly { status: string; color: string }[],
  start: number,
  title: string,
  width = 560,
  height = 220,
): ProgressChart {
  const plot = { x: 48, y: 10, w: width - 48 - 150, h: height - 10 - 34 };
  const valid = rows.filter((r) => Number.isFinite(r.at));
  // Loops, not Math.min(...list): spreading a million results into arguments overflows the stack.
  const t0 = Number.isFinite(start) ? start : valid.reduce((m, r) => Math.min(m, r.at), valid.length ? Infinity : 0);
  const end = valid.reduce((m, r) => Math.max(m, r.at), t0);
  const span = Math.max(end - t0, 1);
  const byStatus = new Map<string, number[]>();
  for (const r of valid) {
    let list = byStatus.get(r.status);
    if (!list) byStatus.set(r.status, (list = []));
    list.push(Math.max(0, r.at - t0));
  }
  const maxCount = Math.max(1, ...[...byStatus.values()].map((l) => l.length));
  const sx = (ms: number) => plot.x + (ms / span) * plot.w;
  const sy = (n: number) => plot.y + plot.h - (n / maxCount) * plot.h;
  const r1 = (n: number) => Math.round(n * 10) / 10;
  const lines: ProgressLine[] = [];
  for (const { status, color } of statuses) {
    const times = (byStatus.get(status) ?? []).sort((a, b) => a - b);
    if (!times.length) continue;
    // A step line: flat at the count so far, up at each finished row; thinned to MAX_POINTS steps.
    const stride = Math.max(1, Math.ceil(times.length / MAX_POINTS));
    const pts: string[] = [`${r1(sx(0))},${r1(sy(0))}`];
    const picks: number[] = [];
    for (let i = stride - 1; i < times.length; i += stride) picks.push(i);
    if (picks[picks.length - 1] !== times.length - 1) picks.push(times.length - 1);
    let prev = 0;
    for (const idx of picks) {
      const x = r1(sx(times[idx]!));
      pts.push(`${x},${r1(sy(prev))}`, `${x},${r1(sy(idx + 1))}`);
      prev = idx + 1;
    }
    pts.push(`${r1(sx(span))},${r1(sy(times.length))}`);
    lines.push({ status, color, total: times.length, points: pts.join(' ') });
  }
  const seconds = span / 1000;
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({ x: r1(plot.x + f * plot.w), label: formatSeconds(seconds * f) }));
  const yTicks = [0, 0.5, 1].map((f) => ({ y: r1(sy(maxCount * f)), label: String(Math.round(maxCount * f)) }));
  return { width, height, plot, lines, xTicks, yTicks, durationSeconds: seconds, title };
}

export function formatSeconds(s: number): string {
  if (s < 10) return `${Math.round(s * 10) / 10} s`;
  if (s < 120) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return m < 60 ? `${m} min${rest ? ` ${rest} s` : ''}` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
