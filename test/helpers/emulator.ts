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
  /** fetch() against the SCIM base with the bearer key and the client's media types. */
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
        // What the client sends: user writes as application/json (the emulator's default --put-content-type).
        Accept: 'application/json, application/scim+json',
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
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

export interface EmulatorProcess {
  url: string;
  child: import('node:child_process').ChildProcess;
  /** stdout/stderr so far. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `zivver-keytool emulator <args>` as a separate process and resolves once it printed
 * `Zivver emulator listening on <url>`. `command` defaults to running the CLI from source with
 * tsx; pass e.g. [process.execPath, 'bin/zivver-keytool.js'] or the exe (under Wine) instead.
 */
export async function startEmulatorProcess(opts: {
  args?: string[];
  apiKey: string;
  command?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<EmulatorProcess> {
  const { spawn } = await import('node:child_process');
  const path = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const command = opts.command ?? [process.execPath, '--import', 'tsx', path.join(root, 'test', 'emulator', 'runMain.ts')];
  const child = spawn(command[0]!, [...command.slice(1), 'emulator', ...(opts.args ?? [])], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SYSTEMROOT: process.env.SYSTEMROOT, ...opts.env, ZIVVER_API_KEY: opts.apiKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`emulator did not start within ${opts.timeoutMs ?? 30_000} ms:\n${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /Zivver emulator listening on (\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr!.on('data', (d) => (stderr += d));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code} before listening:\n${stderr}`));
    });
  });
  return {
    url,
    child,
    output: () => ({ stdout, stderr }),
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
