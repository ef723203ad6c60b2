/**
 * The plan as one page for the people who approve it (a change board, a security officer, the
 * service desk): what will happen in one sentence, the counts per action as a chart, what the plan
 * was made from and by whom, the rows that need attention first, then the keys that will be set,
 * and counts per domain and department. Pure: plan document in, HTML out.
 *
 * Large plans: the page lists at most `limits.attention` rows that need attention and
 * `limits.set` set rows (the first ones, in input order) and says so; unchanged and skipped rows
 * are counted by reason, not listed. Every row is in the plan's JSON/CSV.
 */
import type { RowDetails, RowDetailsLookup } from '../core/rowDetails.js';
import { PLAN_ACTIONS, type PlanAction, type PlanDocument, type PlanRow } from '../core/types.js';
import { barChart } from './charts.js';
import { renderPage, type Fact, type TableModel } from './render.js';

export const ATTENTION_ACTIONS: readonly PlanAction[] = ['not-found', 'ambiguous', 'conflict', 'invalid'];

export const ACTION_COLORS: Record<PlanAction, string> = {
  set: '#0969da',
  unchanged: '#818b98',
  'not-found': '#bc4c00',
  ambiguous: '#bf8700',
  conflict: '#cf222e',
  invalid: '#a40e26',
  skipped: '#afb8c1',
};

export const DEFAULT_PLAN_REPORT_LIMITS = { attention: 10_000, set: 20_000 } as const;

export interface PlanReportInput {
  plan: PlanDocument;
  /** Display name and department of a row's source user, where the input has them. */
  details?: RowDetailsLookup;
  /** Who made the plan (e.g. "jdoe on ADMIN-PC"). */
  madeBy?: string;
  toolVersion: string;
  /** The plan's other files (plan.json, plan.csv), named where the page says where every row is. */
  otherFiles?: readonly string[];
  limits?: { attention?: number; set?: number };
}

