import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  LedgerWriter,
  defaultLedgerPath,
  readLedgerEntries,
  readLedgerKnowledge,
} from '../../src/store/ledger.js';
import { REPO_ROOT } from '../helpers/cli.js';

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'zk-ledger-'));
}

const entry = (i: number, runId = 'r1') => ({
  at: new Date(0).toISOString(),
  zivverId: `id-${i}`,
  userName: `u${i}@x.nl`,
  key: `key-${i}`,
  previousKey: null,
  source: 'objectId:test.csv',
  runId,
});

describe('store/ledger', () => {
  it('defaults to ZIVVER_KEYTOOL_LEDGER, %APPDATA% on Windows, XDG data home elsewhere', () => {
    expect(defaultLedgerPath({ ZIVVER_KEYTOOL_LEDGER: '/x/l.jsonl' }, 'linux')).to.equal('/x/l.jsonl');
    expect(defaultLedgerPath({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32')).to.equal(
      'C:\\Users\\a\\AppData\\Roaming\\zivver-keytool\\ledger.jsonl',
    );
    expect(defaultLedgerPath({ XDG_DATA_HOME: '/data' }, 'linux')).to.equal('/data/zivver-keytool/ledger.jsonl');
    expect(defaultLedgerPath({ HOME: '/home/a' }, 'darwin')).to.equal('/home/a/.local/share/zivver-keytool/ledger.jsonl');
  });

  it('knowledge for one Zivver URL ignores entries written to another (entries without a URL count for all)', async () => {
    const file = path.join(await tmpDir(), 'ledger.jsonl');
    const w = await LedgerWriter.open(file);
    await w.append({ ...entry(1), key: 'old-1' });
    await w.append({ ...entry(1), key: 'tenant-a', zivverUrl: 'https://a.example/scim/v2' });
    await w.append({ ...entry(1), key: 'tenant-b', zivverUrl: 'https://b.example/scim/v2' });
    await w.append({ ...entry(2), key: 'only-b', zivverUrl: 'https://b.example/scim/v2' });
    await w.close();
    const a = await readLedgerKnowledge(file, { zivverUrl: 'https://A.example/scim/v2/' });
    expect(a.lastKeyById.get('id-1')).to.equal('tenant-a');
    expect(a.lastKeyById.has('id-2')).to.equal(false);
    const c = await readLedgerKnowledge(file, { zivverUrl: 'https://c.example/scim/v2' });
    expect(c.lastKeyById.get('id-1')).to.equal('old-1');
    expect((await readLedgerEntries(file)).entries[1]).to.include({ zivverUrl: 'https://a.example/scim/v2' });
  });

  it('reads a missing ledger as empty', async () => {
    const k = await readLedgerKnowledge(path.join(await tmpDir(), 'none.jsonl'));
    expect(k.lastKeyById.size).to.equal(0);
  });

  it('appends entries; later entries win; ids compare case-insensitively', async () => {
    const file = path.join(await tmpDir(), 'sub', 'ledger.jsonl');
    const w = await LedgerWriter.open(file);
    await w.append({ ...entry(1), key: 'old' });
    await w.append({ ...entry(1), zivverId: 'ID-1', key: 'new', previousKey: 'old' });
    await w.close();
    const k = await readLedgerKnowledge(file);
    expect(k.lastKeyById.get('id-1')).to.equal('new');
    const { entries } = await readLedgerEntries(file);
    expect(entries.map((e) => e.previousKey)).to.deep.equal([null, 'old']);
    expect(entries[0]).to.include({ kind: 'zivver-keyledger', v: 1, runId: 'r1' });
  });

  it('ignores a torn last line with a warning and keeps appending on a fresh line', async () => {
    const file = path.join(await tmpDir(), 'ledger.jsonl');
    const good = JSON.stringify({ kind: 'zivver-keyledger', v: 1, ...entry(1) });
    await fs.writeFile(file, good + '\n' + good.slice(0, 30));
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m) } as never;
    const k = await readLedgerKnowledge(file, logger);
    expect(k.lastKeyById.get('id-1')).to.equal('key-1');
    expect(warnings.join()).to.match(/ledger\.jsonl:2: ignored \(incomplete last line/);
    const w = await LedgerWriter.open(file);
    await w.append(entry(2));
    await w.close();
    const after = await readLedgerEntries(file);
    expect(after.entries.map((e) => e.zivverId)).to.deep.equal(['id-1', 'id-2']);
    expect(after.skipped).to.have.length(1);
  });

  it('two processes appending at once leave every line intact', async function () {
    this.timeout(60_000);
    const file = path.join(await tmpDir(), 'ledger.jsonl');
    const script = `
      import { LedgerWriter } from ${JSON.stringify(path.join(REPO_ROOT, 'src/store/ledger.ts'))};
      const [file, tag, n] = process.argv.slice(-3);
      const w = await LedgerWriter.open(file);
      const pad = 'x'.repeat(3000); // long lines: a torn write would show
      await Promise.all(Array.from({ length: Number(n) }, (_, i) =>
        w.append({ at: new Date().toISOString(), zivverId: tag + '-' + i, userName: pad, key: tag + i, previousKey: null, source: 's', runId: tag })));
      await w.close();
    `;
    const run = (tag: string) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file, tag, '300'], {
          cwd: REPO_ROOT,
          stdio: ['ignore', 'inherit', 'inherit'],
        });
        child.on('error', reject);
        child.on('close', (code) => resolve(code ?? -1));
      });
    const codes = await Promise.all([run('a'), run('b')]);
    expect(codes).to.deep.equal([0, 0]);
    const { entries, skipped } = await readLedgerEntries(file);
    expect(skipped).to.deep.equal([]);
    expect(entries).to.have.length(600);
    expect(new Set(entries.map((e) => e.zivverId)).size).to.equal(600);
  });
});

describe('store/ledger paths the admin must fix', () => {
  it('a folder given as the ledger is a usage error (exit 2), for reading and for writing', async () => {
    const { UsageError } = await import('../../src/errors.js');
    const { readLedgerEntries: read, LedgerWriter: Writer } = await import('../../src/store/ledger.js');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'keytool-ledger-dir-'));
    try {
      let err: unknown;
      try {
        await read(dir);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(UsageError);
      expect(String((err as Error).message)).to.match(/is a folder, not a file/);
      err = undefined;
      try {
        await Writer.open(dir);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(UsageError);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
