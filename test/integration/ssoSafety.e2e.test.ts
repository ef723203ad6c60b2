/**
 * SSO safety end to end, as an admin runs it: the real CLI process against the Zivver emulator and
 * the Entra/Graph emulator. plan --check-sso / --key-source sso / --verify-with-graph, sync
 * --check-sso, and apply --canary → --canary-ok, and rollback of a canary.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../src/emulator/index.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import type { PlanDocument } from '../../src/core/types.js';
import { readJournal } from '../../src/store/journal.js';
import { runCli } from '../helpers/cli.js';
import { startEntraEmulator, sourcedAttribute, zivverClaimsPolicy, ZIVVER_IDENTIFIER, type EmulatedServicePrincipal, type EntraEmulator } from '../helpers/entraEmulator.js';
import { API_KEY, entraId, GRAPH_SECRET, graphUser, zivverAccount, zivverId } from '../helpers/graphE2e.js';

const immutableId = (n: number) => Buffer.from(`immutable-id-${String(n).padStart(3, '0')}`).toString('base64');

function zivverApp(attribute: string): EmulatedServicePrincipal {
  return {
    id: 'a0000000-0000-4000-8000-00000000000a',
    appId: 'b0000000-0000-4000-8000-00000000000b',
    displayName: 'Zivver',
    servicePrincipalNames: [ZIVVER_IDENTIFIER],
    preferredSingleSignOnMode: 'saml',
    claimsPolicy: zivverClaimsPolicy(sourcedAttribute(attribute)),
  };
}

/** A Get-EXOMailbox-like export of users 1..n (their Entra object id and ImmutableId). */
function mailboxCsv(n: number, override: (i: number) => { id?: string } = () => ({})): string {
  const lines = ['PrimarySmtpAddress,ExternalDirectoryObjectId,ImmutableId,RecipientTypeDetails,OldKey'];
  for (let i = 1; i <= n; i++) lines.push(`user${i}@org.nl,${override(i).id ?? entraId(i)},${immutableId(i)},UserMailbox,old-${i}`);
  return lines.join('\r\n') + '\r\n';
}

