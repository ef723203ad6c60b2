/** Small builders for core unit tests. */
import type { SourceUser, ZivverAccount } from '../../src/core/types.js';

let nextLine = 2;

export function sourceUser(fields: Partial<SourceUser> & { primaryEmail?: string }): SourceUser {
  const emails = fields.emails ?? (fields.primaryEmail ? [fields.primaryEmail] : []);
  return {
    input: 'test.csv',
    line: fields.line ?? nextLine++,
    emails,
    columns: {},
    warnings: [],
    ...fields,
  };
}

export function account(id: string, userName: string, fields: Partial<ZivverAccount> = {}): ZivverAccount {
  return { id, userName, active: true, aliases: [], ...fields };
}

export function guid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}
