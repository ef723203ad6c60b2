/**
 * Secrets for tests and benches, made at run time: no literal API key, client secret, certificate
 * password or proxy password is ever committed, and a test asserting that a secret never leaks
 * asserts on a value it could not have guessed (so it can still fail).
 *   testSecret('api-key')                    // 'api-key-3f9a…' (label, '-', 24 hex digits)
 *   testSecret('graph', { chars: '~.' })     // 'graph~1a2b3c.4d5e6f…': characters to URL-encode or redact
 */
import { randomBytes } from 'node:crypto';

export interface TestSecretOptions {
  /**
   * ASCII punctuation to mix into the value (each one followed by random hex), for tests that
   * prove URL-encoding or redaction of characters such as `~ . ! @`. No spaces.
   */
  chars?: string;
}

export function testSecret(label: string, opts: TestSecretOptions = {}): string {
  const base = `${label}-${randomBytes(12).toString('hex')}`;
  const chars = opts.chars ?? '';
  if (/[^\x21-\x7e]/.test(label + chars)) throw new Error(`testSecret: label and chars must be printable ASCII without spaces`);
  return base + [...chars].map((c) => c + randomBytes(3).toString('hex')).join('');
}
