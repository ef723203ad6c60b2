/**
 * The yargs parser, exported so tests can parse argv without running anything.
 */
import yargs, { type Argv } from 'yargs';
import type { KeytoolCommand } from './command.js';
import { planCommand } from './commands/plan.js';
import { applyCommand } from './commands/apply.js';
import { syncCommand } from './commands/sync.js';
import { rollbackCommand } from './commands/rollback.js';
import { testConnectionCommand } from './commands/testConnection.js';
import { emulatorCommand } from './commands/emulator.js';
import { versionString } from './version.js';

export const COMMANDS: KeytoolCommand[] = [
  planCommand,
  applyCommand,
  syncCommand,
  rollbackCommand,
  testConnectionCommand,
  emulatorCommand,
];

export interface ParsedInvocation {
  command: KeytoolCommand;
  args: Record<string, unknown>;
}

/**
 * Builds the parser. `onSelect` receives the chosen command and its parsed arguments;
 * running it is the caller's business (src/cli/main.ts), so parsing has no side effects.
 */
export function buildParser(onSelect: (inv: ParsedInvocation) => void): Argv {
  let y = yargs()
    .scriptName('zivver-keytool')
    .usage('$0 <command> [options]\n\nRewrite the SSO account key (SsoAccountKey) of Zivver accounts in bulk: plan, apply, resume, record and roll back.')
    .strict()
    .demandCommand(1, 'Name a command: plan, apply, sync, rollback, test-connection or emulator.')
    .recommendCommands()
    .version(false)
    .option('version', { type: 'boolean', describe: 'Show the version, the Node.js version inside and the commit' })
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      throw err ?? new ParseFailure(msg);
    });
  for (const cmd of COMMANDS) {
    y = y.command(cmd.command, cmd.describe, cmd.builder, (args) => {
      onSelect({ command: cmd, args: args as Record<string, unknown> });
    });
  }
  return y;
}

/**
 * yargs takes a lone `-` for a positional argument, so `--input -` (read standard input, as every
 * Unix tool and our PowerShell module write it) would be refused. Join it to its option.
 */
export function joinDashValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (/^--?[A-Za-z][\w-]*$/.test(a) && argv[i + 1] === '-') {
      out.push(`${a}=-`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** yargs refused the command line (unknown option, missing value, ...). */
export class ParseFailure extends Error {}

/** Parses argv; returns the chosen command, or null when yargs printed help/version itself. */
export async function parseArgv(argv: string[]): Promise<{ invocation: ParsedInvocation | null; output: string }> {
  let invocation: ParsedInvocation | null = null;
  if (argv.length === 1 && argv[0] === '--version') return { invocation: null, output: versionString() + '\n' };
  const parser = buildParser((inv) => {
    invocation = inv;
  });
  let output = '';
  await parser.parseAsync(joinDashValues(argv), {}, (err, _argv, out) => {
    if (err) throw err;
    output = out;
  });
  if (invocation) rejectNonNumbers((invocation as ParsedInvocation).args, argv);
  return { invocation, output };
}

/** yargs turns `--max-changes abc` into NaN; say what was typed instead. */
function rejectNonNumbers(args: Record<string, unknown>, argv: readonly string[]): void {
  for (const [key, value] of Object.entries(args)) {
    if (typeof value !== 'number' || !Number.isNaN(value) || /[A-Z]/.test(key)) continue;
    const flag = `--${key}`;
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    const typed = i < 0 ? '' : argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : (argv[i + 1] ?? '');
    throw new ParseFailure(`${flag} takes a number, not "${typed}"`);
  }
}
