/**
 * Malformed inputs for the fuzz suite, made at test time from a fixed seed (so a failure names an
 * input that can be made again): valid exports of every kind the readers take, then broken by
 * mutations an admin's tools, a bad copy or a hostile file could cause.
 */
import { mulberry32, pick, randInt, type Rng } from '../../src/emulator/prng.js';

export interface FuzzInput {
  /** Which base and which mutations: what a failure message names. */
  label: string;
  /** File name (its extension matters to format detection). */
  name: string;
  bytes: Buffer;
}

const ID = (n: number) => `e17a0000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function rows(n: number): { mail: string; id: string; guid: string }[] {
  return Array.from({ length: n }, (_, i) => ({ mail: `user${i + 1}@org.nl`, id: ID(i + 1), guid: ID(i + 101) }));
}

/** Valid inputs of every kind the readers accept. */
function bases(): { label: string; name: string; text: string; utf16?: boolean }[] {
  const r = rows(4);
  const csv = ['PrimarySmtpAddress,ExternalDirectoryObjectId,RecipientTypeDetails,EmailAddresses', ...r.map((x) => `${x.mail},${x.id},UserMailbox,"SMTP:${x.mail};smtp:alias.${x.mail}"`)].join('\r\n') + '\r\n';
  const semi = ['sep=;', 'PrimarySmtpAddress;ExternalDirectoryObjectId;DisplayName', ...r.map((x) => `${x.mail};${x.id};"De Vries; Jan"`)].join('\n') + '\n';
  const typed = ['#TYPE Selected.Microsoft.Exchange.Data.Directory.Management.Mailbox', '"PrimarySmtpAddress","ExternalDirectoryObjectId"', ...r.map((x) => `"${x.mail}","${x.id}"`)].join('\r\n');
  const objs = r.map((x) => ({ PrimarySmtpAddress: x.mail, ExternalDirectoryObjectId: x.id, RecipientTypeDetails: 'UserMailbox', EmailAddresses: [`SMTP:${x.mail}`, `X500:/o=x/cn=${x.mail}`] }));
  return [
    { label: 'csv', name: 'users.csv', text: csv },
    { label: 'csv-semicolon', name: 'users.csv', text: semi },
    { label: 'csv-type-line', name: 'users.csv', text: typed },
    { label: 'csv-utf16', name: 'users.csv', text: csv, utf16: true },
    { label: 'json-array', name: 'users.json', text: JSON.stringify(objs, null, 2) },
    { label: 'jsonl', name: 'users.jsonl', text: objs.map((o) => JSON.stringify(o)).join('\n') + '\n' },
    { label: 'odata', name: 'users.json', text: JSON.stringify({ '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users', value: objs }) },
    { label: 'ps51-value', name: 'users.json', text: JSON.stringify({ value: objs, Count: objs.length }) },
  ];
}

type Mutation = (text: string, rng: Rng) => string;

const at = (rng: Rng, text: string) => randInt(rng, text.length + 1);
const JUNK = ['\u0000', '\u202E', '\u200B', '\uFEFF', '"', "'", ',', ';', '\t', '\r', '\n', '{', '}', '[', ']', ':', '\\', '=', '@', 'ÿ', '\u2028', '💥', 'SMTP:', '@odata.nextLink'];

/** Each mutation breaks an input the way something real could. */
const MUTATIONS: Record<string, Mutation> = {
  truncate: (t, rng) => t.slice(0, at(rng, t)),
  'insert-junk': (t, rng) => {
    const i = at(rng, t);
    return t.slice(0, i) + pick(rng, JUNK) + t.slice(i);
  },
  'delete-span': (t, rng) => {
    const i = at(rng, t);
    return t.slice(0, i) + t.slice(i + 1 + randInt(rng, 20));
  },
  'duplicate-line': (t, rng) => {
    const lines = t.split('\n');
    const i = randInt(rng, lines.length);
    lines.splice(i, 0, lines[i]!);
    return lines.join('\n');
  },
  'swap-lines': (t, rng) => {
    const lines = t.split('\n');
    const [a, b] = [randInt(rng, lines.length), randInt(rng, lines.length)];
    [lines[a], lines[b]] = [lines[b]!, lines[a]!];
    return lines.join('\n');
  },
  'stray-quote': (t, rng) => {
    const i = at(rng, t);
    return t.slice(0, i) + '"' + t.slice(i);
  },
  'deep-nesting': (t, rng) => {
    const depth = pick(rng, [600, 5000, 20000]);
    const deep = pick(rng, ['[', '{"a":']).repeat(depth);
    const i = t.indexOf('{') >= 0 ? t.indexOf('{') + 1 : at(rng, t);
    return t.slice(0, i) + `"Deep":${deep}` + t.slice(i);
  },
  'huge-field': (t, rng) => {
    const i = at(rng, t);
    return t.slice(0, i) + pick(rng, ['x', '\u0007', ',', '"']).repeat(200_000 + randInt(rng, 100_000)) + t.slice(i);
  },
  'duplicate-property': (t) => t.replace(/"PrimarySmtpAddress":\s*"([^"]*)"/, '"PrimarySmtpAddress": "$1", "primarySmtpAddress": "other@org.nl"'),
  'duplicate-header': (t) => t.replace(/PrimarySmtpAddress/, 'PrimarySmtpAddress,primarysmtpaddress'),
  'control-in-address': (t, rng) => t.replace(/user(\d)@/, `us${pick(rng, ['\u0000', '\u202E', '\u200B', '\u0007', '\u001b[2J'])}er$1@`),
  'scalar-json': (_t, rng) => pick(rng, ['null', 'true', 'false', '42', '-1.5e3', '"a@org.nl"', '[]', '{}', '[1,2]', '[null]', '""']),
  'nul-bytes': (t, rng) => {
    const i = at(rng, t);
    return t.slice(0, i) + '\u0000'.repeat(1 + randInt(rng, 64)) + t.slice(i);
  },
  'bom-mid-file': (t, rng) => {
    const i = at(rng, t);
    return t.slice(0, i) + '\uFEFF' + t.slice(i);
  },
  'many-columns': (t) => {
    const nl = t.indexOf('\n');
    const cols = Array.from({ length: 5000 }, (_, i) => `C${i}`).join(',');
    return nl < 0 ? t + ',' + cols : t.slice(0, nl) + ',' + cols + t.slice(nl);
  },
  'key-formula': (t, rng) => t.replace(/e17a0000/, pick(rng, ['=cmd|', '+e17a', '-e17a', '@e17a'])),
  'trailing-garbage': (t, rng) => t + pick(rng, ['\n}', ']', ',', '\n{"x":', '\n"', '\u0000', 'garbage']),
  'empty-values': (t) => t.replace(/user\d@org\.nl/g, ''),
};

/** Bytes of a mutated text, sometimes with an encoding accident on top. */
function encode(text: string, utf16: boolean, rng: Rng): Buffer {
  const r = rng();
  if (utf16) {
    const body = Buffer.from(text, 'utf16le');
    // A UTF-16 file cut at an odd byte, or without its BOM.
    if (r < 0.2) return Buffer.concat([Buffer.from([0xff, 0xfe]), body.subarray(0, Math.max(0, body.length - 1))]);
    if (r < 0.4) return body;
    return Buffer.concat([Buffer.from([0xff, 0xfe]), body]);
  }
  if (r < 0.08) return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0xc3, 0x28, 0xa0, 0xff])]); // invalid UTF-8
  if (r < 0.14) return Buffer.from(text, 'latin1'); // a legacy ANSI code page
  if (r < 0.2) return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  return Buffer.from(text, 'utf8');
}

/** `count` malformed inputs from `seed`: every mutation is used, on every kind of base. */
export function fuzzInputs(seed: number, count: number): FuzzInput[] {
  const rng = mulberry32(seed);
  const all = bases();
  const names = Object.keys(MUTATIONS);
  const out: FuzzInput[] = [];
  for (let n = 0; n < count; n++) {
    const base = all[n % all.length]!;
    // The first mutation cycles so each one meets each base; one or two more are random.
    const chosen = [names[Math.floor(n / all.length) % names.length]!];
    for (let k = randInt(rng, 3); k > 0; k--) chosen.push(pick(rng, names));
    let text = base.text;
    for (const m of chosen) text = MUTATIONS[m]!(text, rng);
    out.push({ label: `#${n} ${base.label} + ${chosen.join(' + ')}`, name: base.name, bytes: encode(text, Boolean(base.utf16), rng) });
  }
  return out;
}
