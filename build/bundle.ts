/**
 * Step 1 of the exe: bundle the compiled CLI (dist/) and every dependency into ONE CommonJS file.
 * A single-executable application runs its main script as CommonJS and its `require` only loads
 * Node built-ins, so nothing may stay external. esbuild converts the ESM-only dependencies
 * (yargs 18, csv-parse 7, ...) to CommonJS; `import.meta.url` is replaced by a shim.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { NODE_VERSION, OUT_DIR, REPO_ROOT } from './config.js';

export interface BundleInfo {
  file: string;
  version: string;
  commit: string;
  bytes: number;
  /** Packages from node_modules that ended up in the bundle (name → version). */
  packages: Record<string, string>;
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The commit the exe is built from: `git rev-parse --short HEAD`, with `-dirty` when tracked files
 * that go into the exe differ from it; 'unknown' outside a git checkout. KEYTOOL_COMMIT overrides
 * (for builds from a source archive).
 */
export function buildCommit(): string {
  if (process.env.KEYTOOL_COMMIT) return process.env.KEYTOOL_COMMIT;
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git(['rev-parse', '--short', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', 'src', 'bin', 'package.json', 'package-lock.json']);
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return 'unknown';
  }
}

const ENTRY = `
import { main } from './dist/cli/main.js';
// In a single-executable app process.argv is [exe, exe, ...args], as for a script: drop both.
main(process.argv.slice(2), { handleSignals: true }).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(String(err && err.stack || err) + '\\n'); process.exitCode = 1; },
);
`;

/**
 * Runs before any bundled module.
 * - `import.meta.url` for the CommonJS bundle: in a SEA, __filename is the exe's own path.
 * - TCP keep-alive is switched on once the socket has connected rather than while it connects.
 *   fetch (undici) calls socket.setKeepAlive() right after net.connect(); libuv then applies it when
 *   it creates the socket, and under Wine 8 that setsockopt fails, so the connect itself fails with
 *   "connect UNKNOWN" and the exe could never reach Zivver in CI. Once connected, the effect on
 *   Windows is the same (keep-alive probes only matter on an idle connection).
 */
const BANNER = `var __keytool_import_meta_url = require("node:url").pathToFileURL(__filename).href;
(function () {
  var net = require("node:net");
  var setKeepAlive = net.Socket.prototype.setKeepAlive;
  net.Socket.prototype.setKeepAlive = function (enable, initialDelay) {
    if (this.connecting) {
      this.once("connect", function () { setKeepAlive.call(this, enable, initialDelay); });
      return this;
    }
    return setKeepAlive.call(this, enable, initialDelay);
  };
})();`;

/**
 * For a V8 startup snapshot: the modules load (and are captured) when the snapshot is built; only
 * main() runs when the exe starts.
 */
const SNAPSHOT_ENTRY = `
import { main } from './dist/cli/main.js';
require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {
  main(process.argv.slice(2), { handleSignals: true }).then(
    (code) => { process.exitCode = code; },
    (err) => { process.stderr.write(String(err && err.stack || err) + '\\n'); process.exitCode = 1; },
  );
});
`;

export async function bundle(opts: { outFile?: string; minify?: boolean; snapshot?: boolean } = {}): Promise<BundleInfo> {
  const outFile = opts.outFile ?? path.join(OUT_DIR, 'bundle', 'zivver-keytool.cjs');
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/cli/main.js is missing: run `npm run build` (tsc) first');
  }
  mkdirSync(path.dirname(outFile), { recursive: true });
  const version = packageVersion();
  const commit = buildCommit();
  const result = await esbuild.build({
    stdin: { contents: opts.snapshot ? SNAPSHOT_ENTRY : ENTRY, resolveDir: REPO_ROOT, sourcefile: 'exe-entry.js', loader: 'js' },
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${NODE_VERSION.split('.')[0]}`,
    mainFields: ['module', 'main'],
    conditions: ['node', 'import', 'default'],
    minifyWhitespace: opts.minify ?? true,
    minifySyntax: opts.minify ?? true,
    // Identifiers stay readable so stack traces from --debug still mean something.
    minifyIdentifiers: false,
    keepNames: true,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
    define: {
      __KEYTOOL_VERSION__: JSON.stringify(version),
      __KEYTOOL_COMMIT__: JSON.stringify(commit),
      'import.meta.url': '__keytool_import_meta_url',
      'import.meta.dirname': '__dirname',
      'import.meta.filename': '__filename',
    },
    banner: { js: BANNER },
  });
  const packages: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!m || packages[m[1]]) continue;
    const pj = path.join(REPO_ROOT, input.slice(0, m.index + m[0].length), 'package.json');
    try {
      packages[m[1]] = (JSON.parse(readFileSync(pj, 'utf8')) as { version: string }).version;
    } catch {
      packages[m[1]] = '?';
    }
  }
  return { file: outFile, version, commit, bytes: readFileSync(outFile).length, packages };
}
