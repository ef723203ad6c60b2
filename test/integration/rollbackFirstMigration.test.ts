/**
 * Rolling back the FIRST migration as a real process against the emulator: the keys the Zivver
 * Synctool had set (AD objectGUIDs) were never written by this tool, so only the plan can know them
 * (`plan --previous-key-source objectGuid`, from the same export). plan → apply → rollback → apply
 * must leave every account exactly as it was, its original objectGUID key included.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { formatOctetString, guidToImmutableId, parseGuid } from '../../src/core/keys.js';
import type { PlanDocument } from '../../src/core/types.js';
import type { EmulatorHandle } from '../../src/emulator/index.js';
import { readLedgerEntries } from '../../src/store/ledger.js';
import { runCli } from '../helpers/cli.js';
import { apiKeyEnv, applyEmulator, richUsers, tmpDir, withoutKeys, ZIV } from './applyFixtures.js';

describe('integration: rollback of the first migration (--previous-key-source)', function () {
  this.timeout(90_000);
  let emu: EmulatorHandle | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  it('plan --previous-key-source objectGuid → apply → rollback → apply restores every original objectGUID key, and nothing else changes', async () => {
    const n = 7;
    // The Synctool's keys: the AD objectGUID in canonical form, on every account.
    const objectGuids = Array.from({ length: n }, () => randomUUID());
    const users = richUsers(n).map((u, i) => {
      const ext = (u[ZIV] as Record<string, unknown> | undefined) ?? {};
      return { ...u, [ZIV]: { ...ext, SsoAccountKey: objectGuids[i] } };
    });
    emu = await applyEmulator({ users });
    const before = emu.users();
    const dir = await tmpDir();
    const env = apiKeyEnv();
    const common = ['--zivver-url', emu.url, '--rate-limit', '1000/1', '--ledger', 'ledger.jsonl'];

    // The Entra ids; the last account's export says its Entra id IS its objectGUID: nothing to write there.
    const entraIds = before.map((_, i) => (i === n - 1 ? objectGuids[i]! : randomUUID()));
    // ObjectGUID as exports carry it: braces and upper case, the Attribute Editor's octets, an ImmutableId, plain.
    const notation = (g: string, i: number): string => {
      const bytes = parseGuid(g)!;
      switch (i % 4) {
        case 0:
          return `{${g.toUpperCase()}}`;
        case 1:
          return formatOctetString(bytes);
        case 2:
          return guidToImmutableId(bytes);
        default:
          return g;
      }
    };
    const csv =
      'PrimarySmtpAddress,ObjectGUID,ExternalDirectoryObjectId,RecipientTypeDetails\r\n' +
      before.map((u, i) => `${u.userName},${notation(objectGuids[i]!, i)},${entraIds[i]},UserMailbox`).join('\r\n') +
      '\r\n';
    await fs.writeFile(path.join(dir, 'export.csv'), csv);

    const plan = await runCli(['plan', '--input', 'export.csv', '--previous-key-source', 'objectGuid', '--out', 'plan.json', '--out', 'plan.csv', ...common], { cwd: dir, env });
    expect(plan.code, plan.stderr).to.equal(0);
    expect(plan.stdout.trimEnd().split('\n').at(-1)).to.equal(`Plan: ${n - 1} to set, 1 unchanged, 0 not found, 0 ambiguous, 0 conflict, 0 invalid, 0 skipped.`);
    expect(plan.stderr).to.not.match(/previous-key-source/); // every row had its previous key: no warning
    const doc = JSON.parse(await fs.readFile(path.join(dir, 'plan.json'), 'utf8')) as PlanDocument;
    expect(doc).to.include({ previousKeySource: 'objectGuid', previousKeyFormat: 'guid' });
    doc.rows.forEach((r, i) => expect(r.previousKey, r.email).to.equal(objectGuids[i]));
    expect(doc.rows[n - 1]).to.include({ action: 'unchanged', reason: 'the key Zivver holds (per objectGuid) is already this key' });
    const planCsv = (await fs.readFile(path.join(dir, 'plan.csv'), 'utf8')).split('\r\n');
    expect(planCsv[0]).to.equal('line,input,email,zivverId,userName,newKey,action,reason,fingerprint,check,previousKey,zivverUrl,keySource,keyFormat,previousKeySource');
    expect(planCsv[1]!.endsWith(`,${objectGuids[0]},${doc.zivverUrl},objectId,guid,objectGuid`)).to.equal(true);

    const apply = await runCli(['apply', '--plan', 'plan.json', ...common], { cwd: dir, env });
    expect(apply.code, apply.stderr).to.equal(0);
    expect(apply.stdout.trimEnd().split('\n').at(-1)).to.equal(`Apply complete: ${n - 1} updated, 0 drifted, 0 failed, 1 skipped.`);
    before.forEach((u, i) => expect(emu!.getKey(u.id)).to.equal(entraIds[i]));
    expect(withoutKeys(emu.users())).to.deep.equal(withoutKeys(before));
    const ledger = await readLedgerEntries(path.join(dir, 'ledger.jsonl'));
    expect(ledger.entries).to.have.length(n - 1);
    for (const e of ledger.entries) {
      const i = before.findIndex((u) => u.id === e.zivverId);
      expect(e).to.include({ key: entraIds[i], previousKey: objectGuids[i], previousKeySource: 'plan', previousKeyPlanSource: 'objectGuid' });
    }

    const rb = await runCli(['rollback', '--results', 'plan.json.results.jsonl', '--out', 'rb.json', ...common.slice(4)], { cwd: dir, env });
    expect(rb.code, rb.stderr).to.equal(0);
    expect(rb.stdout).to.match(new RegExp(`Rollback plan: ${n - 1} to restore, 0 cannot be restored`));
    const rbDoc = JSON.parse(await fs.readFile(path.join(dir, 'rb.json'), 'utf8')) as PlanDocument;
    expect(rbDoc.rows).to.have.length(n - 1);
    for (const r of rbDoc.rows) {
      const i = before.findIndex((u) => u.id === r.zivverId);
      expect(r).to.include({ action: 'set', newKey: objectGuids[i] });
      expect(r.reason).to.include(`restores ${objectGuids[i]} (recorded before the change, from the plan's --previous-key-source objectGuid)`);
    }

    const undo = await runCli(['apply', '--plan', 'rb.json', ...common], { cwd: dir, env });
    expect(undo.code, undo.stderr).to.equal(0);
    expect(undo.stdout.trimEnd().split('\n').at(-1)).to.equal(`Apply complete: ${n - 1} updated, 0 drifted, 0 failed, 0 skipped.`);
    // Every account is as it was: its original objectGUID key (canonical form), every other attribute untouched.
    before.forEach((u, i) => expect(emu!.getKey(u.id), u.userName).to.equal(objectGuids[i]));
    expect(withoutKeys(emu.users())).to.deep.equal(withoutKeys(before));
    // The undo is itself recorded, with the Entra ids as its previous keys (from the ledger).
    const after = await readLedgerEntries(path.join(dir, 'ledger.jsonl'));
    for (const e of after.entries.slice(n - 1)) expect(e).to.include({ previousKeySource: 'ledger' });
  });
});

describe('integration: --previous-key-source usage and warnings', function () {
  this.timeout(60_000);
  let emu: EmulatorHandle | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  it('refuses bad flags (exit 2), warns when the inputs hold no previous keys, and sync records them like apply', async () => {
    const users = richUsers(3);
    emu = await applyEmulator({ users });
    const dir = await tmpDir();
    const env = apiKeyEnv();
    const common = ['--zivver-url', emu.url, '--rate-limit', '1000/1', '--ledger', 'ledger.jsonl'];
    const ids = users.map(() => randomUUID());
    const guids = users.map(() => randomUUID());
    await fs.writeFile(
      path.join(dir, 'noguid.csv'),
      'PrimarySmtpAddress,ExternalDirectoryObjectId\r\n' + users.map((u, i) => `${String(u.userName)},${ids[i]}`).join('\r\n') + '\r\n',
    );
    await fs.writeFile(
      path.join(dir, 'full.csv'),
      'PrimarySmtpAddress,ExternalDirectoryObjectId,ObjectGUID\r\n' + users.map((u, i) => `${String(u.userName)},${ids[i]},${guids[i]}`).join('\r\n') + '\r\n',
    );

    const bad = await runCli(['plan', '--input', 'full.csv', '--previous-key-source', 'sid', ...common], { cwd: dir, env });
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/--previous-key-source "sid" is not one of objectId, objectGuid, immutableId or column:<Name>/);
    const lone = await runCli(['plan', '--input', 'full.csv', '--previous-key-format', 'base64', ...common], { cwd: dir, env });
    expect(lone.code).to.equal(2);
    expect(lone.stderr).to.match(/--previous-key-format needs --previous-key-source/);
    expect(emu.stats.byMethod.GET ?? 0).to.equal(0);

    const none = await runCli(['plan', '--input', 'noguid.csv', '--previous-key-source', 'objectGuid', '--output', 'json', ...common], { cwd: dir, env });
    expect(none.code, none.stderr).to.equal(0);
    expect(none.stderr).to.match(/no previous key for 3 of 3 row/);
    expect(none.stderr).to.match(/no row has a previous key; the inputs seem to have no ObjectGUID\/ImmutableId\/OnPremisesImmutableId values/);
    const doc = JSON.parse(none.stdout) as PlanDocument;
    expect(doc.summary.set).to.equal(3);
    for (const r of doc.rows) expect(r).to.not.have.property('previousKey');

    const sync = await runCli(['sync', '--input', 'full.csv', '--previous-key-source', 'objectGuid', '--max-changes', '3', '--out-dir', 'runs', ...common], { cwd: dir, env });
    expect(sync.code, sync.stderr).to.equal(0);
    const ledger = await readLedgerEntries(path.join(dir, 'ledger.jsonl'));
    expect(ledger.entries.map((e) => e.previousKey).sort()).to.deep.equal([...guids].sort());
    for (const e of ledger.entries) expect(e).to.include({ previousKeySource: 'plan', previousKeyPlanSource: 'objectGuid' });
  });
});
