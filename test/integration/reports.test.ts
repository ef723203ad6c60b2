/**
 * End to end: `plan --out plan.html`, `apply --report results.html` and `sync --report` as real CLI
 * processes against the Zivver emulator over HTTP on 127.0.0.1; the pages then opened in headless
 * Chromium from the file system.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../src/emulator/index.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { loadPage, requireChromium } from '../helpers/chromium.js';
import { runCli } from '../helpers/cli.js';
import { entraId, zivverAccount } from '../helpers/accounts.js';
import { testSecret } from '../helpers/secrets.js';
import { networkReferences } from '../report/references.js';

const API_KEY = testSecret('it-report-key');
const HOSTILE = '<script>document.title="owned"</script> =HYPERLINK("http://evil.example","x")';

const user = (n: number) => zivverAccount(n);
const cell = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** 12 mailboxes with a department (user 1 with a hostile display name), one unknown user, one shared mailbox. */
function mailboxCsv(): string {
  const lines = ['"DisplayName","PrimarySmtpAddress","ExternalDirectoryObjectId","RecipientTypeDetails","Department"'];
  for (let n = 1; n <= 12; n++) lines.push([n === 1 ? HOSTILE : `User ${n}`, `user${n}@org.nl`, entraId(n), 'UserMailbox', n % 2 ? 'Cardiologie' : 'ICT'].map(cell).join(','));
  lines.push(['Nobody', 'nobody@org.nl', entraId(99), 'UserMailbox', 'ICT'].map(cell).join(','));
  lines.push(['Info', 'info@org.nl', entraId(98), 'SharedMailbox', ''].map(cell).join(','));
  return lines.join('\r\n') + '\r\n';
}

