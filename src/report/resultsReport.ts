/**
 * The results of one apply run as one page: what happened in one sentence, the counts and the
 * run's progress over time (from the rows' timestamps), the failures with Zivver's own words, the
 * drifted rows, the command that undoes the run, the traffic (requests per update, 429s seen).
 * Pure: result rows and run figures in, HTML out.
 */
import type { ResultRow, ResultStatus } from '../core/records.js';
import { barChart, formatSeconds, progressChart } from './charts.js';
import { readableTime, reasonGroup } from './planReport.js';
import { renderPage, type Fact, type TableModel } from './render.js';

export const STATUS_COLORS: Record<ResultStatus, string> = {
  updated: '#1a7f37',
  'would-update': '#0969da',
  drifted: '#bc4c00',
  failed: '#cf222e',
  skipped: '#afb8c1',
};

export const DEFAULT_RESULTS_REPORT_LIMITS = { updated: 20_000, problems: 10_000 } as const;

export interface RunFigures {
  /** Requests sent to Zivver by this run. */
  requests: number;
  /** 429 answers seen by this run. */
  throttled: number;
  seconds: number;
  readMode: string;
  listings: number;
}

export interface ResultsReportInput {
  /** This run's result rows (in the order they finished). */
  results: readonly ResultRow[];
  counts: Record<ResultStatus, number>;
  whatIf: boolean;
  zivverUrl: string;
  /** The plan file (or "stdin"). */
  plan: string;
  planSha256: string;
  runId: string;
  /** The results journal (null with --what-if). */
  journal: string | null;
  /** ISO times. */
  started: string;
  finished: string;
  figures: RunFigures;
  alreadyDone?: number;
  notStarted?: number;
  interrupted?: boolean;
  /** The command that undoes this run (see rollbackCommand), or null when nothing was written. */
  rollback: string | null;
  madeBy?: string;
  toolVersion: string;
  limits?: { updated?: number; problems?: number };
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** A command-line argument quoted for cmd, PowerShell and sh alike when it needs it. */
function arg(a: string): string {
  return /^[\w@%+=:,./\\-]+$/.test(a) ? a : `"${a.replace(/"/g, '\\"')}"`;
}

/**
 * The two commands that undo a run: make a rollback plan from its journal, then apply that plan.
 * The API key comes from the environment as for every command (never on a command line).
 */
export function rollbackCommand(o: { zivverUrl: string; journal: string; ledger?: string; out?: string }): string {
  const out = o.out ?? 'rollback.json';
  const ledger = o.ledger ? ['--ledger', o.ledger] : [];
  const rollback = ['zivver-keytool', 'rollback', '--zivver-url', o.zivverUrl, '--results', o.journal, ...ledger, '--out', out];
  const apply = ['zivver-keytool', 'apply', '--zivver-url', o.zivverUrl, '--plan', out, ...ledger];
  return `${rollback.map(arg).join(' ')}\n${apply.map(arg).join(' ')}`;
}

export function resultsSentence(c: Record<ResultStatus, number>, whatIf: boolean, zivverUrl: string): string {
  const tail = [
    c.drifted ? `${fmt(c.drifted)} drifted (not written: the account changed since the plan)` : '',
    c.failed ? `${fmt(c.failed)} failed` : '',
    c.skipped ? `${fmt(c.skipped)} skipped` : '',
  ].filter(Boolean);
  const rest = tail.length ? `; ${tail.join(', ')}` : c.updated + c['would-update'] ? '; nothing drifted or failed' : '';
  return whatIf
    ? `What-if run, nothing was written: ${fmt(c['would-update'])} account${c['would-update'] === 1 ? '' : 's'} at ${zivverUrl} would get a new SSO key${rest}.`
    : `${fmt(c.updated)} account${c.updated === 1 ? '' : 's'} at ${zivverUrl} got a new SSO key${rest}.`;
}

function skippedGroup(error: string | null): string {
  const e = error ?? '';
  const m = /^not a set row \(plan action: ([\w-]+)/.exec(e);
  if (m) return `not a set row: ${m[1]}`;
  if (e.startsWith('already updated')) return 'already updated by an earlier run';
  return reasonGroup(e) || '(no reason given)';
}

export function renderResultsReport(input: ResultsReportInput): string {
  const limits = { ...DEFAULT_RESULTS_REPORT_LIMITS, ...input.limits };
  const c = input.counts;
  const written = input.whatIf ? 'would-update' : 'updated';
  const failed = input.results.filter((r) => r.status === 'failed');
  const drifted = input.results.filter((r) => r.status === 'drifted');
  const updated = input.results.filter((r) => r.status === written);
  const skipped = new Map<string, number>();
  for (const r of input.results) if (r.status === 'skipped') skipped.set(skippedGroup(r.error), (skipped.get(skippedGroup(r.error)) ?? 0) + 1);

  const capped = (rows: ResultRow[], limit: number, what: string) =>
    rows.length > limit ? { rows: rows.slice(0, limit), note: `The first ${fmt(limit)} of ${fmt(rows.length)} ${what} are listed (in the order they finished); every row is in the results journal.` } : { rows };
  const f = capped(failed, limits.problems, 'failed rows');
  const d = capped(drifted, limits.problems, 'drifted rows');
  const u = capped(updated, limits.updated, input.whatIf ? 'rows that would be updated' : 'updated rows');
  const time = (r: ResultRow) => r.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

  const failedTable: TableModel = {
    id: 'failed',
    title: 'failures',
    columns: [{ label: 'Address', kind: 'a' }, { label: 'Zivver account', kind: 'a' }, { label: 'HTTP', kind: 'n' }, { label: "Zivver's words", kind: 'w' }, { label: 'May have been applied' }, { label: 'Time (UTC)' }],
    rows: f.rows.map((r) => [r.email, r.userName, r.httpStatus ?? '', r.error ?? '', r.mayHaveBeenApplied ? 'yes' : 'no', time(r)]),
    ...(f.note ? { note: f.note } : {}),
  };
  const driftedTable: TableModel = {
    id: 'drifted',
    title: 'drifted rows',
    columns: [{ label: 'Address', kind: 'a' }, { label: 'Zivver account (planned)', kind: 'a' }, { label: 'What changed', kind: 'w' }, { label: 'Time (UTC)' }],
    rows: d.rows.map((r) => [r.email, r.userName, r.error ?? '', time(r)]),
    ...(d.note ? { note: d.note } : {}),
  };
  const updatedTable: TableModel = {
    id: 'updated',
    title: input.whatIf ? 'rows that would be updated' : 'updated rows',
    columns: [{ label: 'Address', kind: 'a' }, { label: 'Zivver account', kind: 'a' }, { label: 'New key', kind: 'k' }, { label: 'Time (UTC)' }],
    rows: u.rows.map((r) => [r.email, r.userName, r.newKey, time(r)]),
    ...(u.note ? { note: u.note } : {}),
  };
  const skippedTable: TableModel | null = skipped.size
    ? {
        id: 'skipped',
        title: 'skipped rows by reason',
        columns: [{ label: 'Reason', kind: 'w' }, { label: 'Rows', kind: 'n' }],
        rows: [...skipped.entries()].sort((a, b) => b[1] - a[1]).slice(0, 50).map(([why, n]) => [why, n]),
      }
    : null;

  const fig = input.figures;
  const writes = c.updated + c['would-update'];
  const perUpdate = writes ? (fig.requests / writes).toFixed(2) : null;
  const facts: Fact[] = [
    { term: 'Zivver', value: input.zivverUrl, mono: true },
    { term: 'Plan', lines: [input.plan, `planned writes SHA-256 ${input.planSha256}`], mono: true },
    { term: 'Run', value: `${readableTime(input.started)} to ${readableTime(input.finished)} (${formatSeconds(fig.seconds)})${input.madeBy ? ` by ${input.madeBy}` : ''}` },
    { term: 'Run id', value: input.runId, mono: true },
    { term: 'Results journal', value: input.journal ?? 'none (what-if: nothing recorded)', mono: Boolean(input.journal) },
    {
      term: 'Requests to Zivver',
      value: `${fmt(fig.requests)}${perUpdate ? `, ${perUpdate} per ${input.whatIf ? 'row checked' : 'update'}` : ''}; ${fmt(fig.throttled)} answered 429 (rate limit)`,
    },
    { term: 'Reads', value: fig.readMode === 'listing' ? `from listings (${fmt(fig.listings)} taken)` : 'each account read fresh before its write' },
  ];

  const startMs = Date.parse(input.started);
  const timed = input.results.filter((r) => r.status !== 'skipped');
  const statuses = (['updated', 'would-update', 'drifted', 'failed'] as ResultStatus[]).map((s) => ({ status: s, color: STATUS_COLORS[s] }));
  const progress = timed.length
    ? progressChart(
        timed.map((r) => ({ at: Date.parse(r.at), status: r.status })),
        statuses,
        startMs,
        `Rows finished over time (${fmt(timed.length)} rows, ${formatSeconds(fig.seconds)})`,
      )
    : null;
  const shownStatuses: ResultStatus[] = input.whatIf ? ['would-update', 'drifted', 'failed', 'skipped'] : ['updated', 'drifted', 'failed', 'skipped'];

  const listed = f.rows.length + d.rows.length + u.rows.length;
  const holds =
    `This page lists ${fmt(listed)} of the run's ${fmt(input.results.length)} result rows: ` +
    `${f.rows.length === failed.length ? 'every' : `the first ${fmt(f.rows.length)}`} failed, ${d.rows.length === drifted.length ? 'every' : `the first ${fmt(d.rows.length)}`} drifted and ` +
    `${u.rows.length === updated.length ? 'every' : `the first ${fmt(u.rows.length)}`} ${input.whatIf ? 'would-update' : 'updated'} row; skipped rows are counted by reason.` +
    (input.journal ? ` Every row is in ${input.journal}.` : '');

  const data = {
    title: input.whatIf
      ? `Zivver key what-if: ${fmt(c['would-update'])} would update, ${fmt(c.failed)} failed`
      : `Zivver key run: ${fmt(c.updated)} updated, ${fmt(c.failed)} failed, ${fmt(c.drifted)} drifted`,
    toolVersion: input.toolVersion,
    whatIf: input.whatIf,
    sentence: resultsSentence(c, input.whatIf, input.zivverUrl),
    interrupted: input.interrupted
      ? `The run was interrupted: ${fmt(input.notStarted ?? 0)} row(s) were not started. Run the same command again to resume.`
      : (input.notStarted ?? 0) > 0
        ? `${fmt(input.notStarted ?? 0)} row(s) were not started. Run the same command again to do them.`
        : '',
    facts,
    statusChart: barChart(
      shownStatuses.map((s) => ({ label: s, count: c[s], color: STATUS_COLORS[s] })),
      `Rows per status${input.alreadyDone ? ` (skipped includes ${fmt(input.alreadyDone)} already done by an earlier run)` : ''}`,
    ),
    progress,
    trafficNote:
      `${fmt(fig.requests)} request(s) to Zivver${perUpdate ? `, ${perUpdate} per ${input.whatIf ? 'row checked' : 'update'}` : ''}; ` +
      `${fmt(fig.throttled)} answered 429 (Zivver's rate limit; the tool waits and retries them).`,
    failed: { total: failed.length, table: failedTable },
    drifted: { total: drifted.length, table: driftedTable },
    updated: { total: updated.length, table: updatedTable },
    skipped: skippedTable,
    skippedTotal: c.skipped,
    rollback: input.rollback,
    rollbackIntro: input.rollback
      ? 'To put back the keys these accounts had before, make a rollback plan from this run and apply it like any plan (review it first). It restores each updated account\'s previous key where the ledger knows it and lists the accounts whose previous key is unknown:'
      : input.whatIf
        ? 'Nothing was written, so there is nothing to undo.'
        : c.updated
          ? 'No rollback command is given for this run.'
          : 'No key was written, so there is nothing to undo.',
    holds,
  };
  return renderPage('@results', data);
}
