/** The report tests' scan of a file for anything that points at a network. */
/** What a reviewer's scan for links would find: a URL scheme, or an attribute that loads or links. */
export function networkReferences(html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/https?:/gi)) found.push(m[0]);
  // Attributes of real tags only (text is escaped, so a `<` in it is never a tag).
  for (const tag of html.matchAll(/<[a-z][^>]*>/gi)) {
    for (const m of tag[0].matchAll(/\s(?:src|href|srcset|action|poster|data|xlink:href)\s*=\s*["']?(?!#)[^\s"'>]+/gi)) found.push(m[0].trim());
  }
  for (const m of html.matchAll(/url\(|@import/gi)) found.push(m[0]);
  return found;
}
