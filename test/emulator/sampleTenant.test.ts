import { expect } from 'chai';
import { generateSampleTenant, ZIVVER_SCHEMA, ENTERPRISE_SCHEMA } from '../../src/emulator/index.js';
import { startTestEmulator } from '../helpers/emulator.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('emulator/sampleTenant', function () {
  this.timeout(30_000);

  it('is deterministic per seed and never touches Math.random', () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error('Math.random used');
    };
    try {
      const a = generateSampleTenant({ count: 300, seed: 5 });
      const b = generateSampleTenant({ count: 300, seed: 5 });
      const c = generateSampleTenant({ count: 300, seed: 6 });
      expect(JSON.stringify(a)).to.equal(JSON.stringify(b));
      expect(JSON.stringify(a.users)).not.to.equal(JSON.stringify(c.users));
    } finally {
      Math.random = original;
    }
  });

  it('makes Zivver users shaped as Zivver lists them, with the attributes that must survive apply', () => {
    const { users, facts } = generateSampleTenant({ count: 500, seed: 1 });
    expect(users).to.have.length(500);
    const userNames = users.map((u) => u.userName as string);
    expect(new Set(userNames.map((n) => n.toLowerCase())).size).to.equal(500);
    expect(new Set(users.map((u) => u.id)).size).to.equal(500);
    for (const u of users) {
      expect(u.id).to.match(GUID);
      expect(u.userName).to.match(/^[a-z0-9.]+@voorbeeldzorg\.nl$/);
      expect(u.name).to.have.all.keys('formatted');
      expect((u.name as any).formatted).to.be.a('string').and.not.equal('');
      expect(u.phoneNumbers).to.be.an('array');
      for (const p of u.phoneNumbers as any[]) expect(p).to.have.all.keys('value');
      expect((u.meta as any).created).to.match(/^\d{4}-\d{2}-\d{2}$/);
      const z = u[ZIVVER_SCHEMA] as any;
      expect(z.SsoAccountKey).to.match(GUID);
      expect(z.aliases).to.be.an('array');
      expect(z.delegates).to.be.an('array');
      const ent = u[ENTERPRISE_SCHEMA] as any;
      if (Object.keys(ent).length) expect(ent.division).to.be.a('string');
      if ('ExternalAccountId' in z) expect(z.ExternalAccountId).to.match(GUID);
    }
    const count = (p: (u: any) => boolean) => users.filter(p).length;
    expect(count((u) => u.active === false)).to.equal(facts.disabled).and.to.be.within(10, 40);
    expect(count((u) => u[ZIVVER_SCHEMA].aliases.length > 0)).to.be.within(50, 250);
    expect(count((u) => u[ZIVVER_SCHEMA].delegates.length > 0)).to.be.within(20, 100);
    expect(count((u) => typeof u.nickName === 'string')).to.be.within(150, 350);
    expect(count((u) => u.phoneNumbers.length > 0)).to.be.within(200, 450);
    expect(count((u) => u.phoneNumbers.length === 0)).to.be.within(50, 300);
    expect(count((u) => u[ENTERPRISE_SCHEMA].division === '/')).to.be.within(80, 250);
    expect(count((u) => Object.keys(u[ENTERPRISE_SCHEMA]).length === 0)).to.be.within(20, 100);
    expect(count((u) => typeof u[ZIVVER_SCHEMA].ExternalAccountId === 'string')).to.be.within(50, 200);
    expect(count((u) => /\s(van|de|der|den|ter)\s/.test(u.name.formatted))).to.be.above(50);
    // Delegates point at real accounts.
    const known = new Set(userNames);
    for (const u of users) for (const d of (u[ZIVVER_SCHEMA] as any).delegates) expect(known.has(d)).to.equal(true);
  });

  it('makes the matching Exchange export with every case the planner must handle', () => {
    const { users, mailboxes, facts } = generateSampleTenant({ count: 500, seed: 1 });
    const byAddress = new Map<string, any>();
    for (const u of users) {
      byAddress.set((u.userName as string).toLowerCase(), u);
      for (const a of (u[ZIVVER_SCHEMA] as any).aliases) byAddress.set(a.toLowerCase(), u);
    }
    const userNames = new Set(users.map((u) => (u.userName as string).toLowerCase()));
    for (const m of mailboxes) {
      expect(Object.keys(m).sort()).to.deep.equal(
        ['Alias', 'DisplayName', 'EmailAddresses', 'ExternalDirectoryObjectId', 'Guid', 'PrimarySmtpAddress', 'RecipientTypeDetails', 'UserPrincipalName'],
      );
      expect(m.ExternalDirectoryObjectId).to.match(GUID);
      expect(m.Guid).to.match(GUID);
      expect(m.EmailAddresses[0]).to.equal(`SMTP:${m.PrimarySmtpAddress}`);
      expect(m.EmailAddresses.some((e) => e.startsWith('X500:/o=ExchangeLabs/'))).to.equal(true);
    }
    const types = (t: string) => mailboxes.filter((m) => m.RecipientTypeDetails === t);
    expect(types('SharedMailbox')).to.have.length(facts.shared).and.length.above(0);
    expect(types('RoomMailbox')).to.have.length(facts.rooms).and.length.above(0);
    for (const m of [...types('SharedMailbox'), ...types('RoomMailbox')]) expect(byAddress.has(m.PrimarySmtpAddress)).to.equal(false);
    expect(types('UserMailbox').filter((m) => m.EmailAddresses.some((e) => e.startsWith('SIP:')))).to.have.length(types('UserMailbox').length);

    // Not found: user mailboxes with no Zivver account by any address.
    expect(facts.missingInZivver.length).to.be.above(0);
    for (const addr of facts.missingInZivver) {
      const m = mailboxes.find((x) => x.PrimarySmtpAddress === addr)!;
      expect(m.RecipientTypeDetails).to.equal('UserMailbox');
      for (const e of m.EmailAddresses.filter((x) => /^smtp:/i.test(x))) expect(byAddress.has(e.slice(5).toLowerCase())).to.equal(false);
    }
    // Alias only: the primary is some account's alias, and no SMTP address of the mailbox is a userName.
    expect(facts.aliasOnly.length).to.be.above(0);
    for (const addr of facts.aliasOnly) {
      const m = mailboxes.find((x) => x.PrimarySmtpAddress === addr)!;
      expect(userNames.has(addr)).to.equal(false);
      expect(byAddress.get(addr)).to.not.equal(undefined);
      for (const e of m.EmailAddresses.filter((x) => /^smtp:/i.test(x))) expect(userNames.has(e.slice(5).toLowerCase())).to.equal(false);
    }
    // Every other user mailbox finds its account by primary address; some accounts have no mailbox.
    const plain = types('UserMailbox').filter((m) => !facts.missingInZivver.includes(m.PrimarySmtpAddress) && !facts.aliasOnly.includes(m.PrimarySmtpAddress));
    for (const m of plain) expect(userNames.has(m.PrimarySmtpAddress)).to.equal(true);
    expect(facts.withoutMailbox.length).to.be.above(0);
    expect(plain.length + facts.aliasOnly.length + facts.withoutMailbox.length).to.equal(users.length);
    // New keys differ from the old ones (otherwise a migration would be a no-op).
    const oldKeys = new Set(users.map((u) => (u[ZIVVER_SCHEMA] as any).SsoAccountKey));
    expect(mailboxes.filter((m) => oldKeys.has(m.ExternalDirectoryObjectId))).to.have.length(0);
  });

  it('honours custom domains and tiny counts', () => {
    const t = generateSampleTenant({ count: 3, seed: 2, domains: ['Gemeente.example', 'oud.example'] });
    expect(t.users).to.have.length(3);
    for (const u of t.users) expect(u.userName).to.match(/@gemeente\.example$/);
    expect(generateSampleTenant({ count: 0 }).users).to.deep.equal([]);
    expect(() => generateSampleTenant({ count: -1 })).to.throw(RangeError);
  });

  it('seeds the emulator: the stored state equals the generated users, keys included', async () => {
    const { users } = generateSampleTenant({ count: 200, seed: 3 });
    const emu = await startTestEmulator({ users });
    try {
      const stored = emu.users();
      expect(stored).to.have.length(200);
      const byId = new Map(stored.map((u) => [u.id, u]));
      for (const u of users) {
        const s = byId.get(u.id as string)!;
        expect(s.userName).to.equal(u.userName);
        expect(s[ZIVVER_SCHEMA]).to.deep.equal(u[ZIVVER_SCHEMA]);
        expect(s[ENTERPRISE_SCHEMA]).to.deep.equal(u[ENTERPRISE_SCHEMA]);
        expect(s.phoneNumbers).to.deep.equal(u.phoneNumbers);
        expect(s.active).to.equal(u.active);
      }
      // Every listed user renders exactly as the SCIMMY single-resource path does.
      const list = await (await emu.request('GET', '/Users')).json() as any;
      for (const listed of list.Resources.slice(0, 40)) {
        expect(JSON.stringify(listed)).to.equal(await (await emu.request('GET', `/Users/${listed.id}`)).text());
      }
    } finally {
      await emu.close();
    }
  });
});
