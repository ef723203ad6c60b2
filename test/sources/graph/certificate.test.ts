import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCertificateFile, parseCertificate } from '../../../src/sources/graph/certificate.js';
import { UsageError } from '../../../src/errors.js';
import { clearSecrets, redactSecrets } from '../../../src/util/redact.js';
import { encryptedKeyPem, forgeThumbprints, legacyEncryptedKeyPem, makeCa, makeClientCert, makePfx, type TestCert } from '../../helpers/certs.js';
import { testSecret } from '../../helpers/secrets.js';

function expectUsage(fn: () => unknown, re: RegExp): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(UsageError);
    expect((e as Error).message).to.match(re);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('graph certificate loading', function () {
  this.timeout(60_000);
  let app: TestCert;
  let other: TestCert;
  let ca: TestCert;
  let dir: string;
  before(() => {
    app = makeClientCert();
    other = makeClientCert('someone else');
    ca = makeCa('intermediate-ish');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-cert-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    clearSecrets();
  });

  it('thumbprints match an independent computation (SHA-256 and SHA-1)', () => {
    const c = parseCertificate(Buffer.from(app.keyPem + app.certPem), undefined, 'app.pem');
    const f = forgeThumbprints(app);
    expect(c.thumbprintSha256).to.equal(f.sha256);
    expect(c.thumbprintSha1).to.equal(f.sha1);
    // …and what Windows shows (Get-ChildItem Cert:\ | Thumbprint) is the upper-case SHA-1.
    expect(new crypto.X509Certificate(app.certPem).fingerprint.replace(/:/g, '').toLowerCase()).to.equal(f.sha1);
  });

  it('reads a PEM with key and certificate in either order, and puts the matching certificate first', () => {
    for (const text of [app.keyPem + app.certPem, app.certPem + '\r\n' + app.keyPem, ca.certPem + app.keyPem + app.certPem]) {
      const c = parseCertificate(Buffer.from(text), undefined, 'app.pem');
      expect(c.thumbprintSha256).to.equal(forgeThumbprints(app).sha256);
      expect(c.certificatePem.indexOf(new crypto.X509Certificate(app.certPem).toString().trim())).to.equal(0);
      expect(c.privateKeyPem).to.contain('-----BEGIN PRIVATE KEY-----');
    }
  });

  it('reads an encrypted PKCS#8 key and a legacy encrypted RSA key with the password', () => {
    const pemPassword = testSecret('pem-pass');
    for (const keyPem of [encryptedKeyPem(app, pemPassword), legacyEncryptedKeyPem(app, pemPassword)]) {
      const c = parseCertificate(Buffer.from(keyPem + app.certPem), pemPassword, 'app.pem');
      expect(c.thumbprintSha1).to.equal(forgeThumbprints(app).sha1);
    }
    expectUsage(() => parseCertificate(Buffer.from(encryptedKeyPem(app, pemPassword) + app.certPem), undefined, 'app.pem'), /encrypted.*ZIVVER_GRAPH_CERT_PASSWORD/);
    expectUsage(() => parseCertificate(Buffer.from(encryptedKeyPem(app, pemPassword) + app.certPem), testSecret('wrong-pem-pass'), 'app.pem'), /password.*wrong/);
  });

  it('explains PEM files that lack a key, a certificate, or a matching pair', () => {
    expectUsage(() => parseCertificate(Buffer.from(app.certPem), undefined, 'c.pem'), /no private key/);
    expectUsage(() => parseCertificate(Buffer.from(app.keyPem), undefined, 'c.pem'), /no certificate/);
    expectUsage(() => parseCertificate(Buffer.from(app.keyPem + other.certPem), undefined, 'c.pem'), /No certificate in c.pem belongs to its private key/);
    expectUsage(() => parseCertificate(Buffer.from('hello'), undefined, 'c.txt'), /neither a PEM file.*nor a PFX/);
  });

  it('refuses non-RSA keys (msal signs with RS256/PS256)', () => {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expectUsage(() => parseCertificate(Buffer.from(pem + app.certPem), undefined, 'ec.pem'), /ec|RSA/);
  });

  for (const algorithm of ['aes256', '3des'] as const) {
    it(`reads a PFX (${algorithm}) with the password, with a chain`, () => {
      const file = path.join(dir, `app-${algorithm}.pfx`);
      const pfxPassword = testSecret('pfx-pass', { chars: '!' });
      fs.writeFileSync(file, makePfx(app, pfxPassword, { algorithm, chain: [ca] }));
      const c = loadCertificateFile(file, pfxPassword);
      expect(c.thumbprintSha256).to.equal(forgeThumbprints(app).sha256);
      expect(c.certificatePem.match(/BEGIN CERTIFICATE/g)).to.have.length(2);
      expect(c.certificatePem.startsWith(new crypto.X509Certificate(app.certPem).toString().trim())).to.equal(true);
    });
  }

  it('says what to do about a PFX password that is missing or wrong, without echoing it', () => {
    const pfx = makePfx(app, testSecret('pfx-pass', { chars: '!' }));
    expectUsage(() => parseCertificate(pfx, undefined, 'app.pfx'), /protected by a password.*ZIVVER_GRAPH_CERT_PASSWORD/);
    const wrong = testSecret('not-the-password');
    const e = expectUsage(() => parseCertificate(pfx, wrong, 'app.pfx'), /password in ZIVVER_GRAPH_CERT_PASSWORD is wrong/);
    expect(e.message).to.not.contain(wrong);
  });

  it('reads a PFX with an empty password', () => {
    const c = parseCertificate(makePfx(app, '', { algorithm: '3des' }), undefined, 'app.pfx');
    expect(c.thumbprintSha1).to.equal(forgeThumbprints(app).sha1);
  });

  it('registers the private key and password as secrets', () => {
    const pfxPassword = testSecret('pfx-pass', { chars: '!' });
    const c = parseCertificate(makePfx(app, pfxPassword), pfxPassword, 'app.pfx');
    expect(redactSecrets(`x ${c.privateKeyPem} y ${pfxPassword}`)).to.equal('x [REDACTED] y [REDACTED]');
  });

  it('names a missing file', () => {
    expectUsage(() => loadCertificateFile(path.join(dir, 'nope.pfx'), undefined, 'nope.pfx'), /Cannot read the certificate file nope.pfx \(ENOENT\)/);
  });
});
