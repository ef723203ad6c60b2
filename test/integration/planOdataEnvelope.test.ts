/**
 * End to end: `plan --input` with a file as an admin saves it from Exchange Online's admin API
 * (Get-EXOMailbox over REST, Invoke-RestMethod ... | ConvertTo-Json): the OData envelope with
 * @odata.* annotations, SMTP:/smtp:/SIP:/SPO:/X400:/X500: entries, upper-case primaries, and
 * shared, room, equipment and discovery mailboxes that Exchange reports as RecipientType
 * UserMailbox. Only the user mailboxes get `set`; every other mailbox is `skipped`, although Zivver
 * holds a user account for each of them too.
 */
import { expect } from 'chai';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import type { PlanDocument } from '../../src/core/types.js';
import { runCli } from '../helpers/cli.js';
import { testSecret } from '../helpers/secrets.js';

const API_KEY = testSecret('it-plan-odata-key');
const ZIVVER = 'urn:ietf:params:scim:schemas:zivver:0.1:User';
const FIXTURE = fileURLToPath(new URL('../fixtures/inputs/exo-odata-envelope.json', import.meta.url));

describe('integration: plan from an OData envelope of Get-EXOMailbox output', function () {
  this.timeout(120_000);
  let dir: string;
  let emulator: EmulatorHandle | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-it-odata-'));
  });
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('plans `set` for the user mailboxes only', async () => {
    const envelope = JSON.parse(await readFile(FIXTURE, 'utf8')) as { value: Array<Record<string, string>> };
    // A Zivver account (lower-case userName, as Zivver stores it) for every mailbox, shared and room ones included.
    const users = envelope.value.map((m, i) => ({
      id: `0dd0a000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      userName: m.PrimarySmtpAddress!.toLowerCase(),
      name: { formatted: m.DisplayName },
      [ZIVVER]: { SsoAccountKey: `old-${i + 1}`, aliases: [], delegates: [] },
    }));
    emulator = await startEmulator({ apiKey: API_KEY, users });
    await copyFile(FIXTURE, path.join(dir, 'mailboxes.json'));
    const r = await runCli(['plan', '--zivver-url', emulator.url, '--input', 'mailboxes.json', '--out', 'plan.json'], {
      cwd: dir,
      env: { ZIVVER_API_KEY: API_KEY, ZIVVER_KEYTOOL_LEDGER: path.join(dir, 'ledger.jsonl') },
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).to.equal('Plan: 4 to set, 0 unchanged, 0 not found, 0 ambiguous, 0 conflict, 0 invalid, 4 skipped.');
    expect(r.stderr).not.to.match(/warn/i);
    const plan = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as PlanDocument;
    const actions = Object.fromEntries(plan.rows.map((row) => [row.email.toLowerCase(), [row.action, row.newKey ?? null]]));
    expect(actions).to.deep.equal({
      'jan.devries@contoso.nl': ['set', '7c9e6679-7425-40de-944b-e07fc1f90ae7'],
      'fatima.elamrani@contoso.nl': ['set', '0f8fad5b-d9cb-469f-a165-70867728950e'],
      'pieter.bakker@contoso.nl': ['set', '1b4e28ba-2fa1-41d2-883f-0016d3cca427'],
      'anouk.visser@contoso.nl': ['set', '3d813cbb-47fb-42ba-91df-831e1593ac29'],
      'receptie@contoso.nl': ['skipped', actions['receptie@contoso.nl']![1]],
      'vergaderzaal1@contoso.nl': ['skipped', actions['vergaderzaal1@contoso.nl']![1]],
      'beamer@contoso.nl': ['skipped', actions['beamer@contoso.nl']![1]],
      'discoverysearchmailbox{d919ba05-46a6-415f-80ad-7e09334bb852}@contoso.onmicrosoft.com': [
        'skipped',
        actions['discoverysearchmailbox{d919ba05-46a6-415f-80ad-7e09334bb852}@contoso.onmicrosoft.com']![1],
      ],
    });
    const skipped = plan.rows.filter((row) => row.action === 'skipped');
    expect(skipped.map((row) => row.reason).sort()).to.deep.equal(
      ['DiscoveryMailbox', 'EquipmentMailbox', 'RoomMailbox', 'SharedMailbox'].map(
        (t) => `RecipientTypeDetails is ${t}: only user mailboxes have a Zivver account key`,
      ),
    );
    // The set rows point at the right accounts, found through upper-case primaries.
    const jan = plan.rows.find((row) => row.email.toLowerCase() === 'jan.devries@contoso.nl')!;
    expect(jan.userName).to.equal('jan.devries@contoso.nl');
    expect(emulator.stats.byMethod.PUT ?? 0).to.equal(0);
  });
});
