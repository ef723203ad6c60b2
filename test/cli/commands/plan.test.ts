import { expect } from 'chai';
import os from 'node:os';
import { runInProcess } from '../../helpers/cli.js';
import { testSecret } from '../../helpers/secrets.js';

const env = () => ({ ZIVVER_API_KEY: testSecret('plan-cmd-key') });

describe('plan command: --detailed-exitcode (0 nothing to set, 1 any error, 2 something to set)', () => {
  it('a usage error, an input error and a refused command line are 1 with the flag, 2 without', async () => {
    const cases = [
      ['plan', '--input', 'a.csv', '--key-source', 'guid'],
      ['plan', '--input', 'no-such-file.csv', '--zivver-url', 'http://127.0.0.1:9/scim/v2'],
      ['plan', '--input', 'a.csv', '--no-such-flag'],
    ];
    for (const argv of cases) {
      const plain = await runInProcess(argv, { cwd: os.tmpdir(), env: env() });
      expect(plain.code, `${argv.join(' ')}: ${plain.stderr}`).to.equal(2);
      const detailed = await runInProcess([...argv, '--detailed-exitcode'], { cwd: os.tmpdir(), env: env() });
      expect(detailed.code, `${argv.join(' ')} --detailed-exitcode: ${detailed.stderr}`).to.equal(1);
      expect(detailed.stderr).to.equal(plain.stderr);
      const before = await runInProcess([argv[0]!, '--detailed-exitcode', ...argv.slice(1)], { cwd: os.tmpdir(), env: env() });
      expect(before.code).to.equal(1);
    }
  });

  it('other commands keep their exit codes', async () => {
    const r = await runInProcess(['rollback', '--results', 'nope.jsonl'], { cwd: os.tmpdir() });
    expect(r.code).to.equal(2);
  });
});
