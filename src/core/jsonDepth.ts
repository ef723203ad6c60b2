/**
 * How deeply JSON text nests, found without recursion (strings and their escapes skipped), so a
 * reader can refuse what would overflow the stack later: JSON.parse copes with any depth, but
 * stringifying, joining or walking such a value does not.
 */

/** Deepest nesting any reader accepts (the JSON reader's own limit). */
export const MAX_JSON_DEPTH = 512;

/**
 * The offset of the first `{` or `[` that opens level `max + 1` in `text` from `start` to `end`, or
 * -1 when the text never nests deeper than `max`.
 */
export function firstTooDeep(text: string, max = MAX_JSON_DEPTH, start = 0, end = text.length): number {
  let depth = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < end; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return -1;
}
