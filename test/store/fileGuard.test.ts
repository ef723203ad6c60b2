import { expect } from 'chai';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileClashError, FileGuard, writeOutputFile } from '../../src/store/fileGuard.js';
import { classifyHead, fileKindOf } from '../../src/store/fileKind.js';
import { UsageError } from '../../src/errors.js';

async function rejects(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('store/fileGuard', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-fileguard-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds one file behind a symbolic link to its folder, and names both roles', async () => {
    await mkdir(path.join(dir, 'real'));
    await writeFile(path.join(dir, 'real', 'in.csv'), 'Mail\n');
    await symlink(path.join(dir, 'real'), path.join(dir, 'alias'));
    const err = await rejects(
      new FileGuard({ cwd: dir }).reads('real/in.csv', { option: '--input', what: 'an input' }).replaces('alias/in.csv', { option: '--out', what: 'an output' }).check(),
    );
    expect(err).to.be.instanceOf(FileClashError);
    expect(err.message).to.match(/^--out alias\/in\.csv is an input \(--input real\/in\.csv\): both name /);
    expect((err as FileClashError).files).to.have.length(2);
  });

  it('lets reads share a file, and a file not yet there be written', async () => {
    await writeFile(path.join(dir, 'in.csv'), 'Mail\n');
    await new FileGuard({ cwd: dir })
      .reads('in.csv', { option: '--input', what: 'an input' })
      .reads('./in.csv', { option: '--input', what: 'an input' })
      .replaces('new/out.json', { option: '--out', what: 'an output' })
      .appends('new/ledger.jsonl', { option: '--ledger', what: 'the ledger' }, 'ledger')
      .check();
  });

  it('appends only to a file of the same kind', async () => {
    await writeFile(path.join(dir, 'log.jsonl'), '{"level":"info","message":"x","timestamp":"t"}\n');
    await writeFile(path.join(dir, 'ledger.jsonl'), '{"kind":"zivver-keyledger","v":1}\n');
    await new FileGuard({ cwd: dir }).appends('ledger.jsonl', { what: 'the ledger' }, 'ledger').appends('log.jsonl', { what: 'the log file' }, 'log').check();
    const err = await rejects(new FileGuard({ cwd: dir }).appends('log.jsonl', { option: '--ledger', what: 'the ledger' }, 'ledger').check());
    expect(err).to.be.instanceOf(UsageError);
    expect(err.message).to.match(/--ledger log\.jsonl is a zivver-keytool log file, not a zivver-keytool ledger/);
  });

  it('escapes and cuts a name it echoes', async () => {
    const name = `a\u202Eb${'x'.repeat(5000)}.json`;
    const err = await rejects(
      new FileGuard({ cwd: dir }).replaces(name, { option: '--out', what: 'an output' }).replaces(name, { option: '--out', what: 'an output' }).check(),
    );
    expect(err.message).to.include('a\\u{202E}b');
    expect(err.message).to.not.include('\u202E');
    expect(err.message.length).to.be.below(1500);
  });

  describe('writeOutputFile', () => {
    it('writes through a temporary file and leaves none behind when it cannot write', async () => {
      await writeOutputFile(path.join(dir, 'a.json'), 'one');
      expect(await readFile(path.join(dir, 'a.json'), 'utf8')).to.equal('one');
      const err = await rejects(writeOutputFile('/sys/keytool-write-test.json', 'x', { label: '--out x' }));
      expect(err.message).to.match(/^cannot write --out x \((permission denied|operation not permitted)\)/);
      expect(await readdir(dir)).to.deep.equal(['a.json']);
    });

    it('refuses a folder and a read-only file (unless forced), and announces folders it creates', async () => {
      await mkdir(path.join(dir, 'd.json'));
      expect((await rejects(writeOutputFile(path.join(dir, 'd.json'), 'x'))).message).to.match(/is a folder/);
      await writeFile(path.join(dir, 'ro.csv'), 'old');
      await chmod(path.join(dir, 'ro.csv'), 0o444);
      expect((await rejects(writeOutputFile(path.join(dir, 'ro.csv'), 'x'))).message).to.match(/read-only/);
      await writeOutputFile(path.join(dir, 'ro.csv'), 'new', { force: true });
      expect(await readFile(path.join(dir, 'ro.csv'), 'utf8')).to.equal('new');
      const made: string[] = [];
      await writeOutputFile(path.join(dir, 'x', 'y', 'z.json'), '{}', { onFolderCreated: (d) => made.push(d) });
      expect(made).to.deep.equal([path.join(dir, 'x'), path.join(dir, 'x', 'y')]);
      expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
    });
  });

  describe('fileKind', () => {
    it('recognises the own files of the tool by their first lines', async () => {
      expect(classifyHead('')).to.equal('empty');
      expect(classifyHead('{"kind":"zivver-keyledger","v":1}\n')).to.equal('ledger');
      expect(classifyHead('{"kind":"zivver-keyresults","v":1,"runId":"r"}\n{"email":"a"}\n')).to.equal('journal');
      expect(classifyHead('{"kind":"zivver-keyledger","v":1,"at":"20')).to.equal('ledger');
      expect(classifyHead('{"level":"warn","message":"m","timestamp":"t"}\n')).to.equal('log');
      expect(classifyHead('{\n  "kind": "zivver-keyplan",\n  "formatVersion": 1\n')).to.equal('plan');
      expect(classifyHead('{\n  "kind": "zivver-keyresults",\n')).to.equal('results');
      expect(classifyHead('\uFEFFline;input;email;zivverId;userName;newKey;action;reason;fingerprint;check\r\n')).to.equal('plan');
      expect(classifyHead('email,zivverId,userName,newKey,status,httpStatus,error,at\n')).to.equal('results');
      expect(classifyHead('{"email":"a","zivverId":"i","newKey":"k","status":"updated","at":"t"}\n')).to.equal('result-rows');
      expect(classifyHead('PrimarySmtpAddress,ExternalDirectoryObjectId\n')).to.equal('other');
      expect(classifyHead('[{"Mail":"a@b.nl"}]')).to.equal('other');
      expect(await fileKindOf(path.join(dir, 'missing'))).to.equal('empty');
    });
  });
});
