/**
 * `npm run build:release` (after build:exe) →
 *   build/out/ZivverAccountKey/                 the PowerShell module from ps/ (without its tests)
 *     bin/zivver-keytool.exe                    the exe the module runs
 *     bin/zivver-keytool-bridge.dll             the COM bridge for 64-bit hosts (docs/com.md), beside the exe it starts
 *     bin/zivver-keytool-bridge-x86.dll         the COM bridge for 32-bit hosts
 *     THIRD-PARTY-NOTICES.txt                   licenses of what the exe bundles
 *   build/out/ZivverAccountKey-<version>.zip    that folder, to unzip into a PSModulePath folder
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageVersion } from './bundle.js';
import { buildCom } from './com.js';
import { EXE_NAME, EXE_PATH, MODULE_NAME, NODE_VERSION, OUT_DIR, REPO_ROOT } from './config.js';
import { readStamp } from './stamp.js';
import { writeZip, type ZipInput } from './zip.js';

/** ps/ files that are not part of the shipped module. */
function isTestPath(rel: string): boolean {
  const parts = rel.split(/[\\/]/);
  return (
    /\.Tests\.ps1$/i.test(rel) ||
    parts.some((p) => /^(tests?|__tests__|TestResults)$/i.test(p)) ||
    /\.(log|tmp)$/i.test(rel)
  );
}

function* walk(dir: string, base = dir): Generator<string> {
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) yield* walk(p, base);
    else if (ent.isFile()) yield path.relative(base, p);
  }
}

function licenseText(pkgDir: string): string | undefined {
  if (!existsSync(pkgDir)) return undefined;
  const f = readdirSync(pkgDir).find((n) => /^(licen[cs]e|copying)(\.|$)/i.test(n));
  return f ? readFileSync(path.join(pkgDir, f), 'utf8').trim() : undefined;
}

function thirdPartyNotices(packages: Record<string, string>): string {
  const parts = [
    `zivver-keytool.exe bundles the following software.\n`,
    `Node.js ${NODE_VERSION} (the executable itself): MIT License and the licenses of its bundled dependencies,\n` +
      `see https://github.com/nodejs/node/blob/v${NODE_VERSION}/LICENSE\n`,
  ];
  for (const name of Object.keys(packages).sort()) {
    const dir = path.join(REPO_ROOT, 'node_modules', name);
    let license = '?';
    try {
      license = String((JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { license?: string }).license ?? '?');
    } catch {
      /* keep '?' */
    }
    parts.push(`${'-'.repeat(78)}\n${name} ${packages[name]} (${license})\n\n${licenseText(dir) ?? '(no license file in the package)'}\n`);
  }
  return parts.join('\n');
}

export function buildRelease(log = (m: string) => console.log(`build:release: ${m}`)): { dir: string; zip: string } {
  const version = packageVersion();
  const psDir = path.join(REPO_ROOT, 'ps');
  if (!existsSync(path.join(psDir, `${MODULE_NAME}.psd1`))) throw new Error(`ps/${MODULE_NAME}.psd1 is missing`);
  const psd1 = readFileSync(path.join(psDir, `${MODULE_NAME}.psd1`), 'utf8');
  const moduleVersion = /ModuleVersion\s*=\s*'([^']+)'/.exec(psd1)?.[1];
  if (moduleVersion !== version) {
    throw new Error(`ps/${MODULE_NAME}.psd1 has ModuleVersion '${moduleVersion}', package.json has '${version}': make them agree before releasing`);
  }
  if (!existsSync(EXE_PATH)) throw new Error(`${EXE_PATH} is missing: run npm run build:exe first`);
  const stamp = readStamp();

  const dir = path.join(OUT_DIR, MODULE_NAME);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  const files: string[] = [];
  for (const rel of walk(psDir)) {
    if (isTestPath(rel)) continue;
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    cpSync(path.join(psDir, rel), path.join(dir, rel));
    files.push(rel);
  }
  cpSync(EXE_PATH, path.join(dir, 'bin', EXE_NAME));
  // The COM bridge DLLs start the exe beside them (mingw-w64: .ci/install-30-mingw.sh).
  const com = buildCom(log);
  for (const dll of [com.x64, com.x86]) cpSync(dll, path.join(dir, 'bin', path.basename(dll)));
  const packages = (stamp as unknown as { packages?: Record<string, string> } | undefined)?.packages ?? {};
  writeFileSync(path.join(dir, 'THIRD-PARTY-NOTICES.txt'), thirdPartyNotices(packages));
  for (const extra of ['README.md', 'CHANGELOG.md', 'LICENSE']) {
    if (existsSync(path.join(REPO_ROOT, extra))) cpSync(path.join(REPO_ROOT, extra), path.join(dir, extra));
  }
  log(`${path.relative(REPO_ROOT, dir)}: ${files.length} module files + bin/${EXE_NAME} + the COM bridge DLLs`);

  // One timestamp for every entry: the commit's time (reproducible), else now.
  let mtime = new Date();
  try {
    const ct = execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (ct) mtime = new Date(Number(ct) * 1000);
  } catch {
    /* not a checkout */
  }
  const inputs: ZipInput[] = [...walk(dir)].map((rel) => ({
    name: `${MODULE_NAME}/${rel.split(path.sep).join('/')}`,
    data: readFileSync(path.join(dir, rel)),
  }));
  const zip = path.join(OUT_DIR, `${MODULE_NAME}-${version}.zip`);
  const started = Date.now();
  const z = writeZip(zip, inputs, mtime);
  log(`${path.relative(REPO_ROOT, zip)}: ${z.entries} entries, ${(statSync(zip).size / 1024 / 1024).toFixed(1)} MiB (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  return { dir, zip };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename ?? '');
if (isMain) {
  try {
    buildRelease();
  } catch (err) {
    console.error(`build:release failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
