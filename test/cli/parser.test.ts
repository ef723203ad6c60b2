import { expect } from 'chai';
import { parseArgv } from '../../src/cli/parser.js';
import { runInProcess } from '../helpers/cli.js';

describe('cli/parser', () => {
  it('selects a command and its arguments without running it', async () => {
    const { invocation } = await parseArgv(['test-connection', '--zivver-url', 'http://127.0.0.1:1/scim']);
    expect(invocation?.command.command).to.equal('test-connection');
    expect(invocation?.args.zivverUrl).to.equal('http://127.0.0.1:1/scim');
  });

  it('refuses an unknown option with exit code 2 and a pointer to --help', async () => {
    const r = await runInProcess(['test-connection', '--no-such-flag']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/Unknown argument/);
    expect(r.stderr).to.match(/--help/);
  });

  it('prints the version, the Node version and the commit', async () => {
    const r = await runInProcess(['--version']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^zivver-keytool \d+\.\d+\.\d+ \(node v\d+/);
  });
});

describe('cli/parser standard input', () => {
  it('accepts `--input -` and `-i -` for standard input', async () => {
    const a = await parseArgv(['plan', '--input', '-', '--input', 'b.csv']);
    expect(a.invocation?.args.input).to.deep.equal(['-', 'b.csv']);
    const b = await parseArgv(['plan', '-i', '-']);
    expect(b.invocation?.args.input).to.deep.equal(['-']);
    const c = await parseArgv(['apply', '--plan', '-']);
    expect(c.invocation?.args.plan).to.equal('-');
  });
});
