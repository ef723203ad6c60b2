/**
 * Values from files and flags as they may appear in a message: control and invisible characters
 * escaped (a terminal must never receive raw control bytes from an input, and a right-to-left
 * override must not turn a message around), and cut to a few hundred characters (a 1 MB column
 * name must not come back as a 1 MB message).
 */

/** Longest value echoed in a message, in characters, before it is cut. */
export const MAX_SHOWN = 200;

/**
 * Control characters (C0, DEL, C1), format characters that are invisible or reorder text
 * (zero-width spaces and joiners, bidi embeddings, overrides and isolates, the BOM, soft hyphen,
 * word joiner, invisible operators) and the line/paragraph separators.
 */
// eslint-disable-next-line no-control-regex
export const INVISIBLE_OR_CONTROL = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/;
const INVISIBLE_OR_CONTROL_G = new RegExp(INVISIBLE_OR_CONTROL.source, 'g');

/** The escape for one invisible or control character: \n, \t, \r, \xNN or \u{NNNN}. */
function escapeChar(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0').toUpperCase()}` : `\\u{${code.toString(16).toUpperCase()}}`;
}

/** Escapes control and invisible characters; everything else is kept. */
export function escapeControls(text: string): string {
  return text.replace(INVISIBLE_OR_CONTROL_G, escapeChar);
}

/**
 * A value for a message: escaped, and cut to `max` characters with the length said
 * ("abc… (1048576 characters)"). Cutting never splits a surrogate pair.
 */
export function shown(value: string, max = MAX_SHOWN): string {
  const cut = value.length > max;
  let head = cut ? value.slice(0, max) : value;
  if (cut && /[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  const escaped = escapeControls(head);
  return cut ? `${escaped}… (${value.length} characters)` : escaped;
}

/** A value in double quotes for a message (see shown). */
export function quoted(value: string, max = MAX_SHOWN): string {
  return `"${shown(value, max)}"`;
}

/** The first invisible or control character in `text`, named (e.g. "U+200B"), or null. */
export function firstInvisible(text: string): string | null {
  const m = INVISIBLE_OR_CONTROL.exec(text);
  if (!m) return null;
  return `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Longest message printed whole, in characters. */
export const MAX_MESSAGE = 4000;

/**
 * A whole message as printed: line breaks kept (messages have a hint on a second line), every other
 * control or invisible character escaped, and cut at MAX_MESSAGE characters. The last safety net
 * for values a message forgot to pass through shown().
 */
export function safeMessage(text: string, max = MAX_MESSAGE): string {
  const lines = text.split('\n').map((l) => escapeControls(l.replace(/\r$/, '')));
  const out = lines.join('\n');
  return out.length > max ? `${out.slice(0, max)}… (message cut at ${max} of ${out.length} characters)` : out;
}
