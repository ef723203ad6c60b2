import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import type { KeytoolCommand } from '../command.js';
import { planReportRenderer } from '../reports.js';
import { resolveLedgerFile, withCommonOptions, withLedgerOption, withOutputOptions, type CommonArgs, type LedgerArgs, type OutputOptionArgs } from '../options.js';
import { renderTable } from '../render.js';
import { ExitCode, InputError } from '../../errors.js';
import { planRollback } from '../../core/rollback.js';
import { readJournal } from '../../store/journal.js';
import { entriesForUrl, readLedgerEntries } from '../../store/ledger.js';
import { FileGuard } from '../../store/fileGuard.js';
import { outputKind } from '../../store/outputFile.js';
import { planRowsToJsonl, writePlanOutputs } from '../../store/planWrite.js';
import { maxInputBytes } from '../../util/boundedRead.js';
import { planRowContext } from '../../core/planDocument.js';

export type RollbackCommandArgs = CommonArgs & OutputOptionArgs & LedgerArgs & { results: string };

/**
 * `rollback --results <journal> --out <plan.json|csv>`: writes a plan restoring previous keys (an
 * ordinary plan: review it, then `apply` it). Exit 0 when every updated account can be restored,
 * 1 when some cannot (listed on stderr and as invalid/conflict rows), 2 for bad input.
 */
export const rollbackCommand: KeytoolCommand<RollbackCommandArgs> = {
  command: 'rollback',
  describe: 'Write a plan that restores previous keys from a results journal and the ledger',
  builder: (y) =>
    withLedgerOption(
      withOutputOptions(withCommonOptions(y)).option('results', { type: 'string', demandOption: true, describe: 'Results journal of the apply run to undo', group: 'Rollback:' }),
    )
      .example('$0 rollback --results plan.json.results.jsonl --out rollback.json', 'Write the rollback plan')
      .example('$0 apply --plan rollback.json', 'Then apply it like any plan') as unknown as Argv<RollbackCommandArgs>,
  run: async (args, ctx) => {
    for (const f of args.out ?? []) outputKind(f, { html: true });
    const journalFile = path.resolve(ctx.cwd, args.results);
    const journal = await readJournal(journalFile, { maxBytes: maxInputBytes(args.maxInputSize), signal: ctx.signal });
    if (!journal) throw new InputError('results journal not found', args.results, undefined, 'Give the .results.jsonl file that `apply` wrote (default: <plan>.results.jsonl beside the plan).');
    for (const s of journal.skipped) ctx.logger.warn(`${args.results}:${s.line}: ignored (${s.reason})`);
    const ledgerFile = resolveLedgerFile(args, ctx);
    // The files read and written, checked together: --out must not replace what it undoes.
    const files = FileGuard.forRun(ctx, args.force)
      .reads(args.results, { option: '--results', what: 'the results journal' })
      .reads(ledgerFile, { what: 'the ledger' });
    for (const h of journal.headers) if (h.plan && path.isAbsolute(h.plan)) files.reads(h.plan, { what: 'the plan it undoes' });
    for (const o of args.out ?? []) files.replaces(o, { option: '--out', what: 'an output' });
    await files.check();
    const ledger = await readLedgerEntries(ledgerFile);
    for (const s of ledger.skipped) ctx.logger.warn(`ledger ${ledgerFile}:${s.line}: ignored (${s.reason})`);
    const sha = createHash('sha256').update(await fs.readFile(journalFile)).digest('hex');
    // Only the ledger entries of the tenant the journal wrote to (and entries from before entries named one).
    const entries = entriesForUrl(ledger.entries, journal.headers[0]?.zivverUrl || undefined);
    const plan = planRollback({ journal, journalName: args.results, journalSha256: sha, ledger: entries, createdAt: new Date().toISOString() });

    const unknown = plan.rows.filter((r) => r.action !== 'set');
    if (unknown.length) ctx.logger.warn(cannotRestoreSummary(unknown));
    if (args.out?.length) {
      const written = await writePlanOutputs(args.out, plan, { delimiter: args.csvDelimiter, bom: args.csvBom }, ctx.cwd, planReportRenderer(plan, ctx.env), {
        force: args.force,
        onFolderCreated: (dir) => ctx.logger.info(`Created the folder ${dir}`),
      });
      for (const f of written) ctx.logger.info(`Rollback plan written to ${f}`);
    }
    if (args.output === 'json') ctx.stdout.write(JSON.stringify(plan, null, 2) + '\n');
    else if (args.output === 'jsonl') ctx.stdout.write(planRowsToJsonl(plan.rows, planRowContext(plan)));
    else {
      if (plan.rows.length) {
        ctx.stdout.write(
          renderTable(plan.rows, [
            { header: 'ACTION', value: (r) => r.action },
            { header: 'USERNAME', value: (r) => r.userName || r.email, max: 40 },
            { header: 'RESTORE KEY', value: (r) => r.newKey, max: 38 },
            { header: 'REASON', value: (r) => r.reason, max: 100 },
          ]),
        );
      }
      const next = args.out?.length ? ` Review it, then: zivver-keytool apply --plan ${args.out[0]}` : ' Write it with --out <file.json|file.csv> to apply it.';
      ctx.stdout.write(`Rollback plan: ${plan.summary.set} to restore, ${unknown.length} cannot be restored.${plan.summary.set ? next : ''}\n`);
    }
    return unknown.length ? ExitCode.Partial : ExitCode.Ok;
  },
};

/** One warning for every account rollback cannot restore (the table and --out list each with its reason). */
export function cannotRestoreSummary(rows: readonly { userName: string; email: string; action: string; reason: string }[]): string {
  const names = rows.map((r) => r.userName || r.email);
  const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
  const unknown = rows.filter((r) => r.action === 'invalid').length;
  const conflict = rows.length - unknown;
  const parts = [
    unknown ? `previous key unknown for ${unknown} (not set by zivver-keytool, e.g. by the Zivver Synctool, and the plan named none: plan --previous-key-source records it)` : '',
    conflict ? `changed again later, or a previous key shared, for ${conflict} (roll the later run back first, or restore by hand)` : '',
  ].filter(Boolean);
  return `cannot restore ${rows.length} account(s): ${shown} — ${parts.join('; ')}. Each is listed with its reason.`;
}