const fmt = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${fmt(n)} ${n === 1 ? one : many}`;

export function domainOf(email: string): string {
  const at = email.lastIndexOf('@');
  return at > 0 && at < email.length - 1 ? email.slice(at + 1).trim().toLowerCase() : '(no domain)';
}

function source(row: PlanRow): string {
  return row.input ? `${row.input}:${row.line}` : row.line ? `line ${row.line}` : '';
}

/** "5 not found, 2 ambiguous and 1 conflict" (only the non-zero ones). */
function listCounts(parts: [number, string][]): string {
  const nz = parts.filter(([n]) => n > 0).map(([n, what]) => `${fmt(n)} ${what}`);
  if (nz.length <= 1) return nz.join('');
  return `${nz.slice(0, -1).join(', ')} and ${nz[nz.length - 1]}`;
}

export function planSentence(plan: Pick<PlanDocument, 'summary' | 'keySource' | 'keyFormat'>): string {
  const s = plan.summary;
  const attention = ATTENTION_ACTIONS.reduce((n, a) => n + s[a], 0);
  const head = s.set
    ? `This plan sets a new SSO key (${plan.keySource}, as ${plan.keyFormat}) on ${plural(s.set, 'Zivver account')}`
    : 'This plan sets no key';
  const att = attention
    ? `${plural(attention, 'row needs', 'rows need')} attention first (${listCounts(ATTENTION_ACTIONS.map((a) => [s[a], a.replace('-', ' ')]))})`
    : 'no row needs attention';
  const rest = [
    s.unchanged ? `${plural(s.unchanged, 'account already has its key', 'accounts already have their key')}` : '',
    s.skipped ? `${plural(s.skipped, 'row is', 'rows are')} skipped` : '',
  ].filter(Boolean);
  return `${head}; ${att}${rest.length ? `; ${rest.join('; ')}` : ''}.`;
}

interface Tally {
  set: number;
  unchanged: number;
  attention: number;
  skipped: number;
}

function tallyTable(id: string, title: string, label: string, tallies: Map<string, Tally>, limit: number): TableModel {
  const sorted = [...tallies.entries()].sort((a, b) => total(b[1]) - total(a[1]) || a[0].localeCompare(b[0]));
  const shown = sorted.slice(0, limit);
  return {
    id,
    title,
    columns: [{ label }, { label: 'Set', kind: 'n' }, { label: 'Need attention', kind: 'n' }, { label: 'Unchanged', kind: 'n' }, { label: 'Skipped', kind: 'n' }, { label: 'Rows', kind: 'n' }],
    rows: shown.map(([k, t]) => [k, t.set, t.attention, t.unchanged, t.skipped, total(t)]),
    ...(sorted.length > shown.length ? { note: `The ${fmt(limit)} largest of ${fmt(sorted.length)} are listed.` } : {}),
  };
}

const total = (t: Tally) => t.set + t.unchanged + t.attention + t.skipped;

function bump(map: Map<string, Tally>, key: string, action: PlanAction): void {
  let t = map.get(key);
  if (!t) map.set(key, (t = { set: 0, unchanged: 0, attention: 0, skipped: 0 }));
  if (action === 'set') t.set++;
  else if (action === 'unchanged') t.unchanged++;
  else if (action === 'skipped') t.skipped++;
  else t.attention++;
}

/** The reason without the addresses and keys that make each one unique, so that like rows group. */
export function reasonGroup(reason: string): string {
  return reason
    .replace(/\b[^\s@(),;:]+@[^\s@(),;:]+\b/g, '…')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '…')
    .replace(/\bline \d+\b/g, 'line …')
    .trim();
}

export function renderPlanReport(input: PlanReportInput): string {
  const { plan } = input;
  const limits = { ...DEFAULT_PLAN_REPORT_LIMITS, ...input.limits };
  const details = input.details ?? (() => undefined);
  const s = plan.summary;

  const attentionRows: PlanRow[] = [];
  const setRows: PlanRow[] = [];
  const domains = new Map<string, Tally>();
  const departments = new Map<string, Tally>();
  const notListed = new Map<string, { action: PlanAction; reason: string; rows: number }>();
  const info = new Map<PlanRow, RowDetails>();
  let anyPrevious = false;
  let anyName = false;
  for (const row of plan.rows) {
    const d = details(row);
    if (d) info.set(row, d);
    if (d?.displayName) anyName = true;
    bump(domains, domainOf(row.email), row.action);
    if (d?.department) bump(departments, d.department, row.action);
    if (row.action === 'set') {
      if (setRows.length < limits.set) setRows.push(row);
      if (row.previousKey) anyPrevious = true;
    } else if (ATTENTION_ACTIONS.includes(row.action)) {
      attentionRows.push(row);
    } else {
      const reason = reasonGroup(row.reason);
      const key = `${row.action}\t${reason}`;
      const g = notListed.get(key);
      if (g) g.rows++;
      else notListed.set(key, { action: row.action, reason, rows: 1 });
    }
  }
  const attentionTotal = attentionRows.length;
  const order = (a: PlanAction) => ATTENTION_ACTIONS.indexOf(a);
  attentionRows.sort((a, b) => order(a.action) - order(b.action) || (a.input ?? '').localeCompare(b.input ?? '') || a.line - b.line);
  const attentionShown = attentionRows.slice(0, limits.attention);
  const anyDepartment = departments.size > 0;
  const name = (r: PlanRow) => info.get(r)?.displayName ?? '';
  // The account's userName only where it is not the address itself: the exceptions stand out.
  const account = (r: PlanRow) => (r.userName.trim().toLowerCase() === r.email.trim().toLowerCase() ? '' : r.userName);
  const dept = (r: PlanRow) => info.get(r)?.department ?? '';

  const attentionTable: TableModel = {
    id: 'attention',
    title: 'rows that need attention',
    columns: [
      { label: 'Action', kind: 'chip' },
      { label: 'Address', kind: 'a' },
      ...(anyName ? [{ label: 'Name' }] : []),
      ...(anyDepartment ? [{ label: 'Department' }] : []),
      { label: 'Why', kind: 'w' },
      { label: 'Zivver account, if another', kind: 'a' },
      { label: 'Source' },
    ],
    rows: attentionShown.map((r) => [
      r.action,
      r.email,
      ...(anyName ? [name(r)] : []),
      ...(anyDepartment ? [dept(r)] : []),
      r.reason,
      account(r),
      source(r),
    ]),
    ...(attentionShown.length < attentionTotal
      ? { note: `The first ${fmt(attentionShown.length)} of ${fmt(attentionTotal)} rows that need attention are listed (by action, then input line); every row is in the plan file.` }
      : {}),
  };
  const setTable: TableModel = {
    id: 'set',
    title: 'keys that will be set',
    columns: [
      { label: 'Address', kind: 'a' },
      ...(anyName ? [{ label: 'Name' }] : []),
      ...(anyDepartment ? [{ label: 'Department' }] : []),
      { label: 'Zivver account, if another', kind: 'a' },
      { label: 'New key', kind: 'k' },
      ...(anyPrevious ? [{ label: 'Previous key', kind: 'k' as const }] : []),
      { label: 'How it was matched', kind: 'w' },
      { label: 'Source' },
    ],
    rows: setRows.map((r) => [
      r.email,
      ...(anyName ? [name(r)] : []),
      ...(anyDepartment ? [dept(r)] : []),
      account(r),
      r.newKey,
      ...(anyPrevious ? [r.previousKey ?? ''] : []),
      r.reason,
      source(r),
    ]),
    ...(setRows.length < s.set
      ? { note: `The first ${fmt(setRows.length)} of ${fmt(s.set)} set rows are listed (in input order); every row is in the plan file.` }
      : {}),
  };

  const groups = [...notListed.values()].sort((a, b) => b.rows - a.rows || a.action.localeCompare(b.action));
  const GROUPS = 50;
  const notListedTable: TableModel | undefined = groups.length
    ? {
        id: 'not-listed',
        title: 'unchanged and skipped rows by reason',
        columns: [{ label: 'Action', kind: 'chip' }, { label: 'Reason', kind: 'w' }, { label: 'Rows', kind: 'n' }],
        rows: groups.slice(0, GROUPS).map((g) => [g.action, g.reason, g.rows]),
        ...(groups.length > GROUPS
          ? { note: `The ${GROUPS} most common of ${fmt(groups.length)} reasons are listed; ${fmt(groups.slice(GROUPS).reduce((n, g) => n + g.rows, 0))} more rows have other reasons.` }
          : {}),
      }
    : undefined;

  const facts: Fact[] = [
    { term: 'Zivver', value: plan.zivverUrl, mono: true },
    { term: 'Key source', value: `${plan.keySource}, written as ${plan.keyFormat}` },
    ...(plan.previousKeySource
      ? [{ term: 'Current keys from', value: `${plan.previousKeySource}${plan.previousKeyFormat ? `, as ${plan.previousKeyFormat}` : ''} (shown as Previous key; rollback can restore them)` }]
      : []),
    {
      term: plan.inputs.length === 1 ? 'Input' : 'Inputs',
      lines: plan.inputs.length ? plan.inputs.map((i) => `${i.name}  SHA-256 ${i.sha256}`) : ['(none recorded)'],
      mono: true,
    },
    ...(plan.filters ? [{ term: 'Filters', lines: filterLines(plan.filters) }] : []),
    { term: 'Made', value: `${readableTime(plan.createdAt)}${input.madeBy ? ` by ${input.madeBy}` : ''}` },
    ...(input.otherFiles?.length ? [{ term: 'Plan files', lines: [...input.otherFiles], mono: true }] : []),
  ];

  const listedTotal = attentionShown.length + setRows.length;
  const holds =
    `This page lists ${fmt(listedTotal)} of the plan's ${fmt(plan.rows.length)} rows: ` +
    `${attentionShown.length === attentionTotal ? 'every' : `the first ${fmt(attentionShown.length)} of ${fmt(attentionTotal)}`} row${attentionTotal === 1 ? '' : 's'} that need${attentionTotal === 1 ? 's' : ''} attention and ` +
    `${setRows.length === s.set ? 'every' : `the first ${fmt(setRows.length)} of ${fmt(s.set)}`} set row${s.set === 1 ? '' : 's'}; ` +
    `unchanged and skipped rows are counted by reason. ${input.otherFiles?.length ? `Every row is in ${input.otherFiles.join(' and ')}.` : 'Every row is in the plan file.'}`;

  const data = {
    title: `Zivver key plan: ${fmt(s.set)} to set, ${fmt(attentionTotal)} need attention`,
    toolVersion: input.toolVersion,
    sentence: planSentence(plan),
    nothingWritten: 'Nothing has been written to Zivver. zivver-keytool apply carries out the set rows: it reads each account again, writes only its SSO key (SsoAccountKey), and records every write so that it can be resumed and rolled back. A user whose identity provider does not send the new key cannot log in with SSO after that.',
    facts,
    warnings: plan.warnings ?? [],
    actionsChart: barChart(
      PLAN_ACTIONS.map((a) => ({ label: a, count: s[a], color: ACTION_COLORS[a] })),
      `Rows per action (${fmt(plan.rows.length)} rows)`,
    ),
    actionsNote:
      'set: the key is written · unchanged: the ledger shows this key is already set · not-found, ambiguous: no single Zivver account for the user · ' +
      'conflict: two accounts would get one key, or the inputs disagree · invalid: no usable key · skipped: filtered out or not a user mailbox.',
    attention: { total: attentionTotal, table: attentionTable },
    attentionIntro: 'These rows are not written. Resolve them (fix the input, the account or the filters) and plan again, or accept that these users keep their current key.',
    set: { total: s.set, table: setTable },
    domains: tallyTable('domains', 'rows by domain', 'Domain', domains, 500),
    departments: anyDepartment ? tallyTable('departments', 'rows by department', 'Department', departments, 500) : null,
    notListed: notListedTable,
    notListedIntro: 'Unchanged and skipped rows change nothing; they are counted here by reason (addresses and keys in a reason are shown as …).',
    holds,
  };
  return renderPage('@plan', data);
}

/** 2026-11-30T06:00:00.000Z → 2026-11-30 06:00:00 UTC (other text as it is). */
export function readableTime(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

function filterLines(f: NonNullable<PlanDocument['filters']>): string[] {
  const out: string[] = [];
  if (f.includeEmails?.length) out.push(`only the addresses ${f.includeEmails.join(', ')}`);
  if (f.excludeEmails?.length) out.push(`not the addresses ${f.excludeEmails.join(', ')}`);
  if (f.includeDomains?.length) out.push(`only the domains ${f.includeDomains.join(', ')}`);
  if (f.excludeDomains?.length) out.push(`not the domains ${f.excludeDomains.join(', ')}`);
  return out;
}
