/**
 * The import rule of ARCHITECTURE.md, checked on every import in src/: layers only look down.
 * A new arrow pointing up (or sideways where the table forbids it) fails here, naming the file,
 * the line and the import.
 */
import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './helpers/cli.js';

const SRC = path.join(REPO_ROOT, 'src');

/**
 * What each part of src/ may import (besides itself). `errors` is src/errors.ts. The command line
 * (cli) may import everything; nothing may import it.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  cli: ['plan', 'apply', 'report', 'sources', 'store', 'zivver', 'core', 'util', 'errors', 'emulator'],
  plan: ['sources', 'store', 'zivver', 'core', 'util', 'errors'],
  apply: ['store', 'zivver', 'core', 'util', 'errors'],
  // The HTML reports: pure rendering of plan documents and result rows (core's record types).
  report: ['core', 'util', 'errors'],
  sources: ['core', 'util', 'errors'],
  store: ['core', 'util', 'errors'],
  zivver: ['core', 'util', 'errors'],
  // The emulator stands in for Zivver: it shares no code with the client it is tested against.
  emulator: ['util', 'errors'],
  // The pure core is below util: util may use its text helpers (src/core/shown.ts).
  util: ['core', 'errors'],
  core: [],
  errors: [],
};
/** Packages the pure core may use (hashing is not I/O). */
const CORE_PACKAGES = ['node:crypto'];

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourceFiles(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function partOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? rel[0]!.replace(/\.ts$/, '') : rel[0]!;
}

/** Every import specifier with its line: static imports, re-exports, dynamic import(), import('…') types. */
function importsOf(text: string): { line: number; spec: string }[] {
  const found: { line: number; spec: string }[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\1/g;
  for (const m of text.matchAll(re)) found.push({ line: text.slice(0, m.index).split('\n').length, spec: m[2]! });
  return found;
}

describe('architecture: layers only look down', () => {
  it('no file in src/ imports a part it may not (nothing below src/cli imports src/cli)', async () => {
    const files = await sourceFiles(SRC);
    expect(files.length).to.be.greaterThan(40);
    const wrong: string[] = [];
    let checked = 0;
    for (const file of files) {
      const from = partOf(file);
      const allowed = MAY_IMPORT[from];
      if (!allowed) {
        wrong.push(`${path.relative(REPO_ROOT, file)}: src/${from} is not in the table of ARCHITECTURE.md (add it there and here)`);
        continue;
      }
      for (const { line, spec } of importsOf(await fs.readFile(file, 'utf8'))) {
        checked++;
        if (!spec.startsWith('.')) {
          if (from === 'core' && !CORE_PACKAGES.includes(spec)) wrong.push(`${path.relative(REPO_ROOT, file)}:${line}: the pure core imports ${spec}`);
          continue;
        }
        const target = path.resolve(path.dirname(file), spec);
        if (!target.startsWith(SRC + path.sep)) {
          wrong.push(`${path.relative(REPO_ROOT, file)}:${line}: imports ${spec}, outside src/`);
          continue;
        }
        const to = partOf(target.replace(/\.js$/, '.ts'));
        if (to !== from && !allowed.includes(to)) wrong.push(`${path.relative(REPO_ROOT, file)}:${line}: src/${from} imports src/${to} (${spec})`);
      }
    }
    expect(checked).to.be.greaterThan(100);
    expect(wrong, wrong.join('\n')).to.deep.equal([]);
  });

  it('no files import each other in a loop (a loop means one of them holds what belongs elsewhere)', async () => {
    const graph = new Map<string, string[]>();
    for (const file of await sourceFiles(SRC)) {
      const targets = importsOf(await fs.readFile(file, 'utf8'))
        .filter(({ spec }) => spec.startsWith('.'))
        .map(({ spec }) => path.relative(REPO_ROOT, path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts')));
      graph.set(path.relative(REPO_ROOT, file), targets);
    }
    const loops = importLoops(graph);
    expect(loops, loops.map((l) => l.join(' -> ')).join('\n')).to.deep.equal([]);
  });

  it('the loop check sees a loop of two and of three files, and none in a line', () => {
    expect(importLoops(new Map([['a', ['b']], ['b', ['a']], ['c', ['a']]]))).to.deep.equal([['a', 'b', 'a']]);
    expect(importLoops(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).to.have.length(1);
    expect(importLoops(new Map([['a', ['b']], ['b', ['c']], ['c', []]]))).to.deep.equal([]);
  });

  it('the check sees an upward arrow (a file below src/cli importing src/cli fails)', () => {
    const imports = importsOf(`import type { X } from '../cli/options.js';\nconst m = await import('../../cli/render.js');\nexport { y } from "../cli/context.js";`);
    expect(imports.map((i) => i.spec)).to.deep.equal(['../cli/options.js', '../../cli/render.js', '../cli/context.js']);
    expect(imports.map((i) => i.line)).to.deep.equal([1, 2, 3]);
    const apply = path.join(SRC, 'apply', 'run.ts');
    expect(partOf(path.resolve(path.dirname(apply), '../cli/options.ts'))).to.equal('cli');
    expect(MAY_IMPORT.apply).to.not.include('cli');
  });
});

/** Each loop of imports once (depth-first; a loop is reported from the file where the search met it). */
function importLoops(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const loops: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') loops.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return loops;
}
