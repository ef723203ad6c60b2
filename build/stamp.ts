/**
 * Whether build/out/zivver-keytool.exe is up to date: a hash over everything that goes into it
 * (src/, bin/, build/*.ts, package.json, package-lock.json, the Node version and the commit),
 * written beside the exe by the build and compared by the tests before they use the exe.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { EXE_PATH, NODE_VERSION, REPO_ROOT } from './config.js';

export const STAMP_PATH = EXE_PATH + '.stamp.json';

export interface Stamp {
  inputs: string;
  version: string;
  commit: string;
  node: string;
  sea: { useCodeCache: boolean; useSnapshot: boolean };
  builtAt: string;
  exeBytes: number;
  blobBytes: number;
  bundleBytes: number;
  buildSeconds: number;
}

function* files(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const ent of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) {
      if (ent.name === 'out' || ent.name === 'cache' || ent.name === 'node_modules') continue;
      yield* files(p);
    } else if (ent.isFile()) yield p;
  }
}

/** Hash of the exe's inputs. The commit goes in too: the exe reports it. */
export function inputsHash(commit: string): string {
  const h = createHash('sha256');
  h.update(`node ${NODE_VERSION}\ncommit ${commit}\n`);
  const roots = ['src', 'bin', 'build', 'package.json', 'package-lock.json'].map((p) => path.join(REPO_ROOT, p));
  for (const root of roots) {
    const list = existsSync(root) && statSync(root).isDirectory() ? [...files(root)] : existsSync(root) ? [root] : [];
    for (const f of list) {
      h.update(path.relative(REPO_ROOT, f).split(path.sep).join('/') + '\0');
      h.update(readFileSync(f));
      h.update('\0');
    }
  }
  return h.digest('hex');
}

export function readStamp(): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(STAMP_PATH, 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** Returns why the exe must be (re)built, or undefined when it is fresh. */
export function staleReason(commit: string): string | undefined {
  if (!existsSync(EXE_PATH)) return `${path.relative(REPO_ROOT, EXE_PATH)} is missing`;
  const stamp = readStamp();
  if (!stamp) return 'no build stamp beside the exe';
  if (stamp.exeBytes !== statSync(EXE_PATH).size) return 'the exe changed since it was built';
  if (stamp.inputs !== inputsHash(commit)) return 'sources, build scripts or commit changed since the exe was built';
  return undefined;
}
