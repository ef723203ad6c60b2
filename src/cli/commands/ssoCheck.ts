/**
 * `zivver-keytool sso-check`: which value does the IdP send as ZivverAccountKey, and which
 * --key-source/--key-format reproduces it. Reads the Zivver enterprise application's SAML claims
 * from Microsoft Graph; talks to nobody else. Exit 0 found and mapped; 2 not found, ambiguous or not
 * mappable (with the reason); 3 cannot sign in or not permitted (names the missing permissions).
 */
import type { Argv } from 'yargs';
import { ExitCode } from '../../errors.js';
import { describeProxy, resolveProxyConfig } from '../../util/proxy.js';
import { readSsoReport, requireGraphSignIn, type SsoReport } from '../../plan/sso.js';
import type { KeytoolCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { resolveGraphSignIn, withCommonOptions, withGraphOptions, withSsoAppOption, type CommonArgs, type GraphOptionArgs, type SsoAppArgs } from '../options.js';

type SsoCheckArgs = CommonArgs & GraphOptionArgs & SsoAppArgs & { output: 'table' | 'json' };

export const ssoCheckCommand: KeytoolCommand<SsoCheckArgs> = {
  command: 'sso-check',
  describe: 'Read which attribute the IdP (Entra ID) sends as ZivverAccountKey, and the --key-source that matches it',
  builder: (y: Argv) =>
    withSsoAppOption(withGraphOptions(withCommonOptions(y)))
      .option('output', { choices: ['table', 'json'] as const, default: 'table' as const, describe: 'stdout format: text for people, json for programs', group: 'Output:' })
      .example('$0 sso-check --tenant-id contoso.onmicrosoft.com --client-id <id> --certificate app.pfx', 'Find the Zivver app and say which key it sends')
      .example('$0 sso-check --tenant-id contoso.onmicrosoft.com --client-id <id> --device-code --sso-app "Zivver SSO"', 'Name the application') as unknown as Argv<SsoCheckArgs>,
  run: async (args, ctx) => {
    const opts = resolveGraphSignIn(args);
    await requireGraphSignIn(opts, ctx.env, 'sso-check');
    const proxy = resolveProxyConfig(args.proxy, ctx.env);
    ctx.logger.verbose(`Proxy for Microsoft Graph: ${describeProxy(proxy, new URL(opts.graphUrl))}`);
    const report = await readSsoReport(opts, { logger: ctx.logger, env: ctx.env, stderr: ctx.stderr, cwd: ctx.cwd, proxy }, args.ssoApp);
    if (args.output === 'json') {
      ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
      if (report.error) ctx.logger.error(report.error);
    } else {
      printReport(report, ctx);
    }
    return report.keySource ? ExitCode.Ok : ExitCode.Usage;
  },
};

function printReport(r: SsoReport, ctx: CommandContext): void {
  const out = (label: string, value: string) => ctx.stdout.write(`${label.padEnd(20)}${value}\n`);
  out('Tenant:', r.tenant);
  if (r.servicePrincipal) {
    out('Zivver application:', `"${r.servicePrincipal.displayName}" (object id ${r.servicePrincipal.id}, appId ${r.servicePrincipal.appId})`);
    if (r.how) out('', r.how);
  }
  if (r.claim) {
    out('Claim:', `${r.claim.namespace}/${r.claim.name}`);
    out('Defined in:', r.claim.policy === 'claimsPolicy' ? 'Attributes & Claims (custom claims policy)' : r.claim.policy);
    out('Source attribute:', r.claim.attribute);
    out('Transformation:', r.claim.transformation ?? 'none');
  }
  for (const n of r.notes) ctx.stdout.write(`Note: ${n}\n`);
  if (r.keySource && r.keyFormat) {
    ctx.stdout.write(`Key source:         --key-source ${r.keySource} --key-format ${r.keyFormat}\n`);
    ctx.stdout.write(`Plan with it:       zivver-keytool plan --key-source sso ... (or --check-sso to have plan and sync refuse any other)\n`);
  } else {
    ctx.stderr.write(`error: ${r.error}\n`);
  }
}
