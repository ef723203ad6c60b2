/**
 * What the plan report shows of a row's person beyond the plan's own fields: the display name and
 * the department, where the input has them (a Department column of a Get-ADUser or Get-User
 * export; Graph's department when it was read). Pure.
 */
import { displayAddress } from './match.js';
import type { PlanRow, SourceUser } from './types.js';

/** What the inputs say about a row's person beyond the plan's fields. */
export interface RowDetails {
  displayName?: string;
  department?: string;
}

/** A plan row's details, where its source user had any. */
export type RowDetailsLookup = (row: PlanRow) => RowDetails | undefined;

/** The input column (lower-cased) a row's department is read from. */
export const DEPARTMENT_COLUMN = 'department';

const rowKey = (input: string | undefined, line: number, email: string) => `${input ?? ''}\t${line}\t${email.toLowerCase()}`;

/** A lookup from plan rows to their source users' display name and department. */
export function rowDetailsFromUsers(users: readonly SourceUser[]): RowDetailsLookup {
  const byRow = new Map<string, RowDetails>();
  for (const u of users) {
    const displayName = u.displayName?.trim();
    const department = u.columns[DEPARTMENT_COLUMN]?.trim();
    if (!displayName && !department) continue;
    byRow.set(rowKey(u.input, u.line, displayAddress(u)), {
      ...(displayName ? { displayName } : {}),
      ...(department ? { department } : {}),
    });
  }
  return (row) => byRow.get(rowKey(row.input, row.line, row.email));
}
