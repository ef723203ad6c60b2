import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runInProcess } from '../../helpers/cli.js';
import { testSecret } from '../../helpers/secrets.js';
import { planDoc, setRow } from '../../store/fixtures.js';

const API_KEY = testSecret('cmd-key');

describe('apply/sync/rollback commands (flags and refusals)', () => {
  it('apply needs --plan; sync needs --max-changes (exit 2, nothing read)', async () => {
    const a = await runInProcess(['apply']);
    expect(a.code).to.equal(2);
    expect(a.stderr).to.match(/plan/);
    const s = await runInProcess(['sync', '--input', 'x.csv']);
    expect(s.code).to.equal(2);
    expect(s.stderr).to.match(/sync needs --max-changes/);
  });

  it('apply refuses an unusable plan file with exit 2 and the file name', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zk-cmd-'));
    await fs.writeFile(path.join(dir, 'plan.json'), JSON.stringify({ ...planDoc([setRow(1)]), formatVersion: 9 }));
    const r = await runInProcess(['apply', '--plan', 'plan.json', '--zivver-url', 'http://127.0.0.1:9/scim'], { cwd: dir, env: { ZIVVER_API_KEY: API_KEY } });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/plan\.json: plan format version 9 is not supported/);
  });

  it('apply against an unreachable Zivver exits 3 and journals nothing as updated', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zk-cmd-'));
    const plan = { ...planDoc([setRow(1), setRow(2)]), zivverUrl: 'http://127.0.0.1:9/scim' };
    await fs.writeFile(path.join(dir, 'plan.json'), JSON.stringify(plan));
    const r = await runInProcess(['apply', '--plan', 'plan.json', '--zivver-url', 'http://127.0.0.1:9/scim', '--ledger', 'l.jsonl'], {
      cwd: dir,
      env: { ZIVVER_API_KEY: API_KEY },
    });
    expect(r.code, r.stderr).to.equal(3);
    expect(r.stderr).to.match(/Cannot reach Zivver/);
    const journal = await fs.readFile(path.join(dir, 'plan.json.results.jsonl'), 'utf8');
    expect(journal).to.not.match(/"updated"/);
  });

  it('rollback without a journal is an input error', async () => {
    const r = await runInProcess(['rollback', '--results', 'nope.jsonl'], { cwd: os.tmpdir() });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/nope\.jsonl: results journal not found/);
  });
});
