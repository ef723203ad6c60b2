/** Proxy resolution (src/util/proxy.ts): --proxy over the environment, NO_PROXY, loopback bypass, redaction. */
import { expect } from 'chai';
import { UsageError } from '../../src/errors.js';
import { describeProxy, parseProxyUrl, proxyFor, resolveProxyConfig } from '../../src/util/proxy.js';
import { redactSecrets } from '../../src/util/redact.js';
import { testSecret } from '../helpers/secrets.js';

describe('proxy settings', () => {
  const env = { HTTPS_PROXY: 'http://proxy.corp:3128', http_proxy: 'proxy.corp:8080', NO_PROXY: 'intranet.local, .zorg.nl,10.0.0.5:443' };

  it('takes HTTPS_PROXY for https:// and HTTP_PROXY for http:// targets (lower case first, host:port alone is http)', () => {
    const cfg = resolveProxyConfig(undefined, env);
    expect(proxyFor(cfg, 'https://app.zivver.com/api/scim/v2')?.origin).to.equal('http://proxy.corp:3128');
    expect(proxyFor(cfg, 'http://example.org/')?.origin).to.equal('http://proxy.corp:8080');
    expect(proxyFor(resolveProxyConfig(undefined, { https_proxy: 'http://a:1', HTTPS_PROXY: 'http://b:2' }), 'https://x.nl')?.origin).to.equal('http://a:1');
  });

  it('never proxies loopback or link-local hosts from the environment, and honours NO_PROXY', () => {
    const cfg = resolveProxyConfig(undefined, env);
    for (const u of ['https://127.0.0.1:8443/x', 'https://127.5.6.7/', 'https://[::1]:9/', 'https://localhost/', 'http://169.254.169.254/metadata']) {
      expect(proxyFor(cfg, u), u).to.equal(undefined);
    }
    expect(proxyFor(cfg, 'https://intranet.local/')).to.equal(undefined);
    expect(proxyFor(cfg, 'https://a.intranet.local/')).to.equal(undefined);
    expect(proxyFor(cfg, 'https://scim.zorg.nl/')).to.equal(undefined);
    expect(proxyFor(cfg, 'https://zorg.nl/')).to.equal(undefined);
    expect(proxyFor(cfg, 'https://10.0.0.5/')).to.equal(undefined);
    expect(proxyFor(cfg, 'https://10.0.0.5:8443/')?.origin).to.equal('http://proxy.corp:3128');
    expect(proxyFor(resolveProxyConfig(undefined, { ...env, no_proxy: '*' }), 'https://app.zivver.com/')).to.equal(undefined);
  });

  it('--proxy overrides the environment and applies to loopback too; --proxy direct ignores the environment', () => {
    const cfg = resolveProxyConfig('http://127.0.0.1:3128', env);
    expect(proxyFor(cfg, 'http://127.0.0.1:9000/api')?.origin).to.equal('http://127.0.0.1:3128');
    expect(proxyFor(cfg, 'https://intranet.local/')?.origin).to.equal('http://127.0.0.1:3128');
    const direct = resolveProxyConfig('direct', env);
    expect(proxyFor(direct, 'https://app.zivver.com/')).to.equal(undefined);
    expect(describeProxy(direct, 'https://app.zivver.com/')).to.match(/^none \(direct/);
    expect(describeProxy(resolveProxyConfig(undefined, {}), 'https://app.zivver.com/')).to.equal('none (direct)');
  });

  it('credentials: a Basic header, a redacted display, and the password registered as a secret', () => {
    const pw = testSecret('proxy-pw', { chars: '@' });
    const p = parseProxyUrl(`http://svc%40corp:${encodeURIComponent(pw)}@proxy.corp:8080`, '--proxy');
    expect(p.display).to.equal('http://svc%40corp:***@proxy.corp:8080');
    expect(p.authorization).to.equal(`Basic ${Buffer.from(`svc@corp:${pw}`).toString('base64')}`);
    const redacted = redactSecrets(`pw ${pw} and ${encodeURIComponent(pw)}`);
    expect(redacted).to.not.contain(pw).and.not.contain(encodeURIComponent(pw));
  });

  it('--proxy refuses a password (a command line is no place for it) and takes it from ZIVVER_PROXY_PASSWORD', () => {
    const onCommandLine = testSecret('cli-pw');
    expect(() => resolveProxyConfig(`http://svc:${onCommandLine}@proxy.corp:8080`, {})).to.throw(UsageError, /must not carry a password.*\*\*\*/s);
    try {
      resolveProxyConfig(`http://svc:${onCommandLine}@proxy.corp:8080`, {});
    } catch (err) {
      expect((err as Error).message).to.not.include(onCommandLine);
    }
    const envPassword = testSecret('env-pw');
    const cfg = resolveProxyConfig('http://svc@proxy.corp:8080', { ZIVVER_PROXY_PASSWORD: envPassword });
    expect(cfg.explicit?.authorization).to.equal(`Basic ${Buffer.from(`svc:${envPassword}`).toString('base64')}`);
    expect(cfg.explicit?.display).to.equal('http://svc:***@proxy.corp:8080');
    // From the environment, credentials in the URL are fine.
    const urlPassword = testSecret('envurl-pw');
    const fromEnv = resolveProxyConfig(undefined, { HTTPS_PROXY: `http://svc:${urlPassword}@proxy.corp:8080` });
    expect(proxyFor(fromEnv, 'https://app.zivver.com/')?.authorization).to.equal(`Basic ${Buffer.from(`svc:${urlPassword}`).toString('base64')}`);
  });

  it('rejects what is not an http:// proxy URL, naming where it came from', () => {
    expect(() => resolveProxyConfig('socks5://proxy:1080', {})).to.throw(UsageError, /--proxy must be an http:\/\//);
    expect(() => resolveProxyConfig(undefined, { HTTPS_PROXY: 'http://' })).to.throw(UsageError, /HTTPS_PROXY/);
  });
});