describe('integration: HTML reports from plan, apply and sync', function () {
  this.timeout(240_000);
  let dir: string;
  let emulator: EmulatorHandle;
  const env = () => ({ ZIVVER_API_KEY: API_KEY, ZIVVER_KEYTOOL_LEDGER: path.join(dir, 'ledger.jsonl') });
  const url = () => ['--zivver-url', emulator.url];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-it-report-'));
    emulator = await startEmulator({ apiKey: API_KEY, users: Array.from({ length: 12 }, (_, i) => user(i + 1)), paging: 'all', rateLimit: null });
    await writeFile(path.join(dir, 'mailboxes.csv'), mailboxCsv());
  });
  after(async () => {
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a report name that is not .html is refused before the plan or the inputs are read (exit 2)', async () => {
    await writeFile(path.join(dir, 'p0.json'), '{}');
    const txt = await runCli(['apply', ...url(), '--plan', 'p0.json', '--report', 'results.txt'], { cwd: dir, env: env() });
    expect(txt.code).to.equal(2);
    expect(txt.stderr).to.include('--report results.txt: the report is an HTML page; give a name ending in .html');
    const plan = await runCli(['plan', ...url(), '--input', 'mailboxes.csv', '--out', 'plan.pdf'], { cwd: dir, env: env() });
    expect(plan.code).to.equal(2);
    expect(plan.stderr).to.include('.html (a page for reviewers)');
    expect(existsSync(path.join(dir, 'ledger.jsonl'))).to.equal(false);
  });

  it('plan --out plan.html, then apply --report results.html: two self-contained pages, no secret, no URL to load', async () => {
    const plan = await runCli(['plan', ...url(), '--input', 'mailboxes.csv', '--out', 'plan.json', '--out', 'plan.html'], { cwd: dir, env: env() });
    expect(plan.code, plan.stderr).to.equal(0);
    expect(plan.stderr).to.include(`Plan written to ${path.join(dir, 'plan.html')}`);
    const planHtml = await readFile(path.join(dir, 'plan.html'), 'utf8');
    expect(planHtml).to.include('<h1>Zivver key plan: 12 to set, 1 need attention</h1>');
    expect(planHtml).to.include('Every row is in plan.json.');

    const run1 = await runCli(['apply', ...url(), '--plan', 'plan.json', '--max-changes', '100', '--report', path.join(dir, 'first.html')], { cwd: dir, env: env() });
    expect(run1.code, run1.stderr).to.equal(0);
    expect(run1.stderr).to.include(`Report written to ${path.join(dir, 'first.html')}`);
    // Run again: it resumes, finds every row done, and says so on its own page.
    const apply = await runCli(['apply', ...url(), '--plan', 'plan.json', '--max-changes', '100', '--report', 'results.html'], { cwd: dir, env: env() });
    expect(apply.code, apply.stderr).to.equal(0);
    const resultsHtml = await readFile(path.join(dir, 'results.html'), 'utf8');
    expect(resultsHtml).to.include('0 accounts at http&#58;//127.0.0.1:');
    expect(resultsHtml).to.match(/already updated by an earlier run<\/td><td class="n" data-v="12">12</);
    const first = await readFile(path.join(dir, 'first.html'), 'utf8');
    expect(first).to.include('<h1>Zivver key run: 12 updated, 0 failed, 0 drifted</h1>');
    expect(first).to.include(`--results ${path.join(dir, 'plan.json.results.jsonl')} --ledger ${path.join(dir, 'ledger.jsonl')} --out rollback.json`);
    for (const html of [planHtml, resultsHtml, first]) {
      expect(networkReferences(html)).to.deep.equal([]);
      expect(html).not.to.include(API_KEY);
    }
  });

  it('apply --report never overwrites a file the run reads or keeps (exit 2, nothing written)', async () => {
    const ledger = await readFile(path.join(dir, 'ledger.jsonl'), 'utf8');
    const journal = await readFile(path.join(dir, 'plan.json.results.jsonl'), 'utf8');
    await writeFile(path.join(dir, 'ledger.html'), 'not a report');
    const r = await runCli(['apply', ...url(), '--plan', 'plan.json', '--max-changes', '100', '--ledger', 'ledger.html', '--report', 'ledger.html'], { cwd: dir, env: env() });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('the ledger');
    expect(await readFile(path.join(dir, 'ledger.html'), 'utf8')).to.equal('not a report');
    expect(await readFile(path.join(dir, 'ledger.jsonl'), 'utf8')).to.equal(ledger);
    expect(await readFile(path.join(dir, 'plan.json.results.jsonl'), 'utf8')).to.equal(journal);
  });

  it('sync --report writes the page of its run', async () => {
    const r = await runCli(['sync', ...url(), '--input', 'mailboxes.csv', '--max-changes', '10', '--out-dir', 'runs', '--report', 'sync.html'], { cwd: dir, env: env() });
    expect(r.code, r.stderr).to.equal(0);
    const html = await readFile(path.join(dir, 'sync.html'), 'utf8');
    // Everything was set by the apply above: the ledger makes every row unchanged, nothing is written.
    expect(html).to.include('<h1>Zivver key run: 0 updated, 0 failed, 0 drifted</h1>');
    expect(html).to.match(/not a set row: unchanged<\/td><td class="n" data-v="12">12</);
    expect(html).to.include('No key was written, so there is nothing to undo.');
  });

  it('in headless Chromium: the counts, the attention row, the hostile name as text, departments; nothing fetched', async function () {
    requireChromium(this);
    const [plan, results] = await Promise.all([loadPage(path.join(dir, 'plan.html'), dir), loadPage(path.join(dir, 'first.html'), dir)]);
    expect(plan!.pageRequests).to.deep.equal([]);
    expect(results!.pageRequests).to.deep.equal([]);
    expect(plan!.dom).to.include('<title>Zivver key plan: 12 to set, 1 need attention</title>');
    expect(plan!.dom).to.match(/<span class="chip c-not-found">not-found<\/span><\/td><td>nobody<wbr>@org\.nl<\/td><td>Nobody<\/td><td>ICT<\/td>/);
    expect(plan!.dom).to.include('&lt;script&gt;document.title="owned"&lt;/script&gt; =HYPERLINK("http://evil.example","x")');
    expect(plan!.dom).to.match(/<td>Cardiologie<\/td><td class="n" data-v="6">6<\/td>/);
    expect(results!.dom).to.include('12 accounts at http://127.0.0.1:');
    expect(results!.dom).to.match(/>updated<\/text><rect [^>]*><\/rect><text [^>]*>12<\/text>/);
  });
});
