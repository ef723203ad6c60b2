/**
 * A deterministic sample tenant: Zivver users (as the Synctool left them, each keyed with its
 * old AD objectGUID) and the Exchange Online mailboxes of the same organisation, shaped like
 * `Get-EXOMailbox | Select DisplayName,PrimarySmtpAddress,UserPrincipalName,EmailAddresses,
 * ExternalDirectoryObjectId,Guid,RecipientTypeDetails,Alias | ConvertTo-Json`.
 *
 * It holds every case the planner meets: plain matches, a match only through an alias, mailboxes
 * without a Zivver account, Zivver accounts without a mailbox, shared and room mailboxes,
 * disabled accounts. The users are shaped as Zivver lists them: `name` with only `formatted`,
 * `phoneNumbers` always there (often `[]`, else `[{"value": ...}]`), `meta.created` a date, an
 * enterprise `division` ("/" when none) or on some accounts an empty enterprise object, and on
 * some an `ExternalAccountId` in the zivver extension. Seeded PRNG only: the same options give
 * byte-identical output.
 */
import { mulberry32, pick, randInt, randomHex32, seededUuid, type Rng } from './prng.js';
import { CORE_USER_SCHEMA, ENTERPRISE_SCHEMA, ZIVVER_SCHEMA } from './types.js';

export interface SampleTenantOptions {
  /** Number of Zivver users. */
  count: number;
  /** PRNG seed (default 1). */
  seed?: number;
  /** Mail domains; the first is primary, the others appear in aliases (default two .nl example domains). */
  domains?: string[];
}

export interface SampleMailbox {
  DisplayName: string;
  PrimarySmtpAddress: string;
  UserPrincipalName: string;
  EmailAddresses: string[];
  ExternalDirectoryObjectId: string;
  Guid: string;
  RecipientTypeDetails: 'UserMailbox' | 'SharedMailbox' | 'RoomMailbox';
  Alias: string;
}

export interface SampleTenant {
  /** SCIM users to seed the emulator with (SsoAccountKey = old objectGUID). */
  users: Array<Record<string, unknown>>;
  mailboxes: SampleMailbox[];
  /** What the generator put in, so tests and the demo can check the planner's answer. */
  facts: {
    /** Primary addresses of mailboxes whose Zivver account is only found through an alias. */
    aliasOnly: string[];
    /** Primary addresses of user mailboxes that have no Zivver account. */
    missingInZivver: string[];
    /** Zivver userNames with no mailbox. */
    withoutMailbox: string[];
    disabled: number;
    shared: number;
    rooms: number;
  };
}

const FIRST = [
  'Anna', 'Bram', 'Daan', 'Emma', 'Fleur', 'Gijs', 'Hanna', 'Isa', 'Jan', 'Julia', 'Kees', 'Lars', 'Lieke', 'Luuk',
  'Maud', 'Milan', 'Noah', 'Noor', 'Olivier', 'Pieter', 'Roos', 'Ruben', 'Sanne', 'Sem', 'Sophie', 'Stijn', 'Tess',
  'Thijs', 'Vera', 'Willem', 'Yara', 'Zoë', 'Anouk', 'Bas', 'Chantal', 'Dirk', 'Esther', 'Femke', 'Gerrit', 'Hendrik',
  'Ilse', 'Joost', 'Karin', 'Lotte', 'Marieke', 'Niels', 'Petra', 'Quinten', 'Renée', 'Sietske', 'Tom', 'Ursula',
  'Wouter', 'Xander', 'Youssef', 'Fatima', 'Mohammed', 'Ayşe', 'Mehmet', 'Priya', 'José', 'Loïs', 'Geert', 'Mirjam',
] as const;
const PREFIX = ['', '', '', '', '', 'van', 'de', 'van der', 'van den', 'van de', 'ter', 'den', 'in ’t'] as const;
const LAST = [
  'Jong', 'Jansen', 'Vries', 'Berg', 'Bakker', 'Visser', 'Smit', 'Meijer', 'Boer', 'Mulder', 'Groot', 'Bos', 'Vos',
  'Peters', 'Hendriks', 'Leeuwen', 'Dekker', 'Brouwer', 'Wit', 'Dijkstra', 'Smits', 'Graaf', 'Meer', 'Linden', 'Kok',
  'Jacobs', 'Haan', 'Vermeulen', 'Heuvel', 'Veen', 'Broek', 'Bruijn', 'Beek', 'Hoekstra', 'Koster', 'Prins', 'Huisman',
  'Wal', 'Postma', 'Kuipers', 'Schouten', 'Willems', 'Verbeek', 'Timmermans', 'Groen', 'Gerritsen', 'Maas', 'Ouden',
  'Yılmaz', 'El Amrani', 'Çelik', 'Hoek', 'Sluis', 'Kramer', 'Evers', 'Brink', 'Molenaar', 'Zwart', 'Post', 'Wijk',
] as const;
const DIVISIONS = [
  'Cardiologie', 'Spoedeisende Hulp', 'Zorgadministratie', 'ICT', 'HR', 'Financiën', 'Huisartsenpost', 'Bestuur',
  'Wijkteam Noord', 'Wijkteam Zuid', 'Apotheek', 'Radiologie', 'Facilitair', 'Juridische Zaken',
] as const;
const SHARED = ['info', 'secretariaat', 'planning', 'facturen', 'klachten', 'poli', 'receptie', 'roosters', 'inkoop', 'communicatie'] as const;
const ROOMS = ['Vergaderzaal', 'Spreekkamer', 'Overlegruimte', 'Stiltecentrum', 'Trainingsruimte'] as const;

