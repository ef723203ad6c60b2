/**
 * A plan made by the real planner (core planKeyChanges) from source users with every action, hostile
 * display names and departments, for the report tests.
 */
import { assemblePlanDocument } from '../../src/core/planDocument.js';
import { planKeyChanges } from '../../src/core/plan.js';
import type { PlanDocument, SourceUser, ZivverAccount } from '../../src/core/types.js';
import { rowDetailsFromUsers, type RowDetailsLookup } from '../../src/core/rowDetails.js';
import type { ResultRow, ResultStatus } from '../../src/store/journal.js';

export const HOSTILE_NAME = '<script>document.title="owned"</script><img src=x onerror=alert(1)>';
export const FORMULA_NAME = '=HYPERLINK("http://evil.example/x","click")';

const guid = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

function user(line: number, email: string, fields: Partial<SourceUser> = {}): SourceUser {
  return { input: 'mailboxes.csv', line, primaryEmail: email, emails: [email], columns: {}, warnings: [], ...fields };
}

export interface FixturePlan {
  plan: PlanDocument;
  details: RowDetailsLookup;
}

/**
 * `count` ordinary users who get a key (across two domains and three departments), plus one row of
 * each attention action, unchanged and skipped rows, and the hostile display names.
 */
export function fixturePlan(count = 40): FixturePlan {
  const users: SourceUser[] = [];
  const accounts: ZivverAccount[] = [];
  const departments = ['Cardiologie', 'Radiologie', 'ICT'];
  let line = 2;
  for (let i = 0; i < count; i++) {
    const domain = i % 4 === 0 ? 'zorg.example' : 'ziekenhuis.example';
    const email = `user${i}@${domain}`;
    accounts.push({ id: guid('aaaaaaaa', i), userName: email, active: true, aliases: [] });
    users.push(
      user(line++, email, {
        objectId: guid('bbbbbbbb', i),
        displayName: i === 0 ? HOSTILE_NAME : i === 1 ? FORMULA_NAME : `User ${i}`,
        columns: { department: departments[i % 3]! },
      }),
    );
  }
  // not-found
  users.push(user(line++, 'nobody@zorg.example', { objectId: guid('cccccccc', 1), displayName: 'Nobody Known', columns: { department: 'ICT' } }));
  // ambiguous: the address is an alias of two accounts
  accounts.push({ id: guid('aaaaaaaa', 901), userName: 'twin.a@zorg.example', active: true, aliases: ['twin@zorg.example'] });
  accounts.push({ id: guid('aaaaaaaa', 902), userName: 'twin.b@zorg.example', active: true, aliases: ['twin@zorg.example'] });
  users.push(user(line++, 'twin@zorg.example', { objectId: guid('cccccccc', 2), displayName: 'Twin' }));
  // conflict: two accounts would get one key
  accounts.push({ id: guid('aaaaaaaa', 903), userName: 'dup1@zorg.example', active: true, aliases: [] });
  accounts.push({ id: guid('aaaaaaaa', 904), userName: 'dup2@zorg.example', active: true, aliases: [] });
  users.push(user(line++, 'dup1@zorg.example', { objectId: guid('dddddddd', 7), displayName: 'Dup One' }));
  users.push(user(line++, 'dup2@zorg.example', { objectId: guid('dddddddd', 7), displayName: 'Dup Two' }));
  // invalid: no key
  accounts.push({ id: guid('aaaaaaaa', 905), userName: 'nokey@zorg.example', active: true, aliases: [] });
  users.push(user(line++, 'nokey@zorg.example', { displayName: 'No Key' }));
  // skipped: a shared mailbox
  users.push(user(line++, 'info@zorg.example', { objectId: guid('cccccccc', 3), recipientTypeDetails: 'SharedMailbox', displayName: 'Info' }));
  // unchanged: the ledger knows the key
  accounts.push({ id: guid('aaaaaaaa', 906), userName: 'done@zorg.example', active: true, aliases: [] });
  users.push(user(line++, 'done@zorg.example', { objectId: guid('eeeeeeee', 1), displayName: 'Done Already' }));
  const ledger = { lastKeyById: new Map([[guid('aaaaaaaa', 906), guid('eeeeeeee', 1)]]) };

  const result = planKeyChanges(users, accounts, ledger, { keySource: { kind: 'objectId' }, keyFormat: 'guid' });
  const plan = assemblePlanDocument({
    createdAt: '2026-11-30T06:00:00.000Z',
    zivverUrl: 'https://app.zivver.com/api/scim/v2',
    keySource: 'objectId',
    keyFormat: 'guid',
    inputs: [{ name: 'mailboxes.csv', sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }],
    summary: result.summary,
    rows: result.rows,
    warnings: result.warnings,
  });
  return { plan, details: rowDetailsFromUsers(users) };
}

export const ZIVVER_FAILURE = 'Invalid division: <b>Cardiologie</b> =HYPERLINK("http://evil.example")';

/**
 * Result rows as apply journals them for the fixture plan's set rows: most updated a second apart,
 * one drifted, two failed (one with Zivver's words holding markup), the plan's other rows skipped.
 */
export function fixtureResults(plan: PlanDocument, runId = 'run-1'): { results: ResultRow[]; started: string; finished: string } {
  const t0 = Date.parse('2026-11-30T06:10:00.000Z');
  const results: ResultRow[] = [];
  let i = 0;
  for (const r of plan.rows) {
    const base = { email: r.email, zivverId: r.zivverId, newKey: r.newKey, userName: r.userName, line: r.line, runId };
    if (r.action !== 'set') {
      results.push({ ...base, status: 'skipped', httpStatus: null, error: `not a set row (plan action: ${r.action}: ${r.reason})`, at: new Date(t0).toISOString() });
      continue;
    }
    const at = new Date(t0 + 1000 * ++i).toISOString();
    if (i === 3) results.push({ ...base, status: 'drifted', httpStatus: 200, error: `the account's userName is now someone@else.example (planned for ${r.userName}); nothing was written — make a new plan`, at });
    else if (i === 5) results.push({ ...base, status: 'failed', httpStatus: 400, error: ZIVVER_FAILURE, at });
    else if (i === 6) results.push({ ...base, status: 'failed', httpStatus: 503, error: 'no clear answer from Zivver (HTTP 503 Service Unavailable); the key may have been applied — rerun apply to retry this row', at, mayHaveBeenApplied: true });
    else results.push({ ...base, status: 'updated', httpStatus: 200, error: null, at });
  }
  return { results, started: new Date(t0).toISOString(), finished: new Date(t0 + 1000 * (i + 1)).toISOString() };
}

export function countResults(results: readonly ResultRow[]): Record<ResultStatus, number> {
  const c: Record<ResultStatus, number> = { updated: 0, 'would-update': 0, drifted: 0, failed: 0, skipped: 0 };
  for (const r of results) c[r.status]++;
  return c;
}
