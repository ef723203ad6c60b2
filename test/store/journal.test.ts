import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResultRow } from '../../src/core/records.js';
import { JournalWriter, readJournal } from '../../src/store/journal.js';

const tmpDir = () => fs.mkdtemp(path.join(os.tmpdir(), 'zk-journal-'));

const row = (i: number): ResultRow => ({
  email: `u${i}@x.nl`, zivverId: `id-${i}`, newKey: `k${i}`, status: 'updated', httpStatus: 200, error: null,
  at: '2025-01-01T00:00:00Z', userName: `u${i}@x.nl`, line: i, runId: 'r1',
});

describe('store/journal', () => {
  it('a complete last line without its newline does not swallow the next run header', async () => {
    const file = path.join(await tmpDir(), 'plan.json.results.jsonl');
    const header = { kind: 'zivver-keyresults', v: 1, runId: 'r1', planSha256: 'abc', plan: 'plan.json', zivverUrl: 'u', started: 's', whatIf: false };
    await fs.writeFile(file, JSON.stringify(header) + '\n' + JSON.stringify(row(1))); // no trailing \n
    const w = await JournalWriter.open(file, { planSha256: 'abc', planName: 'plan.json', zivverUrl: 'u', runId: 'r2' });
    await w.append({ ...row(2), runId: 'r2' });
    await w.close();
    const j = await readJournal(file);
    expect(j!.skipped).to.deep.equal([]);
    expect(j!.headers.map((h) => h.runId)).to.deep.equal(['r1', 'r2']);
    expect(j!.rows.map((r) => r.zivverId)).to.deep.equal(['id-1', 'id-2']);
  });
});
