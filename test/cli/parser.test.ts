import { expect } from 'chai';
import { parseArgv } from '../../src/cli/parser.js';
import { runInProcess } from '../helpers/cli.js';
import { testSecret } from '../helpers/secrets.js';

describe('cli/parser', () => {
  it('selects a command and its arguments without running it', async () => {
    const { invocation } = await parseArgv(['test-connection', '--zivver-url', 'http://127.0.0.1:1/scim']);
    expect(invocation?.command.command).to.equal('test-connection');
    expect(invocation?.args.zivverUrl).to.equal('http://127.0.0.1:1/scim');
  });

  it('refuses an unknown option with exit code 2 and a pointer to --help', async () => {
    const r = await runInProcess(['test-connection', '--no-such-flag']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/unknown option --no-such-flag/);
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

describe('cli/parser failures an admin can act on', () => {
  it('suggests the option meant and points to the command help', async () => {
    const r = await runInProcess(['plan', '--key-sorce', 'objectGuid']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal("error: unknown option --key-sorce (did you mean --key-source?)\nRun 'zivver-keytool plan --help' for its options.\n");
  });

  it('explains why an API key on the command line is refused', async () => {
    const key = testSecret('cli-key');
    const r = await runInProcess(['apply', '--plan', 'p.json', '--api-key', key]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/never taken from the command line/);
    expect(r.stderr).to.match(/ZIVVER_API_KEY/);
    expect(r.stderr).not.to.include(key);
  });

  it('names an unknown command and the commands there are', async () => {
    const r = await runInProcess(['pln']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/unknown command "pln" \(did you mean plan\?\); commands: plan, apply, sync, rollback, test-connection, sso-check, emulator/);
  });
});

describe('cli/parser numbers', () => {
  it('says what was typed when a number was expected', async () => {
    const r = await runInProcess(['apply', '--plan', 'p.json', '--max-changes', 'abc']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^error: --max-changes takes a number, not "abc"\nRun 'zivver-keytool apply --help'/);
  });
});

describe('cli/parser help examples', () => {
  it("prints each command's examples whole, one command per line, ready to copy", async () => {
    const r = await runInProcess(['plan', '--help']);
    expect(r.code).to.equal(0);
    const lines = r.stdout.split('\n');
    const graph = lines.findIndex((l) => l.includes('# Users straight from Microsoft Graph'));
    expect(graph).to.be.greaterThan(0);
    expect(lines[graph + 1]).to.match(/^ {2}zivver-keytool plan --source graph .* --out plan\.json$/);
    expect(r.stdout).not.to.include('$0');
  });
});
