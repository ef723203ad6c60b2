/**
 * A plan CSV carries the Zivver URL it was planned against on every row, so apply refuses it
 * elsewhere just as it refuses a plan document (Terraform's rule), and a file pasted together
 * from plans of two tenants is refused as a whole.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../src/emulator/index.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli } from '../helpers/cli.js';
import { testSecret } from '../helpers/secrets.js';

const API_KEY = testSecret('it-csv-url-key');
const users = [1, 2].map((n) => ({
  id: `0000cccc-0000-4000-8000-${String(n).padStart(12, '0')}`,
  userName: `user${n}@org.nl`,
  name: { formatted: `User ${n}` },
  active: true,
}));
const csv = ['PrimarySmtpAddress,ExternalDirectoryObjectId', 'user1@org.nl,e17a0000-0000-4000-8000-000000000001', 'user2@org.nl,e17a0000-0000-4000-8000-000000000002'].join('\n');

describe('integration: plan CSV and the Zivver URL it was planned against', function () {
  this.timeout(60_000);
  let dir: string;
  let a: EmulatorHandle;
  let b: EmulatorHandle;
  const env = () => ({ ZIVVER_API_KEY: API_KEY, ZIVVER_KEYTOOL_LEDGER: path.join(dir, 'ledger.jsonl') });

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-it-csvurl-'));
    a = await startEmulator({ apiKey: API_KEY, users });
    b = await startEmulator({ apiKey: API_KEY, users });
    await writeFile(path.join(dir, 'mbx.csv'), csv);
    const r = await runCli(['plan', '--zivver-url', a.url, '--input', 'mbx.csv', '--out', 'plan.csv', '--csv-delimiter', ';'], { cwd: dir, env: env() });
    expect(r.code, r.stderr).to.equal(0);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the URL on every row', async () => {
    const lines = (await readFile(path.join(dir, 'plan.csv'), 'utf8')).trim().split('\r\n');
    const at = lines[0].split(';').indexOf('zivverUrl');
    expect(at).to.equal(11);
    for (const l of lines.slice(1)) expect(l.split(';')[at]).to.equal(a.url);
  });

  it('refuses to apply the CSV to another Zivver URL (exit 2, nothing sent)', async () => {
    b.resetStats();
    const r = await runCli(['apply', '--zivver-url', b.url, '--plan', 'plan.csv'], { cwd: dir, env: env() });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include(`the plan was made against ${a.url}`);
    expect(b.stats.requests).to.equal(0);
  });

  it('refuses a CSV whose rows come from plans against different URLs', async () => {
    const text = await readFile(path.join(dir, 'plan.csv'), 'utf8');
    const lines = text.trim().split('\r\n');
    lines[2] = lines[2].replace(a.url, b.url);
    await writeFile(path.join(dir, 'mixed.csv'), lines.join('\r\n') + '\r\n');
    const r = await runCli(['apply', '--zivver-url', a.url, '--plan', 'mixed.csv', '--what-if'], { cwd: dir, env: env() });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/different Zivver URLs/);
  });

  it('still applies the CSV where it was planned', async () => {
    const r = await runCli(['apply', '--zivver-url', a.url, '--plan', 'plan.csv', '--max-changes', '5'], { cwd: dir, env: env() });
    expect(r.code, r.stderr).to.equal(0);
    expect(a.getKey(users[0].id)).to.equal('e17a0000-0000-4000-8000-000000000001');
  });
});
