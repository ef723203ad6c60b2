/**
 * `zivver-keytool emulator`: the Zivver SCIM emulator as a process, for the demo, the
 * PowerShell tests and the Windows exe under Wine. Prints one line
 * `Zivver emulator listening on <url>` on stdout when ready and runs until SIGINT/SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import type { KeytoolCommand } from '../command.js';
import { withCommonOptions, type CommonArgs } from '../options.js';
import { InputError, UsageError } from '../../errors.js';
import { registerSecret } from '../../util/redact.js';
import { FileGuard, writeOutputFile } from '../../store/fileGuard.js';
import {
  faultRulesFromJson,
  generateSampleTenant,
  parsePagingMode,
  startEmulator,
  type RateLimitOptions,
} from '../../emulator/index.js';

type EmulatorArgs = CommonArgs & {
  port: number;
  host: string;
  seed?: string;
  sampleTenant?: number;
  sampleSeed: number;
  sampleDomains?: string[];
  writeSampleMailboxes?: string;
  writeSampleUsers?: string;
  putMode: 'zivver' | 'strict';
  putContentType: 'json' | 'scim' | 'any';
  paging: string;
  pageSize: number;
  emulateRateLimit: string;
  rateLimitMode: 'bucket' | 'window';
  rateLimitHeaders: boolean;
  retryAfter?: string;
  latency: number;
  faults?: string;
  logRequests: boolean;
};

/** `50/10` → { budget: 50, windowSeconds: 10 }; `off` → null. */
export function parseEmulatedRateLimit(
  value: string,
  retryAfter?: string,
  more: { mode?: 'bucket' | 'window'; headers?: boolean } = {},
): RateLimitOptions | null {
  if (value.trim().toLowerCase() === 'off') {
    if (retryAfter !== undefined) throw new UsageError('--retry-after needs a rate limit (not --emulate-rate-limit off)');
    if (more.headers) throw new UsageError('--rate-limit-headers needs a rate limit (not --emulate-rate-limit off)');
    return null;
  }
  const m = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(value);
  if (!m || Number(m[1]) < 1 || !(Number(m[2]) > 0)) {
    throw new UsageError(`--emulate-rate-limit must be <requests>/<seconds> (e.g. 50/10) or off, not "${value}"`);
  }
  const rl: RateLimitOptions = { budget: Number(m[1]), windowSeconds: Number(m[2]), mode: more.mode ?? 'bucket' };
  if (more.headers) rl.headers = true;
  if (retryAfter !== undefined) {
    if (retryAfter === 'auto') rl.retryAfterSeconds = 'auto';
    else if (/^\d+$/.test(retryAfter)) rl.retryAfterSeconds = Number(retryAfter);
    else throw new UsageError(`--retry-after must be a number of seconds or auto, not "${retryAfter}"`);
  }
  return rl;
}

async function readJsonFile(file: string, cwd: string): Promise<unknown> {
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, file);
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new InputError(`not valid JSON: ${(err as Error).message}`, file);
  }
}

