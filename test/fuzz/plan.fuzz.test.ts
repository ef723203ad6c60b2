/**
 * The fuzz suite: malformed inputs made at test time from a fixed seed (test/fuzz/inputs.ts), each
 * through `plan` against the emulator with a time bound. Whatever the input: exit 0 or 2, on exit 2
 * one message and not a single request sent, on exit 0 only reads, never a write to Zivver. Most run
 * in this process (fast); a sample runs as real processes, where a hang or a crash could not hide.
 * Plus fast-check properties for the readers: any bytes are users or one InputError.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../src/emulator/index.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { InputError } from '../../src/errors.js';
import { parseInputBuffer } from '../../src/sources/index.js';
import { parsePlanText } from '../../src/store/planRead.js';
import { runCli, runInProcess, type RunResult } from '../helpers/cli.js';
import { testSecret } from '../helpers/secrets.js';
import { fuzzInputs, type FuzzInput } from './inputs.js';

const SEED = 0x16f022;
const COUNT = 320;
/** How many of them also run as real processes. */
const PROCESS_SAMPLE = 12;
const API_KEY = testSecret('fuzz-key');
const ZIVVER = 'urn:ietf:params:scim:schemas:zivver:0.1:User';

function users() {
  return Array.from({ length: 4 }, (_, i) => ({
    id: `0000aaaa-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    userName: `user${i + 1}@org.nl`,
    name: { formatted: `User ${i + 1}` },
    active: true,
    [ZIVVER]: { aliases: [`alias.user${i + 1}@org.nl`], delegates: [], SsoAccountKey: `old-${i + 1}` },
  }));
}

/** Resolves with the run, or with 'timeout' when it took longer than ms (a hang). */
function bounded(run: Promise<RunResult>, ms: number): Promise<RunResult | 'timeout'> {
  let timer: NodeJS.Timeout;
  return Promise.race([run, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]).finally(() => clearTimeout(timer));
}

function checkOutcome(input: FuzzInput, r: RunResult | 'timeout', emu: EmulatorHandle): string[] {
  const problems: string[] = [];
  if (r === 'timeout') return [`${input.label}: no answer within the time bound (a hang)`];
  const writes = Object.entries(emu.stats.byMethod).filter(([m]) => m !== 'GET' && m !== 'HEAD');
  if (writes.length) problems.push(`${input.label}: sent ${JSON.stringify(writes)} to Zivver`);
  if (r.code !== 0 && r.code !== 2) problems.push(`${input.label}: exit ${r.code}\n${r.stderr.slice(0, 600)}`);
  if (r.code === 2) {
    const errors = r.stderr.match(/^error:/gm) ?? [];
    if (errors.length !== 1) problems.push(`${input.label}: ${errors.length} error messages\n${r.stderr.slice(0, 600)}`);
    if (emu.stats.requests !== 0) problems.push(`${input.label}: exit 2 after ${emu.stats.requests} request(s)`);
  }
  if (/bug in zivver-keytool|Maximum call stack|\n\s+at .+:\d+:\d+\)/.test(r.stderr)) problems.push(`${input.label}: a crash\n${r.stderr.slice(0, 600)}`);
  // Messages are cut and escaped: no raw control bytes other than line breaks, no megabyte echoes.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/.test(r.stderr)) problems.push(`${input.label}: a raw control character on stderr`);
  if (r.stderr.length > 20_000) problems.push(`${input.label}: ${r.stderr.length} characters on stderr`);
  return problems;
}

describe('fuzz: malformed inputs through plan', function () {
  this.timeout(600_000);
  const inputs = fuzzInputs(SEED, COUNT);
  let dir: string;
  let emu: EmulatorHandle;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-fuzz-'));
    emu = await startEmulator({ apiKey: API_KEY, users: users(), rateLimit: null });
    await Promise.all(inputs.map((input, i) => writeFile(path.join(dir, `${i}-${input.name}`), input.bytes)));
  });
  after(async () => {
    await emu?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const argv = (i: number) => ['plan', '--input', `${i}-${inputs[i]!.name}`, '--zivver-url', emu.url, '--ignore-ledger', '--progress', 'none', '--output', 'jsonl'];

  it(`makes ${COUNT} inputs from seed ${SEED}, every mutation on every kind of input`, () => {
    expect(inputs).to.have.length(COUNT);
    expect(new Set(inputs.map((i) => i.bytes.toString('base64'))).size, 'distinct inputs').to.be.greaterThan(COUNT * 0.9);
    expect(fuzzInputs(SEED, 5).map((i) => i.bytes.toString('hex'))).to.deep.equal(inputs.slice(0, 5).map((i) => i.bytes.toString('hex')));
  });

  it('each ends with exit 0 or 2, one message, and nothing written to Zivver (in process)', async () => {
    const problems: string[] = [];
    const codes = { 0: 0, 2: 0 } as Record<number, number>;
    for (let i = 0; i < inputs.length; i++) {
      emu.resetStats();
      const r = await bounded(runInProcess(argv(i), { env: { ZIVVER_API_KEY: API_KEY }, cwd: dir }), 60_000);
      problems.push(...checkOutcome(inputs[i]!, r, emu));
      if (r !== 'timeout') codes[r.code] = (codes[r.code] ?? 0) + 1;
    }
    expect(problems, problems.join('\n\n')).to.deep.equal([]);
    // The suite must exercise both ends: inputs refused and inputs still planned.
    expect(codes[2], 'refused').to.be.greaterThan(COUNT / 10);
    expect(codes[0], 'planned').to.be.greaterThan(COUNT / 10);
  });

  it(`a sample of ${PROCESS_SAMPLE} as real processes, killed if they hang`, async () => {
    const problems: string[] = [];
    const step = Math.floor(COUNT / PROCESS_SAMPLE);
    for (let k = 0; k < PROCESS_SAMPLE; k++) {
      const i = k * step + (k % step);
      emu.resetStats();
      const r = await runCli(argv(i), { env: { ZIVVER_API_KEY: API_KEY }, cwd: dir, timeoutMs: 90_000 });
      // runCli kills a child that outlives its bound; it then has no exit code of its own.
      problems.push(...checkOutcome(inputs[i]!, r.code === -1 ? 'timeout' : r, emu));
    }
    expect(problems, problems.join('\n\n')).to.deep.equal([]);
  });
});

describe('fuzz: properties of the readers (fast-check)', function () {
  this.timeout(120_000);
  const onlyInputErrors = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      expect(err.toString().length, 'message length').to.be.below(20_000);
    }
  };

  it('any bytes are users or one InputError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom('u.csv', 'u.json', 'u.jsonl'), fc.constantFrom('auto', 'csv', 'json', 'jsonl') as fc.Arbitrary<'auto' | 'csv' | 'json' | 'jsonl'>, (bytes, name, format) =>
        onlyInputErrors(() => parseInputBuffer(name, bytes, { format, keySource: { kind: 'objectId' } })),
      ),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('any JSON value (deep, odd property names, duplicates after case folding) is users or one InputError', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => onlyInputErrors(() => parseInputBuffer('u.json', Buffer.from(JSON.stringify(v)), { format: 'auto' }))),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('any CSV-like text is users or one InputError', () => {
    const cell = fc.stringMatching(/^[a-zA-Z0-9@.;,"\t \r\n\u0000\u200b=+-]{0,12}$/);
    fc.assert(
      fc.property(fc.array(fc.array(cell, { maxLength: 6 }), { maxLength: 8 }), fc.constantFrom(',', ';', '\t'), (table, d) =>
        onlyInputErrors(() => parseInputBuffer('u.csv', Buffer.from(['PrimarySmtpAddress,Id', ...table.map((r) => r.join(d))].join('\n')), { format: 'auto' })),
      ),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('any text as a plan is a plan or one InputError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v))), (text) => onlyInputErrors(() => parsePlanText(text, 'p.csv'))),
      { seed: SEED, numRuns: 400 },
    );
  });
});
