/**
 * `npm run build:com` → the COM bridge (com/), cross-compiled with mingw-w64 (.ci/install-30-mingw.sh):
 *   build/out/zivver-keytool-bridge.dll        Windows x64 (64-bit hosts: cscript, wscript, 64-bit Office, IIS)
 *   build/out/zivver-keytool-bridge-x86.dll    Windows x86 (32-bit hosts: SysWOW64\cscript, 32-bit Office)
 * Each: widl makes the header, the GUIDs and the type library from com/bridge.idl; windres embeds the
 * type library (resource TYPELIB 1) and the version; gcc links the DLL with com/bridge.def's exports.
 * Both sit beside zivver-keytool.exe, which they start (the exe is x64 either way).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { packageVersion } from './bundle.js';
import { OUT_DIR, REPO_ROOT } from './config.js';

export const COM_DIR = path.join(REPO_ROOT, 'com');
export const BRIDGE_DLL_X64 = path.join(OUT_DIR, 'zivver-keytool-bridge.dll');
export const BRIDGE_DLL_X86 = path.join(OUT_DIR, 'zivver-keytool-bridge-x86.dll');
const SOURCES = ['bridge.c', 'run.c', 'register.c', 'json.c'];

export type ComArch = 'x64' | 'x86';
const TRIPLET: Record<ComArch, string> = { x64: 'x86_64-w64-mingw32', x86: 'i686-w64-mingw32' };

function tool(arch: ComArch, name: string): string {
  return `${TRIPLET[arch]}-${name}`;
}

function have(cmd: string, versionFlag = '--version'): boolean {
  try {
    execFileSync(cmd, [versionFlag], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Where Debian keeps the IDL files widl imports (libwine-dev) and stdole2.tlb (libwine). */
function findUnder(roots: string[], file: string, depth = 4): string | undefined {
  for (const root of roots) {
    if (!existsSync(root)) continue;
    const stack: [string, number][] = [[root, 0]];
    while (stack.length) {
      const [dir, d] = stack.pop()!;
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      if (entries.some((e) => e.name === file && !e.isDirectory())) return dir;
      if (d < depth) for (const e of entries) if (e.isDirectory()) stack.push([path.join(dir, e.name), d + 1]);
    }
  }
  return undefined;
}

/** What is missing to build the bridge here, or undefined when everything is present. */
export function comToolchainMissing(): string | undefined {
  const missing: string[] = [];
  for (const arch of ['x64', 'x86'] as ComArch[]) {
    if (!have(tool(arch, 'gcc'))) missing.push(tool(arch, 'gcc'));
  }
  if (!have(tool('x64', 'widl'), '-V')) missing.push('widl (mingw-w64-tools)');
  if (!findUnder(['/usr/include/wine', '/usr/share/mingw-w64/include'], 'oaidl.idl')) missing.push('oaidl.idl (libwine-dev)');
  if (!findUnder(['/usr/lib/x86_64-linux-gnu/wine', '/usr/lib/wine', '/usr/lib64/wine'], 'stdole2.tlb')) missing.push('stdole2.tlb (libwine)');
  return missing.length ? `${missing.join(', ')} not found: run .ci/install-30-mingw.sh` : undefined;
}

function run(cmd: string, args: string[], cwd = COM_DIR): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${cmd} failed: ${(e.stderr || e.stdout || e.message).trim().slice(0, 4000)}`);
  }
}

/** Builds the bridge DLL for one architecture into `out`. */
export function buildBridgeDll(arch: ComArch, out: string): void {
  const missing = comToolchainMissing();
  if (missing) throw new Error(missing);
  const version = packageVersion();
  const [major, minor, patch] = version.split(/[.+-]/).map((n) => Number.parseInt(n, 10) || 0);
  const work = path.join(OUT_DIR, 'com', arch);
  mkdirSync(work, { recursive: true });
  mkdirSync(path.dirname(out), { recursive: true });
  const idlDir = findUnder(['/usr/include/wine', '/usr/share/mingw-w64/include'], 'oaidl.idl')!;
  const tlbDir = findUnder(['/usr/lib/x86_64-linux-gnu/wine', '/usr/lib/wine', '/usr/lib64/wine'], 'stdole2.tlb')!;
  const w = (f: string) => path.join(work, f);
  run(tool('x64', 'widl'), [
    `-I${idlDir}`,
    `-L${tlbDir}`,
    arch === 'x64' ? '-m64' : '-m32',
    arch === 'x64' ? '--win64' : '--win32',
    '-h', '-H', w('bridge_h.h'),
    '-u', '-U', w('bridge_i.c'),
    '-t', '-T', w('bridge.tlb'),
    'bridge.idl',
  ]);
  run(tool(arch, 'windres'), [
    `-I${work}`,
    `-DZKT_TLB=\\"bridge.tlb\\"`,
    `-DZKT_VERSION=\\"${version}\\"`,
    `-DZKT_VERSION_MAJOR=${major}`,
    `-DZKT_VERSION_MINOR=${minor ?? 0}`,
    `-DZKT_VERSION_PATCH=${patch ?? 0}`,
    '-O', 'coff', '-o', w('bridge.res'),
    'bridge.rc',
  ]);
  run(tool(arch, 'gcc'), [
    '-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-municode', '-shared', '-s',
    '-static-libgcc',
    // the DLL finds nothing of the build machine at run time: no mingw runtime DLLs beside it
    '-Wl,--no-insert-timestamp',
    `-I${work}`, `-I${COM_DIR}`,
    `-DZKT_VERSION="${version}"`,
    '-o', out,
    ...SOURCES, w('bridge_i.c'), w('bridge.res'), 'bridge.def',
    '-loleaut32', '-lole32', '-luuid', '-ladvapi32',
  ]);
}

/** Compiles a small Windows console program (the tests' stand-ins) with the x64 toolchain. */
export function buildTestExe(sources: string[], out: string, opts: { arch?: ComArch; cwd?: string; wmain?: boolean } = {}): void {
  const arch = opts.arch ?? 'x64';
  if (!have(tool(arch, 'gcc'))) throw new Error(`${tool(arch, 'gcc')} not found: run .ci/install-30-mingw.sh`);
  mkdirSync(path.dirname(out), { recursive: true });
  run(tool(arch, 'gcc'), ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', ...(opts.wmain === false ? [] : ['-municode']), '-s', '-static-libgcc', `-I${COM_DIR}`, '-o', out, ...sources], opts.cwd ?? REPO_ROOT);
}

export function buildCom(log = (m: string) => console.log(`build:com: ${m}`)): { x64: string; x86: string } {
  const started = Date.now();
  buildBridgeDll('x64', BRIDGE_DLL_X64);
  buildBridgeDll('x86', BRIDGE_DLL_X86);
  for (const f of [BRIDGE_DLL_X64, BRIDGE_DLL_X86]) log(`${path.relative(REPO_ROOT, f)}: ${(statSync(f).size / 1024).toFixed(0)} KiB`);
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return { x64: BRIDGE_DLL_X64, x86: BRIDGE_DLL_X86 };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename ?? '');
if (isMain) {
  try {
    buildCom();
  } catch (err) {
    console.error(`build:com failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
