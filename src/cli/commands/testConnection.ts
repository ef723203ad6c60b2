/**
 * `zivver-keytool test-connection`: the Synctool's "verify the connection" button for scripts.
 * Checks the URL, TLS, the API key and the rate budget, prints the number of accounts.
 * Exit 0 when everything answers, 3 when Zivver (or Graph) cannot be reached or refuses us.
 */
import type { Argv } from 'yargs';
import { connectZivver } from '../../zivver/connection.js';
import { describeProxy } from '../../util/proxy.js';
import { FileGuard } from '../../store/fileGuard.js';
import type { KeytoolCommand } from '../command.js';
import { resolveGraphSignIn, resolveZivverConnection, withCommonOptions, withGraphOptions, type CommonArgs, type GraphOptionArgs } from '../options.js';

type TestConnectionArgs = CommonArgs & GraphOptionArgs & { source: 'file' | 'graph'; output: 'table' | 'json' };

export const testConnectionCommand: KeytoolCommand<TestConnectionArgs> = {
  command: 'test-connection',
  describe: 'Check the Zivver URL, TLS, API key and rate budget (and the Graph sign-in with --source graph)',
  builder: (y: Argv) =>
    withGraphOptions(withCommonOptions(y))
      .option('source', {
        choices: ['file', 'graph'] as const,
        default: 'file' as const,
        describe: 'With graph, check the Microsoft Graph sign-in too',
        group: 'Input:',
      })
      .option('output', {
        choices: ['table', 'json'] as const,
        default: 'table' as const,
        describe: 'stdout format: lines for people, or one JSON document for programs (the COM bridge)',
        group: 'Output:',
      })
      .example('$0 test-connection', 'Check Zivver with the key in ZIVVER_API_KEY') as unknown as Argv<TestConnectionArgs>,
  run: async (args, ctx) => {
    const connection = resolveZivverConnection(args, ctx.env);
    const { url, rateLimit, proxy } = connection;
    const graphSignIn = args.source === 'graph' ? resolveGraphSignIn(args) : undefined;
    await FileGuard.forRun(ctx)
      .reads(connection.apiKeyFile, { what: 'the API key file' })
      .reads(graphSignIn?.certificatePath, { option: '--certificate', what: 'the certificate' })
      .check();
    const client = await connectZivver(connection, ctx, { maxRetries: 2 });
    const json = args.output === 'json';
    const out = (line: string) => {
      if (!json) ctx.stdout.write(line + '\n');
    };
    out(`Zivver URL:   ${url.href}`);
    out(`Proxy:        ${describeProxy(proxy, url)}`);
    const started = Date.now();
    const users = await client.listUsers();
    const ms = Date.now() - started;
    // Only now do we know the TLS handshake (certificate, host name) succeeded.
    out(`TLS:          ${url.protocol === 'https:' ? 'certificate verified' : 'not used (loopback http)'}`);
    out(`API key:      accepted`);
    out(`Accounts:     ${users.length} (read with ${client.stats.requests} request(s) in ${ms} ms)`);
    const report: Record<string, unknown> = {
      zivverUrl: url.href,
      proxy: describeProxy(proxy, url),
      tls: url.protocol === 'https:' ? 'certificate verified' : 'not used (loopback http)',
      apiKey: 'accepted',
      accounts: users.length,
      requests: client.stats.requests,
      ms,
      rateLimit: { requests: rateLimit.requests, seconds: rateLimit.seconds },
      throttled: client.stats.throttled,
    };
    out(
      `Rate budget:  ${rateLimit.requests} requests per ${rateLimit.seconds} s client-side` +
        (client.stats.throttled ? `; Zivver throttled ${client.stats.throttled} request(s) (429) during the check` : '; no throttling seen'),
    );
    if (graphSignIn) {
      const { checkGraphSignIn } = await import('../../sources/graph/index.js');
      const graph = await checkGraphSignIn(graphSignIn, { logger: ctx.logger, env: ctx.env, stderr: ctx.stderr, cwd: ctx.cwd, proxy });
      out(`Graph:        signed in to ${graph.tenant}${graph.userCount !== undefined ? `, ${graph.userCount} users visible` : ''}`);
      report.graph = { tenant: graph.tenant, ...(graph.userCount !== undefined ? { userCount: graph.userCount } : {}) };
    }
    out('Connection OK.');
    if (json) ctx.stdout.write(JSON.stringify({ kind: 'zivver-connection', ok: true, ...report }, null, 2) + '\n');
    return 0;
  },
};
