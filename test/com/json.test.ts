/**
 * The COM bridge's JSON reader (com/json.c), compiled for Windows with mingw-w64 and run under Wine
 * (test/com/json-check.c): every value fast-check generates (also with every non-ASCII character
 * written as a \u escape, and pretty-printed) must read back as JSON.parse reads it, json_member must
 * find every key, and malformed documents, nesting beyond 64 levels and trailing data are refused.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildTestExe, comToolchainMissing } from '../../build/com.js';
import { OUT_DIR, REPO_ROOT } from '../../build/config.js';
import { findWine, requireOrSkip, wineBaseEnv, winPath } from '../helpers/wine.js';

const EXE = path.join(OUT_DIR, 'com', 'json-check.exe');

/** Lone surrogates cannot be UTF-8: the reader makes them U+FFFD, as a well-formed string would. */
function wellFormed(v: unknown): unknown {
  if (typeof v === 'string') return (v as string & { toWellFormed(): string }).toWellFormed();
  if (Array.isArray(v)) return v.map(wellFormed);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [wellFormed(k) as string, wellFormed(x)]));
  return v;
}
const escapeNonAscii = (s: string) => s.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('COM bridge: the JSON reader (com/json.c) under Wine', function () {
  this.timeout(5 * 60_000);
  let dir = '';

  before(function () {
    this.timeout(10 * 60_000);
    requireOrSkip(this, 'wine');
    const missing = comToolchainMissing();
    if (missing) {
      if (process.env.KEYTOOL_REQUIRE_ALL === '1') throw new Error(`needs ${missing} — KEYTOOL_REQUIRE_ALL=1, so this is a failure, not a skip`);
      process.stderr.write(`      [skipped] COM JSON reader: ${missing}\n`);
      this.skip();
    }
    buildTestExe([path.join(REPO_ROOT, 'test', 'com', 'json-check.c'), path.join(REPO_ROOT, 'com', 'json.c')], EXE, { wmain: false });
    dir = mkdtempSync(path.join(os.tmpdir(), 'keytool-json-check-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the harness over the cases; one output line per case. */
  function check(cases: string[]): { lines: string[]; memberFailures: number } {
    const input = Buffer.concat(
      cases.flatMap((c) => {
        const b = Buffer.from(c, 'utf8');
        const len = Buffer.alloc(4);
        len.writeUInt32LE(b.length);
        return [len, b];
      }),
    );
    const inFile = path.join(dir, 'cases.bin');
    const outFile = path.join(dir, 'out.txt');
    writeFileSync(inFile, input);
    rmSync(outFile, { force: true });
    const r = spawnSync(findWine()!, [EXE, winPath(inFile), winPath(outFile)], { env: wineBaseEnv(), stdio: 'ignore', timeout: 120_000 });
    expect(r.status, 'json-check.exe exit code').to.equal(0);
    const lines = readFileSync(outFile, 'utf8').split('\n').filter(Boolean);
    const last = lines.pop()!;
    expect(last).to.match(/^member-failures \d+$/);
    expect(lines).to.have.length(cases.length);
    return { lines, memberFailures: Number(last.split(' ')[1]) };
  }

  it('reads every generated JSON value as JSON.parse does (raw UTF-8, \\u escapes, pretty-printed)', () => {
    const values = fc.sample(fc.jsonValue({ maxDepth: 5, stringUnit: 'binary' }), { numRuns: 300, seed: 12 });
    const cases = values.flatMap((v) => {
      const text = JSON.stringify(v);
      return [text, escapeNonAscii(text), JSON.stringify(v, null, 2)];
    });
    // what the keytool prints, and edge cases by hand
    cases.push('\uFEFF{"a":1}', ' [ 1 , -0.5e+3 , 1E-2 , 0 ] ', '"\\ud83d\\ude00 \\u00e9 \\/ \\b\\f\\n\\r\\t"', '{"k\\u0065y":"v","key":"w"}', '[]', '{}');
    const { lines, memberFailures } = check(cases);
    cases.forEach((c, i) => {
      const line = lines[i]!;
      expect(line.startsWith('ok '), `case ${i} ${JSON.stringify(c).slice(0, 200)}: ${line}`).to.equal(true);
      expect(JSON.parse(line.slice(3)), `case ${i} ${JSON.stringify(c).slice(0, 200)}`).to.deep.equal(wellFormed(JSON.parse(c.replace(/^\uFEFF/, ''))));
    });
    expect(memberFailures, 'json_member could not find a key').to.equal(0);
  });

  it('refuses malformed documents, nesting deeper than 64 and trailing data', () => {
    const bad = ['', ' ', '[1,]', '{"a":1,}', '{"a" 1}', '{a:1}', '[1 2]', '"abc', '"\\x"', '"\\u12"', '"\\u12g4"', '01', '1.', '-', '1e', '.5', '+1', 'tru', 'nul', 'True', '"a\u0001b"', '[1]]', '{} {}', '[', '{"a":', '[1,2', '"\\'];
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const { lines } = check([...bad, deep(64), deep(65), deep(5000)]);
    bad.forEach((c, i) => expect(lines[i], `case ${JSON.stringify(c)}`).to.match(/^error \d+ /));
    expect(lines[bad.length], '64 levels are fine').to.match(/^ok /);
    expect(lines[bad.length + 1]).to.match(/^error \d+ nested too deeply/);
    expect(lines[bad.length + 2]).to.match(/^error \d+ nested too deeply/);
  });
});
