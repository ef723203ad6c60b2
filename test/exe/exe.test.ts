/**
 * The shipped artefact: build/out/zivver-keytool.exe (a Node single-executable app for Windows x64),
 * run for real under Wine. The suite builds the exe first when it is missing or stale.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ResEdit from 'resedit';
import { EXE, requireOrSkip, runExe, STAMP } from '../helpers/wine.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { startEmulator } from '../../src/emulator/index.js';
import { startTestProxy } from '../helpers/proxy.js';
import { testSecret } from '../helpers/secrets.js';

const pkgVersion = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Stamp {
  version: string;
  commit: string;
  node: string;
}
const stamp = (): Stamp => JSON.parse(readFileSync(STAMP, 'utf8')) as Stamp;

function isCommit(sha: string): boolean {
  return /^[0-9a-f]{7,40}$/.test(sha) && spawnSync('git', ['cat-file', '-e', `${sha}^{commit}`], { cwd: REPO_ROOT }).status === 0;
}

function gitHead(): string | undefined {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

describe('exe: zivver-keytool.exe under Wine', function () {
  this.timeout(120_000);

  before(function () {
    this.timeout(15 * 60_000); // a cold build:exe takes about 15-60 s; the npm tarballs may need fetching
    requireOrSkip(this, 'wine', 'exe');
  });

  it('--version prints the tool version, the Node version inside and the commit it was built from', async () => {
    const r = await runExe(['--version']);
    expect(r.code, r.stderr).to.equal(0);
    const s = stamp();
    expect(r.stdout).to.equal(`zivver-keytool ${pkgVersion} (node v${s.node}, commit ${s.commit})\n`);
    expect(s.node).to.match(/^\d+\.\d+\.\d+$/);
    // The commit is one of this repository's (HEAD when the tree is not moving under the test).
    const commit = s.commit.replace(/-dirty$/, '');
    if (gitHead()) expect(isCommit(commit), `${commit} is a commit here`).to.equal(true);
    expect(r.stderr).to.equal('');
  });

  it('--help lists every command, with no experimental-feature warning on stderr', async () => {
    const r = await runExe(['--help']);
    expect(r.code, r.stderr).to.equal(0);
    for (const cmd of ['plan', 'apply', 'sync', 'rollback', 'test-connection', 'emulator']) {
      expect(r.stdout).to.include(`zivver-keytool ${cmd}`);
    }
    expect(r.stderr).to.equal('');
  });

  it('a usage error exits 2 with the message on stderr and nothing on stdout', async () => {
    const r = await runExe(['frobnicate', '--zivver-url', 'http://127.0.0.1:9/api/scim/v2']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^error: /);
    expect(r.stderr).to.include("Run 'zivver-keytool --help' for usage.");
    expect(r.stdout).to.equal('');
  });

  it('--proxy: the bundled undici carries Zivver requests through the proxy, credentials hidden', async () => {
    const key = testSecret('exe-proxy-key');
    const proxyPassword = testSecret('exe-proxy-pw', { chars: '!' });
    const emu = await startEmulator({ apiKey: key, users: [] });
    const proxy = await startTestProxy({ auth: { user: 'svc', password: proxyPassword } });
    try {
      const r = await runExe(['test-connection', '--zivver-url', emu.url, '--proxy', `http://svc@127.0.0.1:${proxy.port}`], { env: { ZIVVER_API_KEY: key, ZIVVER_PROXY_PASSWORD: proxyPassword } });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include(`Proxy:        http://svc:***@127.0.0.1:${proxy.port}`);
      expect(proxy.requests).to.be.greaterThan(0);
      expect(r.stdout + r.stderr).to.not.include(proxyPassword);
    } finally {
      await proxy.close();
      await emu.close();
    }
  });
});

describe('exe: Windows version resources', function () {
  before(function () {
    this.timeout(15 * 60_000);
    requireOrSkip(this, 'exe');
  });

  it('names the product, its version, the Node version and the original file name', () => {
    const exe = ResEdit.NtExecutable.from(readFileSync(EXE), { ignoreCert: true });
    const res = ResEdit.NtExecutableResource.from(exe);
    const [vi] = ResEdit.Resource.VersionInfo.fromEntries(res.entries);
    const lang = vi.getAllLanguagesForStringValues()[0];
    const values = vi.getStringValues(lang);
    const s = stamp();
    expect(values).to.include({
      ProductName: 'zivver-keytool',
      FileVersion: pkgVersion,
      OriginalFilename: 'zivver-keytool.exe',
      ProductVersion: `${pkgVersion} (node ${s.node}, commit ${s.commit})`,
    });
    expect(values.FileDescription).to.match(/zivver-keytool/);
    const [maj, min, patch] = pkgVersion.split('.').map(Number);
    expect([vi.fixedInfo.fileVersionMS >>> 16, vi.fixedInfo.fileVersionMS & 0xffff, vi.fixedInfo.fileVersionLS >>> 16]).to.deep.equal([maj, min, patch]);
    // The SEA blob is there, and node.exe's Authenticode signature is gone (it no longer matched).
    expect(res.entries.some((e) => e.type === 10 && e.id === 'NODE_SEA_BLOB')).to.equal(true);
    expect(exe.newHeader.optionalHeaderDataDirectory.get(4).size).to.equal(0);
  });
});
