/**
 * End to end through an outbound proxy: the real CLI process, the Zivver emulator (http on
 * 127.0.0.1), the Entra/Graph emulator (https, trusted through NODE_EXTRA_CA_CERTS) and a small
 * forward proxy (test/helpers/proxy.ts).
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../src/emulator/index.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import type { PlanDocument } from '../../src/core/types.js';
import { runCli } from '../helpers/cli.js';
import { startEntraEmulator, type EntraEmulator } from '../helpers/entraEmulator.js';
import { makeCa, makeServerCert } from '../helpers/certs.js';
import { startTestProxy, unusedPort, type TestProxy } from '../helpers/proxy.js';
import { API_KEY, cliEnv, entraId, GRAPH_SECRET, graphArgs as graphArgsFor, graphUser, zivverAccount, zivverId } from '../helpers/graphE2e.js';
import { testSecret } from '../helpers/secrets.js';

const SECRET = GRAPH_SECRET;
const PROXY_USER = 'svc-keytool';
const PROXY_PASSWORD = testSecret('proxy-pw', { chars: '!' });
const account = (n: number) => zivverAccount(n);

function csv(rows: number[]): string {
  return ['PrimarySmtpAddress,ExternalDirectoryObjectId', ...rows.map((n) => `user${n}@org.nl,${entraId(n)}`)].join('\r\n') + '\r\n';
}

describe('integration: outbound proxy (CLI process)', function () {
  this.timeout(120_000);
  let dir: string;
  let zivver: EmulatorHandle;
  let proxy: TestProxy | undefined;
  // The password of --proxy http://user@host:port comes from ZIVVER_PROXY_PASSWORD, never the command line.
  const env = (extra: Record<string, string> = {}) => cliEnv(dir, { ZIVVER_PROXY_PASSWORD: PROXY_PASSWORD, ...extra });
  const withCredentials = (p: TestProxy) => `http://${PROXY_USER}@127.0.0.1:${p.port}`;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-it-proxy-'));
    zivver = await startEmulator({ apiKey: API_KEY, users: Array.from({ length: 5 }, (_, i) => account(i + 1)) });
    await writeFile(path.join(dir, 'users.csv'), csv([1, 2, 3, 4, 5]));
  });
  afterEach(async () => {
    await zivver?.close();
    await proxy?.close();
    proxy = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('plan --proxy: Zivver is read through the proxy, and the plan is right', async () => {
    proxy = await startTestProxy();
    const r = await runCli(['plan', '--zivver-url', zivver.url, '--input', 'users.csv', '--proxy', proxy.url, '--out', 'plan.json'], { cwd: dir, env: env() });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('Plan: 5 to set');
    expect(proxy.requests).to.be.greaterThan(0);
    expect(proxy.seen[0]).to.match(new RegExp(`^GET ${zivver.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/Users`));
    const doc = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as PlanDocument;
    expect(doc.rows.find((row) => row.zivverId === zivverId(3))).to.include({ action: 'set', newKey: entraId(3) });
  });

  it('HTTP_PROXY / HTTPS_PROXY in the environment: a loopback Zivver URL is reached directly', async () => {
    proxy = await startTestProxy();
    const r = await runCli(['plan', '--zivver-url', zivver.url, '--input', 'users.csv'], { cwd: dir, env: env({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, http_proxy: proxy.url }) });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('Plan: 5 to set');
    expect(proxy.requests + proxy.tunnels).to.equal(0);
  });

  it('test-connection names the proxy (without its password); --proxy direct ignores the environment', async () => {
    proxy = await startTestProxy({ auth: { user: PROXY_USER, password: PROXY_PASSWORD } });
    const r = await runCli(['test-connection', '--zivver-url', zivver.url, '--proxy', withCredentials(proxy)], { cwd: dir, env: env() });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain(`Proxy:        http://${PROXY_USER}:***@127.0.0.1:${proxy.port}`);
    expect(r.stdout + r.stderr).to.not.contain(PROXY_PASSWORD);
    const direct = await runCli(['test-connection', '--zivver-url', zivver.url, '--proxy', 'direct'], { cwd: dir, env: env({ HTTPS_PROXY: 'http://127.0.0.1:1' }) });
    expect(direct.code, direct.stderr).to.equal(0);
    expect(direct.stdout).to.match(/^Proxy: {8}none \(direct/m);
  });

  it('a proxy that wants credentials: without them exit 3 naming 407 and the proxy; with them it works and the password is nowhere', async () => {
    proxy = await startTestProxy({ auth: { user: PROXY_USER, password: PROXY_PASSWORD } });
    const denied = await runCli(['plan', '--zivver-url', zivver.url, '--input', 'users.csv', '--proxy', proxy.url], { cwd: dir, env: env() });
    expect(denied.code, denied.stderr).to.equal(3);
    expect(denied.stderr).to.contain('407');
    expect(denied.stderr).to.contain(`127.0.0.1:${proxy.port}`);
    expect(proxy.rejected).to.be.greaterThan(0);

    const wrongPassword = testSecret('not-the-proxy-pw');
    const wrong = await runCli(['plan', '--zivver-url', zivver.url, '--input', 'users.csv', '--proxy', withCredentials(proxy)], { cwd: dir, env: env({ ZIVVER_PROXY_PASSWORD: wrongPassword }) });
    expect(wrong.code).to.equal(3);
    expect(wrong.stderr).to.contain(`${PROXY_USER}:***@127.0.0.1:${proxy.port}`);
    expect(wrong.stderr).to.not.contain(wrongPassword);

    const onCommandLine = await runCli(['plan', '--zivver-url', zivver.url, '--input', 'users.csv', '--proxy', `http://${PROXY_USER}:${wrongPassword}@127.0.0.1:${proxy.port}`], { cwd: dir, env: env() });
    expect(onCommandLine.code).to.equal(2);
    expect(onCommandLine.stderr).to.contain('ZIVVER_PROXY_PASSWORD');
    expect(onCommandLine.stderr).to.not.contain(wrongPassword);

    const ok = await runCli(['plan', '--zivver-url', zivver.url, '--input', 'users.csv', '--proxy', withCredentials(proxy), '--log-file', 'run.log', '-vv'], { cwd: dir, env: env() });
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.contain('Plan: 5 to set');
    expect(proxy.requests).to.be.greaterThan(0);
    const log = await readFile(path.join(dir, 'run.log'), 'utf8');
    expect(log).to.contain(`${PROXY_USER}:***@127.0.0.1:${proxy.port}`);
    for (const text of [ok.stdout, ok.stderr, log, denied.stderr, denied.stdout]) {
      expect(text).to.not.contain(PROXY_PASSWORD);
      expect(text).to.not.contain(encodeURIComponent(PROXY_PASSWORD));
    }
  });

  it('an unreachable proxy: exit 3 naming it', async () => {
    const port = await unusedPort();
    const r = await runCli(['plan', '--zivver-url', zivver.url, '--input', 'users.csv', '--proxy', `http://127.0.0.1:${port}`], { cwd: dir, env: env() });
    expect(r.code, r.stderr).to.equal(3);
    expect(r.stderr).to.contain(`proxy http://127.0.0.1:${port}`);
    expect(zivver.stats.byMethod.GET ?? 0).to.equal(0);
  });

  describe('an https:// Zivver URL (CONNECT tunnel through the proxy)', () => {
    let front: https.Server;
    let frontUrl: string;
    let caFile: string;
    beforeEach(async () => {
      // A TLS front for the (http) emulator, with a certificate for 127.0.0.1 from a test CA.
      const ca = makeCa();
      const cert = makeServerCert(ca);
      caFile = path.join(dir, 'ca.pem');
      await writeFile(caFile, ca.certPem);
      const target = new URL(zivver.url);
      front = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
        const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', () => res.destroy());
        req.pipe(up);
      });
      await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
      frontUrl = `https://127.0.0.1:${(front.address() as AddressInfo).port}${target.pathname}`;
    });
    afterEach(async () => {
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    });

    it('plan --proxy with credentials tunnels to Zivver; without them exit 3 naming 407 and the proxy', async () => {
      proxy = await startTestProxy({ auth: { user: PROXY_USER, password: PROXY_PASSWORD } });
      const ok = await runCli(['plan', '--zivver-url', frontUrl, '--input', 'users.csv', '--proxy', withCredentials(proxy)], { cwd: dir, env: env({ NODE_EXTRA_CA_CERTS: caFile }) });
      expect(ok.code, ok.stderr).to.equal(0);
      expect(ok.stdout).to.contain('Plan: 5 to set');
      expect(proxy.tunnels).to.be.greaterThan(0);
      expect(proxy.requests).to.equal(0);
      expect(ok.stdout + ok.stderr).to.not.contain(PROXY_PASSWORD);

      const denied = await runCli(['plan', '--zivver-url', frontUrl, '--input', 'users.csv', '--proxy', proxy.url], { cwd: dir, env: env({ NODE_EXTRA_CA_CERTS: caFile }) });
      expect(denied.code, denied.stderr).to.equal(3);
      expect(denied.stderr).to.contain('407');
      expect(denied.stderr).to.contain(`proxy http://127.0.0.1:${proxy.port}`);
    });

    it('HTTPS_PROXY in the environment: a loopback https:// Zivver URL is reached directly', async () => {
      proxy = await startTestProxy();
      const viaEnv = await runCli(['test-connection', '--zivver-url', frontUrl], { cwd: dir, env: env({ NODE_EXTRA_CA_CERTS: caFile, HTTPS_PROXY: proxy.url }) });
      expect(viaEnv.code, viaEnv.stderr).to.equal(0);
      expect(viaEnv.stdout).to.match(/^Proxy: {8}none \(direct\)$/m);
      expect(proxy.tunnels).to.equal(0);
    });
  });

  describe('--source graph', () => {
    let entra: EntraEmulator;
    beforeEach(async () => {
      entra = await startEntraEmulator({
        clientSecret: SECRET,
        pageSize: 2,
        users: [1, 2, 3].map((n) => graphUser(n, { proxyAddresses: [`SMTP:user${n}@org.nl`] })),
      });
    });
    afterEach(async () => {
      await entra?.close();
    });
    const graphArgs = () => graphArgsFor(entra);

    it('token and Graph requests are tunnelled through the proxy with CONNECT', async () => {
      proxy = await startTestProxy({ auth: { user: PROXY_USER, password: PROXY_PASSWORD } });
      const r = await runCli(['plan', '--zivver-url', zivver.url, ...graphArgs(), '--proxy', withCredentials(proxy), '--out', 'plan.json'], {
        cwd: dir,
        env: env({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET, NODE_EXTRA_CA_CERTS: entra.caFile }),
      });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('Plan: 3 to set');
      const host = new URL(entra.url).host;
      expect(proxy.seen).to.include(`CONNECT ${host}`);
      expect(proxy.tunnels).to.be.greaterThan(0);
      // Zivver (http) went through the same proxy in absolute form.
      expect(proxy.requests).to.be.greaterThan(0);
      expect(r.stdout + r.stderr).to.not.contain(PROXY_PASSWORD);
    });

    it('a proxy refusing the tunnel (407): exit 3 naming the proxy', async () => {
      proxy = await startTestProxy({ auth: { user: PROXY_USER, password: PROXY_PASSWORD } });
      const r = await runCli(['plan', '--zivver-url', zivver.url, ...graphArgs(), '--proxy', proxy.url], {
        cwd: dir,
        env: env({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET, NODE_EXTRA_CA_CERTS: entra.caFile }),
      });
      expect(r.code, r.stderr).to.equal(3);
      expect(r.stderr).to.contain('407');
      expect(r.stderr).to.contain(`proxy http://127.0.0.1:${proxy.port}`);
    });
  });
});
