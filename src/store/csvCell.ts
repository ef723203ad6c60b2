/**
 * Cells of every CSV the tool writes (plans, results), opened in Excel by people: text that Excel
 * would evaluate as a formula (starting with = + - @, a tab or a carriage return) gets an
 * apostrophe in front, OWASP's advice. The tool reads its own CSVs back (a plan CSV goes to
 * `apply`), so the rule is reversible: apostrophes already in front of such text get one more, and
 * reading takes exactly one away from a cell that is apostrophes followed by formula text.
 *   write: "=1+1" → "'=1+1"   "'=x" → "''=x"   "-5" → "'-5"   "a-b" → "a-b"
 *   read:  "'=1+1" → "=1+1"   "''=x" → "'=x"   "'abc" → "'abc"
 */
const FORMULA = /^'*[=+\-@\t\r]/;

export function neutralizeFormula(value: string): string {
  return FORMULA.test(value) ? `'${value}` : value;
}

/** The inverse of neutralizeFormula, for cells read from a CSV this tool wrote. */
export function restoreFormula(cell: string): string {
  return cell.startsWith("'") && FORMULA.test(cell.slice(1)) ? cell.slice(1) : cell;
}