describe('e2e: SSO safety in plan, sync and apply (CLI process, Zivver and Entra emulators)', function () {
  this.timeout(240_000);
  let dir: string;
  let zivver: EmulatorHandle;
  let entra: EntraEmulator;

  async function setup(attribute: string, users = 6) {
    zivver = await startEmulator({ apiKey: API_KEY, users: Array.from({ length: users }, (_, i) => zivverAccount(i + 1)) });
    entra = await startEntraEmulator({
      clientSecret: GRAPH_SECRET,
      pageSize: 3,
      users: Array.from({ length: users }, (_, i) => graphUser(i + 1, { onPremisesImmutableId: immutableId(i + 1) })),
      servicePrincipals: [zivverApp(attribute)],
    });
  }
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-sso-safety-'));
  });
  afterEach(async () => {
    await zivver?.close();
    await entra?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const graph = () => ['--tenant-id', entra.tenantId, '--client-id', entra.clientId, '--authority-host', entra.url, '--graph-url', entra.url];
  const env = (extra: Record<string, string> = {}) => ({
    ZIVVER_API_KEY: API_KEY,
    ZIVVER_KEYTOOL_LEDGER: path.join(dir, 'ledger.jsonl'),
    NODE_EXTRA_CA_CERTS: entra.caFile,
    ZIVVER_GRAPH_CLIENT_SECRET: GRAPH_SECRET,
    ...extra,
  });
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { cwd: dir, env: env(extra) });
  const keys = (n: number) => Array.from({ length: n }, (_, i) => zivver.getKey(zivverId(i + 1)));

  it('plan --check-sso passes the plan whose key source the IdP sends, refuses another with exit 2 naming both, nothing written', async () => {
    await setup('objectid');
    await writeFile(path.join(dir, 'm.csv'), mailboxCsv(6));
    const ok = await cli(['plan', '--zivver-url', zivver.url, '--input', 'm.csv', '--check-sso', ...graph(), '--out', 'plan.json']);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stderr).to.match(/--check-sso: the IdP \("Zivver" .*\) sends user\.objectid as ZivverAccountKey; the plan's --key-source objectId --key-format guid matches/);
    expect(ok.stdout).to.contain('Plan: 6 to set');

    zivver.resetStats();
    const bad = await cli(['plan', '--zivver-url', zivver.url, '--input', 'm.csv', '--key-source', 'immutableId', '--check-sso', ...graph(), '--out', 'bad.json']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/the plan would write --key-source immutableId --key-format raw, but the IdP .* sends user\.objectid as ZivverAccountKey, which is --key-source objectId --key-format guid/);
    expect(existsSync(path.join(dir, 'bad.json'))).to.equal(false);
    expect(zivver.stats.requests, 'nothing asked of Zivver').to.equal(0);
  });

  it('sync --check-sso refuses a mismatched key source with exit 2 and writes nothing', async () => {
    await setup('onpremisesimmutableid');
    await writeFile(path.join(dir, 'm.csv'), mailboxCsv(4));
    const r = await cli(['sync', '--zivver-url', zivver.url, '--input', 'm.csv', '--max-changes', '10', '--check-sso', ...graph()]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--key-source objectId --key-format guid, but .* sends user\.onpremisesimmutableid .* --key-source immutableId --key-format raw/);
    expect(keys(4)).to.deep.equal(['old-1', 'old-2', 'old-3', 'old-4']);
    expect(zivver.stats.writes).to.equal(0);
  });

  it('plan --key-source sso plans with what the IdP sends (onpremisesimmutableid → the ImmutableId column)', async () => {
    await setup('onpremisesimmutableid');
    await writeFile(path.join(dir, 'm.csv'), mailboxCsv(3));
    const r = await cli(['plan', '--zivver-url', zivver.url, '--input', 'm.csv', '--key-source', 'sso', ...graph(), '--out', 'plan.json']);
    expect(r.code, r.stderr).to.equal(0);
    const doc = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as PlanDocument;
    expect(doc).to.include({ keySource: 'immutableId', keyFormat: 'raw' });
    expect(doc.rows.map((x) => x.newKey)).to.deep.equal([immutableId(1), immutableId(2), immutableId(3)]);
  });

  it('without Graph credentials, --check-sso and --key-source sso say what they need (exit 2)', async () => {
    await setup('objectid');
    await writeFile(path.join(dir, 'm.csv'), mailboxCsv(2));
    const r = await cli(['plan', '--zivver-url', zivver.url, '--input', 'm.csv', '--check-sso'], { ZIVVER_GRAPH_CLIENT_SECRET: '' });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--check-sso asks Microsoft Graph, so it needs --tenant-id, --client-id and one way to sign in/);
    const s = await cli(['sync', '--zivver-url', zivver.url, '--input', 'm.csv', '--max-changes', '5', '--key-source', 'sso'], { ZIVVER_GRAPH_CLIENT_SECRET: '' });
    expect(s.code).to.equal(2);
    expect(s.stderr).to.match(/--key-source sso asks Microsoft Graph/);
    expect(zivver.stats.requests).to.equal(0);
  });

  it('plan --verify-with-graph: swapped ids and a deleted or disabled user become conflict; one Graph listing', async () => {
    await setup('objectid', 6);
    entra.options.users = entra.options.users!.filter((u) => u.id !== entraId(5)); // user 5 deleted from Entra
    entra.options.users.find((u) => u.id === entraId(6))!.accountEnabled = false;
    // A stale export in which users 1 and 2 got each other's ids.
    await writeFile(path.join(dir, 'm.csv'), mailboxCsv(6, (i) => (i === 1 ? { id: entraId(2) } : i === 2 ? { id: entraId(1) } : {})));
    const r = await cli(['plan', '--zivver-url', zivver.url, '--input', 'm.csv', '--verify-with-graph', ...graph(), '--out', 'plan.json']);
    expect(r.code, r.stderr).to.equal(0);
    const doc = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as PlanDocument;
    const byUser = Object.fromEntries(doc.rows.map((x) => [x.email, x]));
    expect(byUser['user1@org.nl']!.action).to.equal('conflict');
    expect(byUser['user1@org.nl']!.reason).to.match(/Entra holds .*0001 for user1@org\.nl .*plan's key belongs to Entra user user2@org\.nl/);
    expect(byUser['user2@org.nl']!.action).to.equal('conflict');
    expect(byUser['user5@org.nl']!.reason).to.match(/no Entra user has the address user5@org\.nl/);
    expect(byUser['user6@org.nl']!.reason).to.match(/disabled/);
    expect(['user3@org.nl', 'user4@org.nl'].map((e) => byUser[e]!.action)).to.deep.equal(['set', 'set']);
    expect(doc.summary).to.include({ set: 2, conflict: 4 });
    // One listing of the users (two pages of three), not a request per row.
    expect(entra.graphRequests().filter((q) => q.path === '/v1.0/users')).to.have.length(2);
    // And apply writes only what Entra confirmed.
    const apply = await cli(['apply', '--zivver-url', zivver.url, '--plan', 'plan.json']);
    expect(apply.code, apply.stderr).to.equal(0);
    expect(keys(6)).to.deep.equal(['old-1', 'old-2', entraId(3), entraId(4), 'old-5', 'old-6']);
  });

  it('apply --canary writes exactly the canary rows and says how to test; the next apply refuses until --canary-ok, which finishes', async () => {
    await setup('objectid', 6);
    await writeFile(path.join(dir, 'm.csv'), mailboxCsv(6));
    const plan = await cli(['plan', '--zivver-url', zivver.url, '--input', 'm.csv', '--out', 'plan.json']);
    expect(plan.code, plan.stderr).to.equal(0);

    const canary = await cli(['apply', '--zivver-url', zivver.url, '--plan', 'plan.json', '--canary', 'user2@org.nl;USER5@org.nl']);
    expect(canary.code, canary.stderr).to.equal(0);
    expect(keys(6)).to.deep.equal(['old-1', entraId(2), 'old-3', 'old-4', entraId(5), 'old-6']);
    expect(zivver.stats.writes).to.equal(2);
    expect(canary.stdout).to.contain('Canary written: 2 of 2 account(s); 4 other key(s) wait until you confirm.');
    expect(canary.stdout).to.contain(`user2@org.nl: key ${entraId(2)}`);
    expect(canary.stdout).to.match(/Open http:\/\/127\.0\.0\.1:\d+\/login, enter the address and sign in with SSO/);
    expect(canary.stdout).to.contain('zivver-keytool apply --plan ');
    expect(canary.stdout).to.contain('--canary-ok');
    expect(canary.stdout).to.match(/zivver-keytool rollback --results .*plan\.json\.results\.jsonl --out rollback\.json/);
    const journal = await readJournal(path.join(dir, 'plan.json.results.jsonl'));
    expect(journal!.headers.at(-1)!.canary).to.deep.equal(['user2@org.nl', 'user5@org.nl']);
    expect(journal!.rows.map((x) => [x.email, x.status]).sort()).to.deep.equal([
      ['user2@org.nl', 'updated'],
      ['user5@org.nl', 'updated'],
    ]);

    zivver.resetStats();
    const refused = await cli(['apply', '--zivver-url', zivver.url, '--plan', 'plan.json']);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.match(/this plan's canary \(user2@org\.nl, user5@org\.nl, written .*\) is not confirmed\.\n {2}Nothing was written\..*--canary-ok/);
    expect(zivver.stats.writes).to.equal(0);

    const done = await cli(['apply', '--zivver-url', zivver.url, '--plan', 'plan.json', '--canary-ok']);
    expect(done.code, done.stderr).to.equal(0);
    expect(done.stdout, done.stdout).to.contain("Apply complete: 4 updated, 0 drifted, 0 failed, 0 skipped, 2 already done.");
    expect(keys(6)).to.deep.equal(Array.from({ length: 6 }, (_, i) => entraId(i + 1)));
    // Confirmed once: later runs (a resume) do not ask again.
    const again = await cli(['apply', '--zivver-url', zivver.url, '--plan', 'plan.json']);
    expect(again.code, again.stderr).to.equal(0);
  });

  it('a canary naming a row that is not set is refused (exit 2, nothing written); rollback undoes a failed canary', async () => {
    await setup('objectid', 4);
    await writeFile(path.join(dir, 'm.csv'), mailboxCsv(4));
    const plan = await cli(['plan', '--zivver-url', zivver.url, '--input', 'm.csv', '--previous-key-source', 'column:OldKey', '--out', 'plan.json']);
    expect(plan.code, plan.stderr).to.equal(0);
    const wrong = await cli(['apply', '--zivver-url', zivver.url, '--plan', 'plan.json', '--canary', 'user1@org.nl;nobody@org.nl']);
    expect(wrong.code).to.equal(2);
    expect(wrong.stderr).to.contain('--canary: nobody@org.nl is not in the plan.');
    expect(zivver.stats.writes).to.equal(0);

    const canary = await cli(['apply', '--zivver-url', zivver.url, '--plan', 'plan.json', '--canary', 'user1@org.nl']);
    expect(canary.code, canary.stderr).to.equal(0);
    expect(keys(4)).to.deep.equal([entraId(1), 'old-2', 'old-3', 'old-4']);
    // The login failed: roll the canary back.
    const rb = await cli(['rollback', '--results', 'plan.json.results.jsonl', '--out', 'rollback.json']);
    expect(rb.code, rb.stderr).to.equal(0);
    expect(rb.stdout).to.contain('Rollback plan: 1 to restore, 0 cannot be restored.');
    const undo = await cli(['apply', '--zivver-url', zivver.url, '--plan', 'rollback.json']);
    expect(undo.code, undo.stderr).to.equal(0);
    expect(keys(4)).to.deep.equal(['old-1', 'old-2', 'old-3', 'old-4']);
  });
});
