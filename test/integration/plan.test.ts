/**
 * End to end: the real CLI process (`node bin/zivver-keytool.js plan`) against the Zivver emulator
 * over HTTP on 127.0.0.1, in each of the emulator's listing modes and with its rate limit on.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../src/emulator/index.js';
import type { EmulatorHandle, PagingMode } from '../../src/emulator/types.js';
import type { PlanDocument } from '../../src/core/types.js';
import { runCli } from '../helpers/cli.js';
import { testSecret } from '../helpers/secrets.js';

const API_KEY = testSecret('it-plan-key');
const ZIVVER = 'urn:ietf:params:scim:schemas:zivver:0.1:User';

function user(n: number, extra: Record<string, unknown> = {}) {
  return {
    id: `0000aaaa-0000-4000-8000-${String(n).padStart(12, '0')}`,
    userName: `user${n}@org.nl`,
    name: { formatted: `User ${n}` },
    active: true,
    [ZIVVER]: { aliases: [`alias${n}@org.nl`], delegates: [], SsoAccountKey: `old-${n}` },
    ...extra,
  };
}
const entraId = (n: number) => `e17a0000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function mailboxCsv(rows: number[], extraLines: string[] = []): string {
  const header = '"DisplayName","PrimarySmtpAddress","ExternalDirectoryObjectId","RecipientTypeDetails","EmailAddresses"';
  const lines = rows.map((n) => `"User ${n}","user${n}@org.nl","${entraId(n)}","UserMailbox","SMTP:user${n}@org.nl;smtp:u${n}@org.nl;X500:/o=ExchangeLabs/cn=u${n}"`);
  return ['#TYPE Selected.Microsoft.Exchange.Data.Directory.Management.Mailbox', header, ...lines, ...extraLines].join('\r\n') + '\r\n';
}

describe('integration: plan (CLI process against the emulator)', function () {
  this.timeout(120_000);
  let dir: string;
  let emulator: EmulatorHandle | undefined;
  const env = () => ({ ZIVVER_API_KEY: API_KEY, ZIVVER_KEYTOOL_LEDGER: path.join(dir, 'ledger.jsonl') });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-it-plan-'));
  });
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(opts: { paging?: PagingMode; users?: number; rateLimit?: { budget: number; windowSeconds: number; retryAfterSeconds?: number } }) {
    const users = Array.from({ length: opts.users ?? 30 }, (_, i) => user(i + 1));
    emulator = await startEmulator({ apiKey: API_KEY, users, paging: opts.paging ?? 'all', rateLimit: opts.rateLimit ?? null });
    return emulator;
  }

  for (const paging of ['all', 'honor', 'cap:7'] as PagingMode[]) {
    it(`plans every user when the server lists ${paging === 'all' ? 'all at once' : paging}`, async () => {
      const emu = await start({ paging, users: 250 });
      await writeFile(path.join(dir, 'mbx.csv'), mailboxCsv(Array.from({ length: 240 }, (_, i) => i + 1).concat([999])));
      const r = await runCli(['plan', '--zivver-url', emu.url, '--input', 'mbx.csv', '--out', 'plan.json'], { cwd: dir, env: env() });
      expect(r.code, r.stderr).to.equal(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines.at(-1)).to.equal('Plan: 240 to set, 0 unchanged, 1 not found, 0 ambiguous, 0 conflict, 0 invalid, 0 skipped.');
      const plan = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as PlanDocument;
      expect(plan.kind).to.equal('zivver-keyplan');
      expect(plan.zivverUrl).to.equal(emu.url);
      expect(plan.inputs[0].sha256).to.match(/^[0-9a-f]{64}$/);
      const row = plan.rows.find((x) => x.email === 'user17@org.nl');
      expect(row).to.include({ action: 'set', newKey: entraId(17), zivverId: user(17).id, userName: 'user17@org.nl', line: 19 });
      expect(emu.stats.byMethod.PUT ?? 0).to.equal(0);
      if (paging === 'all') expect(emu.stats.requests).to.equal(1);
      if (paging === 'cap:7') expect(emu.stats.requests).to.be.at.least(Math.ceil(250 / 7));
    });
  }

  it('refuses a server that ignores paging instead of looping or dropping users (exit 3)', async () => {
    // More accounts than the client's page size (1000), so the repeated first page cannot hold them all.
    const emu = await start({ paging: 'ignore', users: 1200 });
    await writeFile(path.join(dir, 'mbx.csv'), mailboxCsv([1, 2]));
    const r = await runCli(['plan', '--zivver-url', emu.url, '--input', 'mbx.csv'], { cwd: dir, env: env() });
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/error:/);
    expect(emu.stats.requests).to.be.below(20);
  });

  it('stays correct when Zivver throttles (429 without Retry-After)', async () => {
    const emu = await start({ paging: 'cap:10', users: 60, rateLimit: { budget: 3, windowSeconds: 1 } });
    await writeFile(path.join(dir, 'mbx.csv'), mailboxCsv(Array.from({ length: 60 }, (_, i) => i + 1)));
    const r = await runCli(['plan', '--zivver-url', emu.url, '--input', 'mbx.csv', '--output', 'json', '--progress', 'none'], { cwd: dir, env: env() });
    expect(r.code, r.stderr).to.equal(0);
    const plan = JSON.parse(r.stdout) as PlanDocument;
    expect(plan.summary.set).to.equal(60);
    expect(emu.stats.throttled).to.be.greaterThan(0);
  });

  it('prints rows as JSON lines and honours --detailed-exitcode', async () => {
    const emu = await start({});
    await writeFile(path.join(dir, 'mbx.csv'), mailboxCsv([1, 2, 3]));
    const r = await runCli(['plan', '--zivver-url', emu.url, '--input', 'mbx.csv', '--output', 'jsonl', '--detailed-exitcode'], { cwd: dir, env: env() });
    expect(r.code).to.equal(2);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.action)).to.deep.equal(['set', 'set', 'set']);
    expect(r.stderr).to.include('Plan: 3 to set');
    const none = await runCli(['plan', '--zivver-url', emu.url, '--input', 'mbx.csv', '--include-emails', 'nobody@org.nl', '--detailed-exitcode'], { cwd: dir, env: env() });
    expect(none.code).to.equal(0);
    expect(none.stdout).to.include('Plan: 0 to set, 0 unchanged, 0 not found, 0 ambiguous, 0 conflict, 0 invalid, 3 skipped.');
    // Terraform's convention: with --detailed-exitcode every error is 1, so 2 always means "changes".
    const refused = await runCli(['plan', '--zivver-url', emu.url, '--input', 'mbx.csv', '--detailed-exitcode'], { cwd: dir, env: { ...env(), ZIVVER_API_KEY: testSecret('wrong-key') } });
    expect(refused.code, refused.stderr).to.equal(1);
    expect(refused.stderr).to.match(/error: /);
    const refusedPlain = await runCli(['plan', '--zivver-url', emu.url, '--input', 'mbx.csv'], { cwd: dir, env: { ...env(), ZIVVER_API_KEY: testSecret('wrong-key') } });
    expect(refusedPlain.code).to.equal(3);
  });

  it('writes an Excel-friendly CSV plan (BOM, ; delimiter)', async () => {
    const emu = await start({});
    await writeFile(path.join(dir, 'mbx.csv'), mailboxCsv([1, 2]));
    const r = await runCli(['plan', '--zivver-url', emu.url, '--input', 'mbx.csv', '--out', 'plan.csv', '--csv-delimiter', ';', '--csv-bom'], { cwd: dir, env: env() });
    expect(r.code, r.stderr).to.equal(0);
    const csv = await readFile(path.join(dir, 'plan.csv'), 'utf8');
    expect(csv.charCodeAt(0)).to.equal(0xfeff);
    expect(csv.slice(1).split('\r\n')[0]).to.equal('line;input;email;zivverId;userName;newKey;action;reason;fingerprint;check;previousKey;zivverUrl;keySource;keyFormat;previousKeySource');
  });

  it('warns on stderr and in the plan when EmailAddresses holds a .NET type name', async () => {
    const emu = await start({});
    const csv = ['"PrimarySmtpAddress","ExternalDirectoryObjectId","EmailAddresses"', `"user1@org.nl","${entraId(1)}","System.Collections.ArrayList"`].join('\n');
    await writeFile(path.join(dir, 'mbx.csv'), csv);
    const r = await runCli(['plan', '--zivver-url', emu.url, '--input', 'mbx.csv', '--out', 'plan.json'], { cwd: dir, env: env() });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/warn.*System\.Collections\.ArrayList/);
    const plan = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as PlanDocument;
    expect(plan.warnings?.join('\n')).to.include('System.Collections.ArrayList');
  });

  it('shows only the rows that matter when filtering, and warns about an address no user has', async () => {
    const emu = await start({});
    await writeFile(path.join(dir, 'mbx.csv'), mailboxCsv([1, 2, 3, 4]));
    const r = await runCli(['plan', '--zivver-url', emu.url, '--input', 'mbx.csv', '--include-emails', 'user2@org.nl;user9@org.n'], { cwd: dir, env: env() });
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => /@org\.nl/.test(l))).to.have.length(1);
    expect(r.stdout).to.include('(3 filtered out rows not shown; --output json or --out plan.csv has them all)');
    expect(r.stderr).to.match(/warn: --include-emails: no user in the input has user9@org\.n \(a typo\?\)/);
  });

  it('hints at the SCIM path when --zivver-url lacks /api/scim/v2 (exit 3)', async () => {
    const emu = await start({});
    await writeFile(path.join(dir, 'mbx.csv'), mailboxCsv([1]));
    const origin = new URL(emu.url).origin;
    const r = await runCli(['plan', '--zivver-url', origin, '--input', 'mbx.csv'], { cwd: dir, env: env() });
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/404/);
    expect(r.stderr).to.match(/ends in \/api\/scim\/v2/);
  });

  describe('bad input: exit 2, one clear message, nothing sent to Zivver', () => {
    const cases: Array<[string, string | Buffer, RegExp, string[]?]> = [
      ['an empty file', '', /mbx\.in.*(empty|no users)/i],
      ['no address column', '"Name","ExternalDirectoryObjectId"\n"x","y"\n', /mbx\.in.*(address|PrimarySmtpAddress)/i],
      ['no key column', '"PrimarySmtpAddress"\n"user1@org.nl"\n', /mbx\.in.*ExternalDirectoryObjectId/],
      ['broken JSON', '[{"PrimarySmtpAddress": "a@org.nl",\n {oops}]\n', /mbx\.in:2/],
      ['an unbalanced CSV quote', '"PrimarySmtpAddress","ExternalDirectoryObjectId"\n"a@org.nl","x\n"b@org.nl","y"\n', /mbx\.in:2/],
      ['undecodable bytes', Buffer.concat([Buffer.from('PrimarySmtpAddress,ExternalDirectoryObjectId\na@org.nl,'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('\n')]), /mbx\.in:2/],
      ['an unknown --key-source column', `"PrimarySmtpAddress","ExternalDirectoryObjectId"\n"user1@org.nl","${entraId(1)}"\n`, /EmployeeNumber/, ['--key-source', 'column:EmployeeNumber']],
    ];
    for (const [what, content, message, extra] of cases) {
      it(what, async () => {
        const emu = await start({});
        await writeFile(path.join(dir, 'mbx.in'), content);
        const r = await runCli(['plan', '--zivver-url', emu.url, '--input', 'mbx.in', ...(extra ?? [])], { cwd: dir, env: env() });
        expect(r.code, r.stderr).to.equal(2);
        expect(r.stderr).to.match(message);
        expect(r.stderr).not.to.match(/\n\s+at /); // no stack trace
        expect(r.stderr.trim().split('\n')[0]).to.match(/^error: /);
        expect(emu.stats.requests).to.equal(0);
      });
    }

    it('a missing API key', async () => {
      const emu = await start({});
      await writeFile(path.join(dir, 'mbx.csv'), mailboxCsv([1]));
      const r = await runCli(['plan', '--zivver-url', emu.url, '--input', 'mbx.csv'], { cwd: dir, env: {} });
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include('ZIVVER_API_KEY');
      expect(emu.stats.requests).to.equal(0);
    });

    it('plain http to a non-loopback host', async () => {
      await writeFile(path.join(dir, 'mbx.csv'), mailboxCsv([1]));
      const r = await runCli(['plan', '--zivver-url', 'http://zivver.example.org/api/scim/v2', '--input', 'mbx.csv'], { cwd: dir, env: env() });
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/https/);
    });
  });

  it('a wrong API key: exit 3 with Zivver\'s answer, and the key never shown', async () => {
    const emu = await start({});
    await writeFile(path.join(dir, 'mbx.csv'), mailboxCsv([1]));
    const wrong = testSecret('wrong-key');
    const r = await runCli(['plan', '--zivver-url', emu.url, '--input', 'mbx.csv', '-vv'], { cwd: dir, env: { ...env(), ZIVVER_API_KEY: wrong } });
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/401/);
    expect(r.stderr + r.stdout).not.to.include(wrong);
  });

  it('test-connection prints the account count (exit 0) and fails with 3 on a wrong key', async () => {
    const emu = await start({ users: 12 });
    const ok = await runCli(['test-connection', '--zivver-url', emu.url], { cwd: dir, env: env() });
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/Accounts:\s+12\b/);
    // --output json (what the COM bridge's TestConnection returns): one document, nothing else on stdout
    const js = await runCli(['test-connection', '--zivver-url', emu.url, '--output', 'json'], { cwd: dir, env: env() });
    expect(js.code, js.stderr).to.equal(0);
    const doc = JSON.parse(js.stdout) as Record<string, unknown>;
    expect(doc).to.include({ kind: 'zivver-connection', ok: true, accounts: 12, apiKey: 'accepted', tls: 'not used (loopback http)' });
    expect(doc.requests).to.be.a('number').greaterThan(0);
    expect(js.stdout).not.to.include(env().ZIVVER_API_KEY);
    const bad = await runCli(['test-connection', '--zivver-url', emu.url], { cwd: dir, env: { ZIVVER_API_KEY: testSecret('wrong-key') } });
    expect(bad.code).to.equal(3);
    const down = await runCli(['test-connection', '--zivver-url', 'http://127.0.0.1:9/api/scim/v2'], { cwd: dir, env: env() });
    expect(down.code).to.equal(3);
  });
});
