/** Accounts, plans, the emulator and the client for the apply integration tests (real emulator over HTTP). */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { ApplyReportSettings } from '../../src/cli/applyReport.js';
import type { CommandContext } from '../../src/cli/context.js';
import { resolveZivverConnection } from '../../src/cli/options.js';
import { accountFingerprint, rowCheck } from '../../src/core/fingerprint.js';
import type { PlanDocument, PlanRow } from '../../src/core/types.js';
import { startEmulator, type EmulatorHandle, type EmulatorOptions, type EmulatorUser } from '../../src/emulator/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { createScimClient } from '../../src/zivver/client.js';
import { testSecret } from '../helpers/secrets.js';

export const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const ZIV = 'urn:ietf:params:scim:schemas:zivver:0.1:User';

/** Accounts with everything a PUT could lose: aliases, delegates, nickName, division, phones, disabled, unknown keys. */
export function richUsers(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => {
    const u: Record<string, unknown> = {
      schemas: [CORE, ENT, ZIV],
      id: randomUUID(),
      userName: `person${i}@zorg-${i % 3}.nl`,
      name: { formatted: `Person ${i} van Dijk` },
      active: i % 4 !== 3,
      [ENT]: { division: i % 2 ? '/' : `/Afdeling ${i}` },
    };
    if (i % 2 === 0) u.nickName = `P${i}`;
    if (i % 3 !== 2) u.phoneNumbers = [{ value: `+31 6 1234 ${String(i).padStart(4, '0')}`, type: 'mobile' }];
    if (i % 5 !== 4) {
      u[ZIV] = {
        SsoAccountKey: `old-key-${i}`,
        aliases: i % 2 ? [`p${i}@zorg-${i % 3}.nl`, `person.${i}@oud.nl`] : [],
        delegates: i % 3 === 0 ? [`person${i + 1}@zorg-${(i + 1) % 3}.nl`] : [],
        ...(i % 4 === 1 ? { futureSetting: { level: i, on: true } } : {}),
      };
    }
    return u;
  });
}

/** The API key of every emulator these tests start (made at run time). */
export const API_KEY = testSecret('apply-it-key');
export const apiKeyEnv = (): { ZIVVER_API_KEY: string } => ({ ZIVVER_API_KEY: API_KEY });

/** An emulator on an ephemeral 127.0.0.1 port with API_KEY; four rich accounts unless opts.users says otherwise. */
export async function applyEmulator(opts: Partial<EmulatorOptions> = {}): Promise<EmulatorHandle> {
  return startEmulator({ host: '127.0.0.1', port: 0, apiKey: API_KEY, users: richUsers(4), ...opts });
}

/** The real SCIM client for an emulator: a generous rate limit and fast retries. */
export function applyClient(emu: EmulatorHandle, over: Record<string, unknown> = {}) {
  return createScimClient({ baseUrl: emu.url, apiKey: API_KEY, rateLimit: { requests: 1000, seconds: 1 }, retryBaseMs: 20, retryMaxMs: 200, ...over });
}

/** A temp dir with plan.json for the accounts `pick` chooses, and the apply settings for it. */
export async function applySetup(emu: EmulatorHandle, pick: (n: number) => boolean, concurrency: number) {
  const dir = await tmpDir();
  const planned = emu.users().filter((_, i) => pick(i));
  const plan = planFor(emu.url, planned);
  const planFile = path.join(dir, 'plan.json');
  await fs.writeFile(planFile, JSON.stringify(plan, null, 2));
  const args: ApplyReportSettings = {
    plan,
    planName: 'plan.json',
    planFile,
    zivver: resolveZivverConnection({ zivverUrl: emu.url, rateLimit: '1000/1' }, {}),
    whatIf: false,
    concurrency,
    read: 'fresh',
    maxReadAge: 30,
    ledgerFile: path.join(dir, 'ledger.jsonl'),
    allowOtherUrl: false,
    output: 'jsonl',
    csvDelimiter: ',',
    csvBom: false,
  };
  return { dir, plan, planFile, args, ctx: testCtx(dir) };
}

export function planFor(url: string, users: Pick<EmulatorUser, 'id' | 'userName'>[], key = (i: number) => `0000000${i % 10}-aaaa-4bbb-8ccc-${String(i).padStart(12, '0')}`): PlanDocument {
  const rows: PlanRow[] = users.map((u, i) => {
    const r: PlanRow = {
      line: i + 2,
      input: 'mailboxes.csv',
      email: u.userName,
      zivverId: u.id,
      userName: u.userName,
      newKey: key(i),
      action: 'set',
      reason: 'new key from ExternalDirectoryObjectId',
      fingerprint: accountFingerprint(u.id, u.userName),
    };
    return { ...r, check: rowCheck(r) };
  });
  return {
    kind: 'zivver-keyplan',
    formatVersion: 1,
    createdAt: new Date().toISOString(),
    zivverUrl: url,
    keySource: 'objectId',
    keyFormat: 'guid',
    inputs: [{ name: 'mailboxes.csv', sha256: 'x' }],
    summary: { set: rows.length, unchanged: 0, 'not-found': 0, ambiguous: 0, conflict: 0, invalid: 0, skipped: 0 },
    rows,
  };
}

export async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'zk-apply-it-'));
}

export function testCtx(cwd: string, env: NodeJS.ProcessEnv = {}, signal = new AbortController().signal): CommandContext & { out: () => string } {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  return {
    stdout,
    stderr: new PassThrough(),
    stdin: Readable.from([]),
    env,
    cwd,
    logger: silentLogger,
    progress: { start() {}, update() {}, end() {} },
    signal,
    out: () => out,
  };
}

/**
 * Every stored attribute of every account, with the key taken out (compared separately). Empty
 * arrays and nulls are dropped: RFC 7643 §2.5 makes them equivalent to an unassigned attribute
 * (and the emulator stores `aliases: []` sent back by a PUT as absent).
 */
export function withoutKeys(users: EmulatorUser[]): Map<string, Record<string, unknown>> {
  const m = new Map<string, Record<string, unknown>>();
  for (const u of users) {
    const c = dropEmpty(structuredClone(u)) as Record<string, unknown>;
    const z = c[ZIV] as Record<string, unknown> | undefined;
    if (z) {
      delete z.SsoAccountKey;
      if (Object.keys(z).length === 0) delete c[ZIV];
    }
    m.set(u.id, c);
  }
  return m;
}

function dropEmpty(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropEmpty);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === null || x === undefined || (Array.isArray(x) && x.length === 0)) continue;
      out[k] = dropEmpty(x);
    }
    return out;
  }
  return v;
}