/** Lower-case ASCII for addresses: Zoë → zoe, in ’t → int, El Amrani → elamrani. */
const asciiCache = new Map<string, string>();
function ascii(s: string): string {
  let a = asciiCache.get(s);
  if (a === undefined) asciiCache.set(s, (a = toAscii(s)));
  return a;
}
function toAscii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ı/g, 'i')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

function guid(rng: Rng): string {
  return seededUuid(rng);
}

function phone(rng: Rng, mobile: boolean): string {
  const digits = (n: number) => Array.from({ length: n }, () => String(randInt(rng, 10))).join('');
  return mobile ? `+31 6 ${digits(8)}` : `+31 ${pick(rng, ['20', '10', '30', '50', '40', '70'])} ${digits(3)} ${digits(4)}`;
}

interface Person {
  given: string;
  family: string;
  formatted: string;
  local: string;
  alias: string;
}

export function generateSampleTenant(options: SampleTenantOptions): SampleTenant {
  const count = options.count;
  if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
  const rng = mulberry32(options.seed ?? 1);
  const domains = options.domains?.length ? options.domains.map((d) => d.toLowerCase()) : ['voorbeeldzorg.nl', 'kliniek-voorbeeld.nl'];
  const primary = domains[0]!;
  const other = domains[1] ?? primary;
  const usedLocal = new Set<string>();
  const usedAlias = new Set<string>();
  // Next number to try per base name: with 100,000 people many share a name, and probing
  // 2, 3, 4, ... from scratch each time would be quadratic.
  const nextLocal = new Map<string, number>();
  const nextAlias = new Map<string, number>();
  const unique = (baseName: string, used: Set<string>, next: Map<string, number>): string => {
    let name = baseName;
    let n = next.get(baseName) ?? 2;
    while (used.has(name)) name = `${baseName}${n++}`;
    next.set(baseName, n);
    used.add(name);
    return name;
  };

  const newPerson = (): Person => {
    const given = pick(rng, FIRST);
    const prefix = pick(rng, PREFIX);
    const last = pick(rng, LAST);
    const family = prefix ? `${prefix} ${last}` : last;
    const local = unique(`${ascii(given)}.${ascii(prefix)}${ascii(last)}`, usedLocal, nextLocal);
    const alias = unique(`${ascii(given)[0]}${ascii(prefix)}${ascii(last)}`, usedAlias, nextAlias);
    return { given, family, formatted: `${given} ${family}`, local, alias };
  };

  const base = new Date(Date.UTC(2018, 0, 1)).getTime();
  const users: Array<Record<string, unknown>> = [];
  const people: Person[] = [];
  const aliasesOf: string[][] = [];
  const disabledCount = count >= 3 ? Math.max(1, Math.floor(count * 0.04)) : 0;
  const disabledStep = disabledCount > 0 ? Math.floor(count / disabledCount) : 1;
  for (let i = 0; i < count; i++) {
    const p = newPerson();
    people.push(p);
    const aliases: string[] = [];
    const r = rng();
    if (r < 0.15) aliases.push(`${p.alias}@${primary}`);
    else if (r < 0.25) aliases.push(`${p.local}@${other}`);
    else if (r < 0.28) aliases.push(`${p.alias}@${primary}`, `${p.local}@${other}`);
    aliasesOf.push(aliases);
    const u: Record<string, unknown> = {
      schemas: [CORE_USER_SCHEMA, ENTERPRISE_SCHEMA, ZIVVER_SCHEMA],
      id: guid(rng),
      meta: { resourceType: 'User', created: new Date(base + randInt(rng, 6 * 365) * 86_400_000).toISOString().slice(0, 10) },
      userName: `${p.local}@${primary}`,
      name: { formatted: p.formatted },
    };
    if (rng() < 0.5) u.nickName = p.given;
    // Disabled accounts are spread through the list (every k-th), not bunched at the start.
    u.active = !(disabledCount > 0 && i % disabledStep === disabledStep - 1 && Math.floor(i / disabledStep) < disabledCount);
    const phones: Array<Record<string, unknown>> = [];
    if (rng() < 0.6) phones.push({ value: phone(rng, true) });
    if (rng() < 0.3) phones.push({ value: phone(rng, false) });
    u.phoneNumbers = phones;
    const division = rng();
    u[ENTERPRISE_SCHEMA] = division < 0.1 ? {} : { division: division < 0.7 ? pick(rng, DIVISIONS) : '/' };
    // The Synctool keyed accounts with the on-prem objectGUID: that is the key being migrated.
    const ext: Record<string, unknown> = { SsoAccountKey: guid(rng), aliases, delegates: [] as string[] };
    if (rng() < 0.2) ext.ExternalAccountId = guid(rng);
    u[ZIVVER_SCHEMA] = ext;
    users.push(u);
  }
  // Delegates are other accounts' addresses (a secretary for a manager), chosen once all exist.
  for (let i = 0; i < count && count > 1; i++) {
    if (rng() >= 0.1) continue;
    const n = 1 + randInt(rng, 2);
    const set = new Set<string>();
    for (let k = 0; k < n; k++) {
      const j = randInt(rng, count);
      if (j !== i) set.add(users[j]!.userName as string);
    }
    (users[i]![ZIVVER_SCHEMA] as { delegates: string[] }).delegates = [...set];
  }

  const mailboxes: SampleMailbox[] = [];
  const facts: SampleTenant['facts'] = { aliasOnly: [], missingInZivver: [], withoutMailbox: [], disabled: 0, shared: 0, rooms: 0 };
  const mailbox = (p: Person, primaryAddr: string, extra: string[], type: SampleMailbox['RecipientTypeDetails']): SampleMailbox => {
    const upn = rng() < 0.1 ? `${p.alias}@corp.${primary}` : primaryAddr;
    return {
      DisplayName: p.formatted,
      PrimarySmtpAddress: primaryAddr,
      UserPrincipalName: upn,
      EmailAddresses: [
        `SMTP:${primaryAddr}`,
        ...extra.map((a) => `smtp:${a}`),
        `X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=${randomHex32(rng)}-${p.alias}`,
        ...(type === 'UserMailbox' ? [`SIP:${primaryAddr}`] : []),
      ],
      ExternalDirectoryObjectId: guid(rng),
      Guid: guid(rng),
      RecipientTypeDetails: type,
      Alias: p.alias,
    };
  };

  // Which users lose their mailbox, and which are matched only through an alias.
  const withoutMailboxEvery = count >= 20 ? 50 : Infinity;
  let aliasOnlyWanted = count >= 10 ? Math.max(1, Math.floor(count * 0.02)) : 0;
  for (let i = 0; i < count; i++) {
    const u = users[i]!;
    if (u.active === false) facts.disabled++;
    const p = people[i]!;
    const userName = u.userName as string;
    if ((i + 7) % withoutMailboxEvery === 0) {
      facts.withoutMailbox.push(userName);
      continue;
    }
    const aliases = aliasesOf[i]!;
    if (aliasOnlyWanted > 0 && aliases.length > 0) {
      // Renamed in Exchange: the new primary is an address Zivver knows only as an alias.
      aliasOnlyWanted--;
      const newPrimary = aliases[0]!;
      facts.aliasOnly.push(newPrimary);
      mailboxes.push(mailbox(p, newPrimary, aliases.slice(1), 'UserMailbox'));
      continue;
    }
    mailboxes.push(mailbox(p, userName, aliases, 'UserMailbox'));
  }
  const missing = count >= 10 ? Math.max(1, Math.floor(count * 0.03)) : 0;
  for (let i = 0; i < missing; i++) {
    const p = newPerson();
    const addr = `${p.local}@${primary}`;
    facts.missingInZivver.push(addr);
    mailboxes.push(mailbox(p, addr, [], 'UserMailbox'));
  }
  const shared = count >= 5 ? Math.max(1, Math.floor(count / 50)) : 0;
  for (let i = 0; i < shared; i++) {
    const name = SHARED[i % SHARED.length]! + (i >= SHARED.length ? String(Math.floor(i / SHARED.length) + 1) : '');
    const p: Person = { given: name, family: '', formatted: name[0]!.toUpperCase() + name.slice(1), local: name, alias: name };
    mailboxes.push(mailbox(p, `${name}@${primary}`, [], 'SharedMailbox'));
    facts.shared++;
  }
  const rooms = count >= 5 ? Math.max(1, Math.floor(count / 100)) : 0;
  for (let i = 0; i < rooms; i++) {
    const label = `${ROOMS[i % ROOMS.length]} ${Math.floor(i / ROOMS.length) + 1}`;
    const local = `ruimte-${ascii(label)}`;
    const p: Person = { given: label, family: '', formatted: label, local, alias: local };
    mailboxes.push(mailbox(p, `${local}@${primary}`, [], 'RoomMailbox'));
    facts.rooms++;
  }
  // Exchange lists in its own order, not the Zivver order.
  for (let i = mailboxes.length - 1; i > 0; i--) {
    const j = randInt(rng, i + 1);
    [mailboxes[i], mailboxes[j]] = [mailboxes[j]!, mailboxes[i]!];
  }
  return { users, mailboxes, facts };
}
