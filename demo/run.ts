/**
 * `npm run demo`: a newcomer's tour without a Zivver tenant. Starts the Zivver SCIM emulator with a
 * sample tenant on 127.0.0.1, writes a sample Exchange Online export, and runs the real CLI:
 * test-connection → plan → apply --what-if → apply → plan again (now unchanged) → rollback plan.
 * The plan and the first apply also write their HTML reports (plan.html, results.html).
 * Every command is printed as you would type it. Files go to a temporary folder (printed).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../src/emulator/index.js';
import { generateSampleTenant } from '../src/emulator/sampleTenant.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'zivver-keytool.js');
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function csvCell(v: unknown): string {
  const s = Array.isArray(v) ? v.join(';') : v === undefined || v === null ? '' : String(v);
  return `"${s.replace(/"/g, '""')}"`;
}

/** `npm run demo -- --screenshot docs/img/plan-report.png` also takes the README's picture of plan.html. */
const screenshotAt = process.argv.indexOf('--screenshot');
const screenshotTo = screenshotAt > 0 ? process.argv[screenshotAt + 1] : undefined;

async function main(): Promise<void> {
  const apiKey = `demo-${Math.random().toString(36).slice(2, 12)}`;
  const tenant = generateSampleTenant({ count: 300, seed: 2026 });
  // Zivver allows about 50 requests per 10 s; the demo's emulator allows ten times that so the tour
  // takes a minute, not five. Everything else is as Zivver does it: the write-only key, PUT
  // semantics, user writes as application/json only, the token bucket and its 429s, and accounts in
  // Zivver's own shapes (ExternalAccountId, empty enterprise objects, phoneNumbers: []).
  const emulator = await startEmulator({ apiKey, users: tenant.users, rateLimit: { budget: 500, windowSeconds: 10 } });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zivver-keytool-demo-'));
  const env = {
    ...process.env,
    ZIVVER_API_KEY: apiKey,
    ZIVVER_KEYTOOL_LEDGER: path.join(dir, 'ledger.jsonl'),
  };

  // A Get-EXOMailbox export the way Windows PowerShell 5.1's Export-Csv writes it, with each
  // person's department (as Get-User gives it) for the plan report's counts per department.
  const departmentOf = new Map<string, string>();
  for (const u of tenant.users as Array<Record<string, unknown>>) {
    const division = (u['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'] as { division?: string } | undefined)?.division;
    if (division && division !== '/') departmentOf.set(String(u.userName).toLowerCase(), division);
  }
  const columns = ['DisplayName', 'PrimarySmtpAddress', 'UserPrincipalName', 'ExternalDirectoryObjectId', 'RecipientTypeDetails', 'EmailAddresses', 'Department'];
  const lines = ['#TYPE Selected.Microsoft.Exchange.Data.Directory.Management.Mailbox', columns.map(csvCell).join(',')];
  for (const m of tenant.mailboxes as unknown as Array<Record<string, unknown>>) {
    const row = { ...m, Department: departmentOf.get(String(m.PrimarySmtpAddress).toLowerCase()) ?? '' };
    lines.push(columns.map((c) => csvCell(row[c as keyof typeof row])).join(','));
  }
  const csv = path.join(dir, 'mailboxes.csv');
  await writeFile(csv, lines.join('\r\n') + '\r\n', 'utf8');

  /** Runs the real CLI; long tables are shortened to their head and tail so the tour stays readable. */
  const run = (args: string[], note: string) =>
    new Promise<number>((resolve) => {
      console.log(`\n${bold('# ' + note)}`);
      console.log(bold(`$ zivver-keytool ${args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ')}`));
      const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('close', (code) => {
        const lines = out.replace(/\n$/, '').split('\n');
        const shown = lines.length > 24 ? [...lines.slice(0, 14), `   ... ${lines.length - 18} more lines ...`, ...lines.slice(-4)] : lines;
        if (out) console.log(shown.join('\n'));
        if (code) {
          console.log(`(exit code ${code})`);
          failures++;
        }
        resolve(code ?? 1);
      });
    });

  console.log(`Zivver emulator with ${tenant.users.length} accounts at ${emulator.url}`);
  console.log(`Sample Exchange export (${tenant.mailboxes.length} mailboxes): ${csv}`);
  console.log(`Working folder: ${dir} (ZIVVER_API_KEY and ZIVVER_KEYTOOL_LEDGER are set for the demo)`);
  const url = ['--zivver-url', emulator.url, '--rate-limit', '500/10'];
  let failures = 0;

  // The Cardiology department as Get-ADUser sees it: the old keys (AD objectGUID, which the Synctool
  // wrote) in the notation Get-ADUser prints.
  const adLines = ['"UserPrincipalName","mail","Department","ObjectGUID"'];
  for (const u of tenant.users as Array<Record<string, unknown>>) {
    const userName = String(u.userName);
    const division = (u['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'] as { division?: string } | undefined)?.division;
    const oldKey = (u['urn:ietf:params:scim:schemas:zivver:0.1:User'] as { SsoAccountKey?: string } | undefined)?.SsoAccountKey;
    if (division === 'Cardiologie' && oldKey) adLines.push([userName, userName, division, `{${oldKey.toUpperCase()}}`].map(csvCell).join(','));
  }
  await writeFile(path.join(dir, 'ad-users.csv'), adLines.join('\r\n') + '\r\n', 'utf8');
  try {
    await run(['test-connection', ...url], 'Is Zivver reachable, and is the API key accepted?');
    await run(['plan', ...url, '--input', 'mailboxes.csv', '--out', 'plan.json', '--out', 'plan.csv', '--out', 'plan.html'], 'Plan: which account gets which key (nothing is written); plan.html is the page for the change board');
    await run(['apply', ...url, '--plan', 'plan.json', '--what-if'], 'Dry run: read every account fresh, decide, write nothing');
    await run(['apply', ...url, '--plan', 'plan.json', '--max-changes', '1000', '--report', 'results.html'], 'Apply: write the keys (whole-object PUT, only SsoAccountKey changes); results.html shows what happened');
    await run(['plan', ...url, '--input', 'mailboxes.csv', '--out', 'plan2.json'], 'Plan again: the ledger knows these keys are set, so they are unchanged');
    await run(['plan', ...url, '--input', 'ad-users.csv', '--key-source', 'objectGuid', '--out', 'back.json'], 'Cardiology stays on AD for now: plan its keys back to the AD objectGUID (from a Get-ADUser export)');
    await run(['apply', ...url, '--plan', 'back.json', '--max-changes', '100'], 'Apply it; nothing else about these accounts changes');
    await run(['rollback', ...url, '--results', 'back.json.results.jsonl', '--out', 'rollback.json'], 'Changed our minds: a plan that restores the keys the ledger knows');
    await run(['apply', ...url, '--plan', 'rollback.json', '--max-changes', '100'], 'Apply the rollback plan like any plan');
  } finally {
    await emulator.close();
  }
  if (screenshotTo) {
    // The README's picture: the plan report this demo wrote, as headless Chromium shows it.
    const { findChromium, screenshot } = await import('../test/helpers/chromium.js');
    if (!findChromium()) throw new Error('--screenshot needs chromium (.ci/install-30-chromium.sh)');
    await screenshot(path.join(dir, 'plan.html'), path.resolve(screenshotTo), 1100, 1250);
    console.log(`Screenshot of plan.html written to ${screenshotTo}`);
  }
  console.log(`\nDone. The files are in ${dir}.`);
  console.log(`Open the reports in a browser: ${path.join(dir, 'plan.html')} and ${path.join(dir, 'results.html')}`);
  if (failures) {
    console.log(`${failures} step(s) did not exit 0.`);
    process.exitCode = 1;
  }
}

await main();