async function readApiKey(args: EmulatorArgs, env: NodeJS.ProcessEnv, cwd: string): Promise<string> {
  if (args.apiKeyFile) {
    let text: string;
    try {
      text = await readFile(path.resolve(cwd, args.apiKeyFile), 'utf8');
    } catch (err) {
      throw new InputError(`cannot read the API key file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, args.apiKeyFile);
    }
    const key = text.replace(/^\uFEFF/, '').trim();
    if (!key) throw new InputError('the API key file is empty', args.apiKeyFile);
    return key;
  }
  const key = env.ZIVVER_API_KEY?.trim();
  if (!key) throw new UsageError('the emulator needs an API key: set ZIVVER_API_KEY or pass --api-key-file <path>');
  return key;
}

export const emulatorCommand: KeytoolCommand<EmulatorArgs> = {
  command: 'emulator',
  describe: 'Run a local Zivver SCIM emulator for demos and tests',
  builder: (y) =>
    withCommonOptions(y)
      .option('port', { type: 'number', default: 0, describe: 'TCP port (0: pick a free one and print it)', group: 'Emulator:' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Loopback address to listen on (127.0.0.1, ::1, localhost)', group: 'Emulator:' })
      .option('seed', { type: 'string', describe: 'JSON file: array of SCIM users (SsoAccountKey included) to start with', group: 'Emulator:' })
      .option('sample-tenant', { type: 'number', describe: 'Start with a generated tenant of N users', group: 'Emulator:' })
      .option('sample-seed', { type: 'number', default: 1, describe: 'PRNG seed for --sample-tenant', group: 'Emulator:' })
      .option('sample-domains', { type: 'string', array: true, describe: 'Mail domains for --sample-tenant (first is primary)', group: 'Emulator:' })
      .option('write-sample-mailboxes', { type: 'string', describe: 'Also write the matching Exchange mailbox export (JSON) here', group: 'Emulator:' })
      .option('write-sample-users', { type: 'string', describe: 'Also write the generated Zivver users (JSON, keys included) here', group: 'Emulator:' })
      .option('put-mode', { choices: ['zivver', 'strict'] as const, default: 'zivver' as const, describe: 'PUT semantics: Zivver merge, or RFC 7644 replace', group: 'Emulator:' })
      .option('put-content-type', {
        choices: ['json', 'scim', 'any'] as const,
        default: 'json' as const,
        describe: 'Content-Type user writes must carry (415 otherwise): application/json (what Zivver takes), application/scim+json, or either',
        group: 'Emulator:',
      })
      .option('paging', { type: 'string', default: 'all', describe: 'Listing: all | honor | cap:<N> | ignore', group: 'Emulator:' })
      .option('page-size', { type: 'number', default: 100, describe: 'Default page size for honor/ignore when the client asks none', group: 'Emulator:' })
      .option('emulate-rate-limit', { type: 'string', default: '50/10', describe: 'Server budget <requests>/<seconds>, or off', group: 'Emulator:' })
      .option('rate-limit-mode', {
        choices: ['bucket', 'window'] as const,
        default: 'bucket' as const,
        describe: "How the budget is counted: Zivver's token bucket, or a sliding window (stricter)",
        group: 'Emulator:',
      })
      .option('rate-limit-headers', { type: 'boolean', default: false, describe: 'Send RateLimit-Limit/-Remaining/-Reset headers (Zivver is not known to)', group: 'Emulator:' })
      .option('retry-after', { type: 'string', describe: 'Send Retry-After on 429: seconds, or auto (default: no header, like Zivver)', group: 'Emulator:' })
      .option('latency', { type: 'number', default: 0, describe: 'Milliseconds added to every request', group: 'Emulator:' })
      .option('faults', { type: 'string', describe: 'JSON file of fault rules (see /_emulator/faults)', group: 'Emulator:' })
      .option('log-requests', { type: 'boolean', default: false, describe: 'Log one line per request on stderr', group: 'Emulator:' }) as unknown as Argv<EmulatorArgs>,
  run: async (args, ctx) => {
    if (args.seed && args.sampleTenant !== undefined) throw new UsageError('use --seed or --sample-tenant, not both');
    if (args.writeSampleMailboxes && args.sampleTenant === undefined) throw new UsageError('--write-sample-mailboxes needs --sample-tenant');
    if (args.writeSampleUsers && args.sampleTenant === undefined) throw new UsageError('--write-sample-users needs --sample-tenant');
    if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new UsageError(`--port must be 0..65535, not ${args.port}`);
    if (!(args.latency >= 0)) throw new UsageError('--latency must be >= 0');
    await FileGuard.forRun(ctx)
      .reads(args.seed, { option: '--seed', what: 'the seed file' })
      .reads(args.faults, { option: '--faults', what: 'the faults file' })
      .reads(args.apiKeyFile, { what: 'the API key file' })
      .replaces(args.writeSampleMailboxes, { option: '--write-sample-mailboxes', what: 'the sample mailboxes file' })
      .replaces(args.writeSampleUsers, { option: '--write-sample-users', what: 'the sample users file' })
      .check();
    const apiKey = await readApiKey(args, ctx.env, ctx.cwd);
    registerSecret(apiKey);
    const rateLimit = parseEmulatedRateLimit(args.emulateRateLimit, args.retryAfter, { mode: args.rateLimitMode, headers: args.rateLimitHeaders });
    const paging = parsePagingMode(args.paging);

    let users: Array<Record<string, unknown>> | undefined;
    if (args.seed) {
      const json = await readJsonFile(args.seed, ctx.cwd);
      const list = Array.isArray(json) ? json : (json as { users?: unknown } | null)?.users;
      if (!Array.isArray(list)) throw new InputError('expected a JSON array of SCIM users (or {"users": [...]})', args.seed);
      users = list as Array<Record<string, unknown>>;
    } else if (args.sampleTenant !== undefined) {
      if (!Number.isInteger(args.sampleTenant) || args.sampleTenant < 0) throw new UsageError('--sample-tenant must be a whole number >= 0');
      const tenant = generateSampleTenant({ count: args.sampleTenant, seed: args.sampleSeed, domains: args.sampleDomains });
      users = tenant.users;
      if (args.writeSampleMailboxes) {
        await writeOutputFile(path.resolve(ctx.cwd, args.writeSampleMailboxes), JSON.stringify(tenant.mailboxes, null, 2) + '\n', { label: '--write-sample-mailboxes' });
        ctx.logger.info(`Wrote ${tenant.mailboxes.length} sample mailboxes to ${args.writeSampleMailboxes}`);
      }
      if (args.writeSampleUsers) {
        await writeOutputFile(path.resolve(ctx.cwd, args.writeSampleUsers), JSON.stringify(tenant.users, null, 2) + '\n', { label: '--write-sample-users' });
      }
    }
    const faults = args.faults ? faultRulesFromJsonFile(await readJsonFile(args.faults, ctx.cwd), args.faults) : undefined;

    let emu;
    try {
      emu = await startEmulator({
        host: args.host,
        port: args.port,
        apiKey,
        putMode: args.putMode,
        putContentType: args.putContentType,
        paging,
        defaultPageSize: args.pageSize,
        rateLimit,
        latencyMs: args.latency,
        faults,
        users,
        logRequests: args.logRequests,
        log: (line) => ctx.logger.info(line),
      });
    } catch (err) {
      if (err instanceof TypeError) throw new InputError(err.message, args.seed);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new UsageError(`port ${args.port} on ${args.host} is already in use`);
      throw err;
    }
    users = undefined; // the store holds its own copies; let 100,000 generated users go
    const budget = rateLimit ? `${rateLimit.budget}/${rateLimit.windowSeconds}s (${rateLimit.mode})` : 'off';
    ctx.logger.verbose(
      `${emu.users().length} users; PUT mode ${args.putMode}; user writes as ${args.putContentType}; paging ${paging}; rate limit ${budget}; latency ${args.latency} ms`,
    );
    ctx.stdout.write(`Zivver emulator listening on ${emu.url}\n`);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await emu.close();
    ctx.logger.verbose('Zivver emulator stopped');
    return 0;
  },
};

function faultRulesFromJsonFile(json: unknown, file: string) {
  try {
    return faultRulesFromJson(json);
  } catch (err) {
    throw new InputError((err as Error).message, file);
  }
}
