/**
 * Rendering for people: fixed-width tables that survive a Windows console.
 */

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Cap on the column width; longer values are cut with an ellipsis. */
  max?: number;
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => clip(c.value(r), c.max)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w)))];
  for (const row of cells) out.push(line(row));
  return out.join('\n') + '\n';
}

function clip(value: string, max?: number): string {
  const flat = value.replace(/[\r\n\t]+/g, ' ');
  if (!max || flat.length <= max) return flat;
  return flat.slice(0, Math.max(0, max - 1)) + '…';
}
