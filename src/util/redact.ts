/**
 * Secret redaction. Every secret the process learns (API key, client secret, PFX password,
 * tokens) is registered here; log lines and error messages pass through redactSecrets.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  }
  // Bearer tokens and JWT-looking strings, whoever's they are.
  out = out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1[REDACTED]');
  out = out.replace(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '[REDACTED-JWT]');
  return out;
}

/** For tests. */
export function clearSecrets(): void {
  secrets.clear();
}
