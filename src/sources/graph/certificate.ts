/**
 * Loading the app registration's certificate: the formats Windows admins actually have.
 *  - PEM: private key and certificate(s) in one file, in any order; the key may be encrypted
 *    (PKCS#8 "ENCRYPTED PRIVATE KEY" or legacy "Proc-Type: 4,ENCRYPTED") with the password in
 *    ZIVVER_GRAPH_CERT_PASSWORD.
 *  - PFX/P12 (what "Export with private key" in certlm.msc gives), password from the same variable;
 *    parsed with node-forge because Node's crypto cannot read PKCS#12.
 * msal signs the client assertion with RS256/PS256, so only RSA keys will do.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import forge from 'node-forge';
import { UsageError } from '../../errors.js';
import { registerSecret } from '../../util/redact.js';

export interface LoadedCertificate {
  /** Unencrypted PKCS#8 PEM (registered as a secret). */
  privateKeyPem: string;
  /** The certificate matching the key first, then any others from the file (msal's x5c). */
  certificatePem: string;
  /** Lower-case hex SHA-256 of the certificate's DER (x5t#S256). */
  thumbprintSha256: string;
  /** Lower-case hex SHA-1 of the certificate's DER (x5t; what the Entra portal shows as "Thumbprint"). */
  thumbprintSha1: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

const PASSWORD_HINT = 'Put its password in the environment variable ZIVVER_GRAPH_CERT_PASSWORD.';

/** Reads and parses a certificate file; `name` is how errors refer to it. */
export function loadCertificateFile(file: string, password: string | undefined, name = file): LoadedCertificate {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`Cannot read the certificate file ${name}${code ? ` (${code})` : ''}.`);
  }
  return parseCertificate(data, password, name);
}

/** PEM or PFX by content, not by file extension (admins rename files). */
export function parseCertificate(data: Buffer, password: string | undefined, name: string): LoadedCertificate {
  registerSecret(password);
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN ')) return parsePem(data.toString('utf8'), password, name);
  if (data.length > 0 && data[0] === 0x30) return parsePfx(data, password, name);
  throw new UsageError(`${name} is neither a PEM file (key and certificate) nor a PFX/P12 file.`);
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

export function parsePem(text: string, password: string | undefined, name: string): LoadedCertificate {
  const keys: string[] = [];
  const certs: string[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const label = m[1]!;
    if (label === 'CERTIFICATE') certs.push(m[0]);
    else if (label.endsWith('PRIVATE KEY')) keys.push(m[0]);
  }
  if (keys.length === 0) {
    throw new UsageError(
      `${name} holds no private key. The PEM file must contain the private key and the certificate (e.g. cat key.pem cert.pem > app.pem).`,
    );
  }
  if (keys.length > 1) throw new UsageError(`${name} holds ${keys.length} private keys; keep only the app's one.`);
  if (certs.length === 0) {
    throw new UsageError(`${name} holds a private key but no certificate; append the certificate (-----BEGIN CERTIFICATE-----).`);
  }
  const key = decodePrivateKey(keys[0]!, password, name);
  return assemble(key, certs, name);
}

function decodePrivateKey(pem: string, password: string | undefined, name: string): crypto.KeyObject {
  const encrypted = pem.includes('ENCRYPTED');
  if (encrypted && !password) throw new UsageError(`The private key in ${name} is encrypted. ${PASSWORD_HINT}`);
  try {
    return crypto.createPrivateKey({ key: pem, format: 'pem', ...(encrypted ? { passphrase: password } : {}) });
  } catch {
    // Node's message may quote key material on some versions; say what happened in our words.
    throw new UsageError(
      encrypted
        ? `Cannot decrypt the private key in ${name}: the password in ZIVVER_GRAPH_CERT_PASSWORD is wrong, or the encryption is not supported.`
        : `Cannot read the private key in ${name}.`,
    );
  }
}

export function parsePfx(data: Buffer, password: string | undefined, name: string): LoadedCertificate {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(data.toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password ?? '');
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/MAC could not be verified|Invalid password|decrypt/i.test(msg)) {
      throw new UsageError(
        password
          ? `Cannot open ${name}: the password in ZIVVER_GRAPH_CERT_PASSWORD is wrong.`
          : `Cannot open ${name}: it is protected by a password. ${PASSWORD_HINT}`,
      );
    }
    if (/not RSA|OID/i.test(msg)) throw new UsageError(`${name} holds a non-RSA key or certificate; Entra app sign-in here needs an RSA certificate.`);
    throw new UsageError(`Cannot read ${name} as a PFX/P12 file: ${msg}`);
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  const keys = keyBags.filter((b) => b.key);
  if (keys.length === 0) {
    throw new UsageError(
      keyBags.length > 0
        ? `${name} holds a non-RSA private key; Entra app sign-in here needs an RSA certificate.`
        : `${name} holds no private key: export the certificate "with the private key".`,
    );
  }
  const certs = certBags.filter((b) => b.cert).map((b) => forge.pki.certificateToPem(b.cert!));
  if (certs.length === 0) throw new UsageError(`${name} holds no certificate.`);
  // forge gives an RSA key object; round-trip through Node to get PKCS#8 PEM.
  const forgePem = forge.pki.privateKeyToPem(keys[0]!.key as forge.pki.rsa.PrivateKey);
  registerSecret(forgePem);
  const key = crypto.createPrivateKey({ key: forgePem, format: 'pem' });
  // A PFX can hold several keys (rare); pick the one a certificate belongs to.
  for (const bag of keys.slice(1)) {
    const other = crypto.createPrivateKey({ key: forge.pki.privateKeyToPem(bag.key as forge.pki.rsa.PrivateKey), format: 'pem' });
    if (certs.some((c) => new crypto.X509Certificate(c).checkPrivateKey(other)) && !certs.some((c) => new crypto.X509Certificate(c).checkPrivateKey(key))) {
      return assemble(other, certs, name);
    }
  }
  return assemble(key, certs, name);
}

function assemble(key: crypto.KeyObject, certPems: string[], name: string): LoadedCertificate {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new UsageError(
      `The private key in ${name} is ${key.asymmetricKeyType ?? 'not RSA'}; Entra app sign-in here needs an RSA certificate.`,
    );
  }
  const x509s = certPems.map((p) => {
    try {
      return new crypto.X509Certificate(p);
    } catch {
      throw new UsageError(`${name} holds a certificate that cannot be read.`);
    }
  });
  const leafIndex = x509s.findIndex((c) => c.checkPrivateKey(key));
  if (leafIndex < 0) throw new UsageError(`No certificate in ${name} belongs to its private key.`);
  const leaf = x509s[leafIndex]!;
  const ordered = [leaf, ...x509s.filter((_, i) => i !== leafIndex)];
  const privateKeyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  registerSecret(privateKeyPem);
  return {
    privateKeyPem,
    // X509Certificate.toString() gives canonical PEM with \n line ends, which msal's x5c parser needs.
    certificatePem: ordered.map((c) => c.toString().trim()).join('\n') + '\n',
    thumbprintSha256: crypto.createHash('sha256').update(leaf.raw).digest('hex'),
    thumbprintSha1: crypto.createHash('sha1').update(leaf.raw).digest('hex'),
    subject: leaf.subject.replace(/\n/g, ', '),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
  };
}
