/**
 * Test convenience: an emulator on an ephemeral 127.0.0.1 port with a random API key.
 *   const emu = await startTestEmulator({ users });          // remember: await emu.close()
 *   withEmulator(() => ({ users }), (get) => { it(..., () => get().url) });  // mocha hooks
 */
import { randomBytes } from 'node:crypto';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../../src/emulator/index.js';

export interface TestEmulator extends EmulatorHandle {
  apiKey: string;
  /** Environment for a CLI run against this emulator (ZIVVER_API_KEY). */
  env: { ZIVVER_API_KEY: string };
  /** fetch() against the SCIM base with the bearer key and SCIM content types. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
}

export async function startTestEmulator(opts: Partial<EmulatorOptions> = {}): Promise<TestEmulator> {
  const apiKey = opts.apiKey ?? `test-${randomBytes(12).toString('hex')}`;
  const handle = await startEmulator({ port: 0, host: '127.0.0.1', ...opts, apiKey });
  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${handle.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${apiKey}`,
        Accept: 'application/scim+json',
        ...(body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  // handle.stats is the live counters object (reset in place), so copying the reference is safe.
  return { ...handle, apiKey, env: { ZIVVER_API_KEY: apiKey }, request };
}

/**
 * Mocha hooks: a fresh emulator before each test (closed after), options from `opts()`.
 * Returns a getter for the current one.
 */
export function withEmulator(opts: () => Partial<EmulatorOptions> = () => ({})): () => TestEmulator {
  let current: TestEmulator | undefined;
  beforeEach(async () => {
    current = await startTestEmulator(opts());
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('withEmulator: no emulator outside a test');
    return current;
  };
}
