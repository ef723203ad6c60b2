/**
 * End to end with the shipped exe: the Zivver emulator runs in this process on 127.0.0.1; the exe
 * (under Wine) and the node entry (`node bin/zivver-keytool.js`) each run plan → apply → plan again
 * on the same sample export against a fresh emulator seeded the same way. Their plans, results,
 * ledgers, console summaries and the emulator's final state must be identical.
 */
import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSampleTenant, startEmulator } from '../../src/emulator/index.js';
import { runCli } from '../helpers/cli.js';
import { requireOrSkip, runExe, winPath } from '../helpers/wine.js';
import { exportMailboxCsv } from '../helpers/mailboxCsv.js';
import { testSecret } from '../helpers/secrets.js';

const API_KEY = testSecret('e2e-exe-key');
const SEED = 7;
const COUNT = 24; // keeps apply under the default 50-requests-per-10-seconds budget

type Runner = (argv: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) => Promise<{ code: number; stdout: string; stderr: string }>;

interface Outcome {
  codes: number[];
  summaries: string[];
  plan: unknown;
  planCsv: string;
  results: unknown[];
  ledger: unknown[];
  replan: unknown;
  users: unknown[];
  writes: number;
}

const lastLine = (s: string) => s.replace(/\r\n/g, '\n').trimEnd().split('\n').at(-1) ?? '';
const jsonLines = (s: string) => s.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
/**
 * Drops what differs between two honest runs: times, run ids, the emulator's port, and the
 * working folder (`/tmp/x/plan.json` for node is `Z:\\tmp\\x\\plan.json` for the exe).
 */
function normalize<T>(v: T, port: number, dir: string): T {
  const dirs = [winPath(dir), dir];
  const place = (s: string) => {
    for (const d of dirs) if (s.startsWith(d)) return '<dir>' + s.slice(d.length).split('\\').join('/');
    return s;
  };
  return JSON.parse(
    JSON.stringify(v, (k, val: unknown) =>
      ['at', 'time', 'started', 'finished', 'createdAt', 'planCreatedAt', 'lastModified'].includes(k)
        ? '<time>'
        : k === 'runId'
          ? '<run>'
          : typeof val === 'string'
            ? place(val).split(`:${port}/`).join(':<port>/')
            : val,
    ),
  ) as T;
}
/** Journal and ledger lines in a stable order: apply writes rows concurrently, so they finish in any order. */
const sorted = (rows: unknown[]) => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

async function scenario(run: Runner): Promise<Outcome> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-e2e-exe-'));
  const tenant = generateSampleTenant({ count: COUNT, seed: SEED });
  const emu = await startEmulator({ apiKey: API_KEY, users: tenant.users, faultSeed: SEED });
  try {
    await writeFile(path.join(dir, 'mailboxes.csv'), exportMailboxCsv(tenant.mailboxes));
    // Relative paths only, so both runs name their files the same way; the key only in the environment.
    const env = { ZIVVER_API_KEY: API_KEY, ZIVVER_KEYTOOL_LEDGER: 'ledger.jsonl' };
    const opts = { cwd: dir, env };
    const url = ['--zivver-url', emu.url];
    const steps = [
      ['plan', ...url, '--input', 'mailboxes.csv', '--out', 'plan.json', '--out', 'plan.csv'],
      ['apply', ...url, '--plan', 'plan.json'],
      ['plan', ...url, '--input', 'mailboxes.csv', '--out', 'replan.json'],
    ];
    const codes: number[] = [];
    const summaries: string[] = [];
    for (const argv of steps) {
      const r = await run(argv, opts);
      expect(r.code, `${argv[0]}: ${r.stderr}`).to.be.oneOf([0, 1]);
      expect(r.stderr + r.stdout, 'the API key must never be printed').not.to.include(API_KEY);
      codes.push(r.code);
      summaries.push(lastLine(r.stdout));
    }
    const files = await readdir(dir);
    const resultsFile = files.find((f) => f.endsWith('.results.jsonl'));
    expect(resultsFile, `results journal among ${files.join(', ')}`).to.be.a('string');
    const read = (f: string) => readFile(path.join(dir, f), 'utf8');
    return normalize(
      {
        codes,
        summaries,
        plan: JSON.parse(await read('plan.json')) as unknown,
        planCsv: await read('plan.csv'),
        results: jsonLines(await read(resultsFile!)),
        ledger: jsonLines(await read('ledger.jsonl')),
        replan: JSON.parse(await read('replan.json')) as unknown,
        users: emu.users(),
        writes: emu.stats.writes,
      },
      emu.port,
      dir,
    );
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('exe: plan and apply under Wine give what the node entry gives', function () {
  this.timeout(5 * 60_000);
  let viaNode: Outcome;
  let viaExe: Outcome;

  before(async function () {
    this.timeout(20 * 60_000);
    requireOrSkip(this, 'wine', 'exe');
    viaNode = await scenario((argv, o) => runCli(argv, o));
    viaExe = await scenario((argv, o) => runExe(argv, o));
  });

  it('the node entry really changed keys (the comparison is not between two no-ops)', () => {
    const plan = viaNode.plan as { summary: Record<string, number> };
    expect(plan.summary.set).to.be.greaterThan(0);
    expect(viaNode.writes).to.equal(plan.summary.set);
    expect(viaNode.codes).to.deep.equal([0, 0, 0]);
  });

  it('same exit codes and console summaries', () => {
    expect(viaExe.codes).to.deep.equal(viaNode.codes);
    expect(viaExe.summaries).to.deep.equal(viaNode.summaries);
  });

  it('same plan document and plan CSV', () => {
    expect(viaExe.plan).to.deep.equal(viaNode.plan);
    expect(viaExe.planCsv).to.equal(viaNode.planCsv);
  });

  it('same results journal and ledger', () => {
    expect(viaExe.results.length).to.be.greaterThan(0);
    expect(sorted(viaExe.results)).to.deep.equal(sorted(viaNode.results));
    expect(sorted(viaExe.ledger)).to.deep.equal(sorted(viaNode.ledger));
  });

  it('same final state of every Zivver account, keys included, and the same number of writes', () => {
    expect(viaExe.users).to.deep.equal(viaNode.users);
    expect(viaExe.writes).to.equal(viaNode.writes);
  });

  it('a second plan finds every applied key unchanged (the exe read its own ledger)', () => {
    expect(viaExe.replan).to.deep.equal(viaNode.replan);
    const s = (viaExe.replan as { summary: Record<string, number> }).summary;
    expect(s.set).to.equal(0);
    expect(s.unchanged).to.equal((viaExe.plan as { summary: Record<string, number> }).summary.set);
  });
});
