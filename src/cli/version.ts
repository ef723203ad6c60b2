/**
 * Version information. build/ may define __KEYTOOL_VERSION__ and __KEYTOOL_COMMIT__ when bundling
 * the exe; from a checkout we read package.json and ask nothing else.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

declare const __KEYTOOL_VERSION__: string | undefined;
declare const __KEYTOOL_COMMIT__: string | undefined;

export function toolVersion(): string {
  if (typeof __KEYTOOL_VERSION__ !== 'undefined' && __KEYTOOL_VERSION__) return __KEYTOOL_VERSION__;
  try {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const pkg = JSON.parse(readFileSync(path.join(here, '..', '..', 'package.json'), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

export function buildCommit(): string {
  if (typeof __KEYTOOL_COMMIT__ !== 'undefined' && __KEYTOOL_COMMIT__) return __KEYTOOL_COMMIT__;
  return checkoutCommit() ?? 'source checkout';
}

/** The commit of a git checkout we run from, read from .git without starting git. */
function checkoutCommit(): string | undefined {
  try {
    const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
    const gitDir = path.join(root, '.git');
    const head = readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    let sha = head;
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (ref) {
      try {
        sha = readFileSync(path.join(gitDir, ref), 'utf8').trim();
      } catch {
        const packed = readFileSync(path.join(gitDir, 'packed-refs'), 'utf8');
        sha = packed.split('\n').find((l) => l.endsWith(` ${ref}`))?.split(' ')[0] ?? '';
      }
    }
    return /^[0-9a-f]{40}$/.test(sha) ? `${sha.slice(0, 7)} (checkout)` : undefined;
  } catch {
    return undefined;
  }
}

export function versionString(): string {
  return `zivver-keytool ${toolVersion()} (node ${process.version}, commit ${buildCommit()})`;
}
