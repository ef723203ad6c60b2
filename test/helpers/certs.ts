/**
 * Test certificates made at test time: RSA keys from node:crypto (fast, native), X.509 and PKCS#12
 * from node-forge. Nothing here touches openssl or files unless asked.
 */
import crypto from 'node:crypto';
import forge from 'node-forge';

export interface TestCert {
  /** PKCS#8 PEM, unencrypted. */
  keyPem: string;
  certPem: string;
  /** The certificate's DER bytes. */
  der: Buffer;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

function newKeys(): { keyPem: string; key: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    keyPem,
    key: forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) as forge.pki.rsa.PublicKey,
  };
}

function serial(): string {
  // Positive, non-zero serial number in hex.
  return '01' + crypto.randomBytes(8).toString('hex');
}

function build(
  subjectCn: string,
  issuer: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } | undefined,
  extensions: object[],
  validity?: { notBefore?: Date; notAfter?: Date },
): TestCert {
  const k = newKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = validity?.notBefore ?? new Date(Date.now() - 60_000);
  cert.validity.notAfter = validity?.notAfter ?? new Date(Date.now() + 365 * 24 * 3600_000);
  const subject = [{ name: 'commonName', value: subjectCn }];
  cert.setSubject(subject);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : subject);
  cert.setExtensions(extensions);
  cert.sign(issuer?.key ?? k.key, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return { keyPem: k.keyPem, certPem, der, cert, key: k.key };
}

export function makeCa(cn = 'zivver-keytool test CA'): TestCert {
  return build(cn, undefined, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
}

/** A TLS server certificate for 127.0.0.1 and localhost, signed by `ca`. */
export function makeServerCert(ca: TestCert): TestCert {
  return build('127.0.0.1', ca, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
  ]);
}

/** A self-signed certificate as New-SelfSignedCertificate makes for an app registration. */
export function makeClientCert(cn = 'zivver-keytool test app', validity?: { notBefore?: Date; notAfter?: Date }): TestCert {
  return build(cn, undefined, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ], validity);
}

/** A PFX/P12 holding the key and certificate(s). `algorithm` as forge names it ('3des' like older Windows, 'aes256' like Windows 10+). */
export function makePfx(c: TestCert, password: string, opts: { algorithm?: '3des' | 'aes256'; chain?: TestCert[] } = {}): Buffer {
  const asn1 = forge.pkcs12.toPkcs12Asn1(c.key, [c.cert, ...(opts.chain ?? []).map((x) => x.cert)], password, {
    algorithm: opts.algorithm ?? 'aes256',
    friendlyName: 'zivver-keytool',
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

/** The key as an encrypted PKCS#8 PEM ("ENCRYPTED PRIVATE KEY"). */
export function encryptedKeyPem(c: TestCert, password: string): string {
  return crypto
    .createPrivateKey(c.keyPem)
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password })
    .toString();
}

/** The key as a legacy OpenSSL-encrypted PKCS#1 PEM (Proc-Type: 4,ENCRYPTED), made by forge. */
export function legacyEncryptedKeyPem(c: TestCert, password: string): string {
  return forge.pki.encryptRsaPrivateKey(c.key, password, { legacy: true, algorithm: 'aes256' });
}

/** Thumbprints computed independently of the code under test (forge's digests over forge's DER). */
export function forgeThumbprints(c: TestCert): { sha256: string; sha1: string } {
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(c.cert)).getBytes();
  const s256 = forge.md.sha256.create();
  s256.update(der);
  const s1 = forge.md.sha1.create();
  s1.update(der);
  return { sha256: s256.digest().toHex(), sha1: s1.digest().toHex() };
}
