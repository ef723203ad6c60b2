/** sync (plan then apply) as a real process against the emulator: the daily scheduled task. */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { EmulatorHandle } from '../../src/emulator/index.js';
import { runCli } from '../helpers/cli.js';
import { apiKeyEnv, applyEmulator, richUsers, tmpDir, withoutKeys } from './applyFixtures.js';

describe('integration: zivver-keytool sync', function () {
  this.timeout(60_000);
  let emu: EmulatorHandle | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  it('plans and applies in one run, writes plan and journal side by side, and the next day writes only what changed', async () => {
    emu = await applyEmulator({ users: richUsers(6) });
    const before = emu.users();
    const dir = await tmpDir();
    const ids = before.map(() => randomUUID());
    const csv = (keys: string[]) =>
      'PrimarySmtpAddress,ExternalDirectoryObjectId,RecipientTypeDetails\r\n' + before.map((u, i) => `${u.userName},${keys[i]},UserMailbox`).join('\r\n') + '\r\n';
    await fs.writeFile(path.join(dir, 'mailboxes.csv'), csv(ids));
    const env = apiKeyEnv();
    const base = ['sync', '--input', 'mailboxes.csv', '--zivver-url', emu.url, '--rate-limit', '1000/1', '--ledger', 'ledger.jsonl', '--out-dir', 'runs'];

    const refused = await runCli(base, { cwd: dir, env });
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.match(/sync needs --max-changes/);
    const tooMany = await runCli([...base, '--max-changes', '5'], { cwd: dir, env });
    expect(tooMany.code).to.equal(2);
    expect(tooMany.stderr).to.match(/would write 6 key\(s\), more than --max-changes 5/);
    expect(emu.stats.byMethod.PUT ?? 0).to.equal(0);

    const first = await runCli([...base, '--max-changes', '10'], { cwd: dir, env });
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout.trimEnd().split('\n').at(-1)).to.equal('Apply complete: 6 updated, 0 drifted, 0 failed, 0 skipped.');
    before.forEach((u, i) => expect(emu!.getKey(u.id)).to.equal(ids[i]));
    expect(withoutKeys(emu.users())).to.deep.equal(withoutKeys(before));
    const runs = await fs.readdir(path.join(dir, 'runs'));
    // Each run leaves its plan (the refused one too, for review); the applied one has its journal beside it.
    expect(runs.filter((f) => f.endsWith('.plan.json'))).to.have.length(2);
    expect(runs.filter((f) => f.endsWith('.plan.json') && runs.includes(`${f}.results.jsonl`))).to.have.length(1);

    // Next day: one mailbox got a new object id; the ledger makes the rest unchanged.
    ids[2] = randomUUID();
    await fs.writeFile(path.join(dir, 'mailboxes.csv'), csv(ids));
    emu.resetStats();
    const second = await runCli([...base, '--max-changes', '1'], { cwd: dir, env });
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout.trimEnd().split('\n').at(-1)).to.equal('Apply complete: 1 updated, 0 drifted, 0 failed, 5 skipped.');
    expect(emu.stats.byMethod.PUT).to.equal(1);
    expect(emu.getKey(before[2].id)).to.equal(ids[2]);
  });
});
