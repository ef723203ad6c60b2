/**
 * Rendering for people: fixed-width tables that survive a Windows console.
 */
import { escapeControls } from '../core/shown.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Cap on the column width; longer values are cut with an ellipsis. Capped columns also give way when the table is too wide. */
  max?: number;
}

export interface TableOptions {
  /** Fit the table into this many columns (default: the terminal's width when stdout is one). */
  width?: number;
}

/** The console width when stdout is a terminal; tables written to files and pipes are not squeezed. */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number | undefined {
  return stream.isTTY && stream.columns ? stream.columns : undefined;
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[], opts: TableOptions = {}): string {
  // Values from inputs: no line breaks, and no raw control bytes (escape sequences) on a console.
  const raw = rows.map((r) => columns.map((c) => escapeControls(c.value(r).replace(/[\r\n\t]+/g, ' '))));
  // A loop, not Math.max(...values): spreading a million rows into arguments overflows the stack.
  const widths = columns.map((c, i) => {
    let w = c.header.length;
    for (const row of raw) if (row[i].length > w) w = row[i].length;
    return Math.min(c.max ?? Infinity, w);
  });
  const width = opts.width ?? terminalWidth();
  if (width) {
    const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
    // Shrink the widest capped column (reasons, addresses) one step at a time until the table fits.
    while (total() > width - 1) {
      let widest = -1;
      columns.forEach((c, i) => {
        const floor = Math.max(c.header.length, 12);
        if (c.max !== undefined && widths[i] > floor && (widest < 0 || widths[i] > widths[widest])) widest = i;
      });
      if (widest < 0) break;
      widths[widest]--;
    }
  }
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w)))];
  for (const row of raw) out.push(line(row.map((v, i) => clip(v, widths[i]))));
  return out.join('\n') + '\n';
}

function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  return value.slice(0, Math.max(0, max - 1)) + '…';
}
