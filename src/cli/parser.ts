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
import { ssoCheckCommand } from './commands/ssoCheck.js';
import { versionString } from './version.js';
import { examplesOf } from './suggest.js';

export const COMMANDS: KeytoolCommand[] = [
  planCommand,
  applyCommand,
  syncCommand,
  rollbackCommand,
  testConnectionCommand,
  ssoCheckCommand,
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
    .demandCommand(1, 'Name a command: plan, apply, sync, rollback, test-connection, sso-check or emulator.')
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
    y = y.command(cmd.command, cmd.describe, (yy: Argv) => withoutYargsExamples(yy, cmd.builder), (args) => {
      onSelect({ command: cmd, args: args as Record<string, unknown> });
    });
  }
  return y;
}

/**
 * yargs sets examples in two columns and hard-wraps long commands across lines, which breaks
 * copy-paste into a console. Its own rendering is switched off here (the builder's .example()
 * calls are swallowed); parseArgv appends them unwrapped to the command's --help instead.
 */
function withoutYargsExamples(y: Argv, builder: (y: Argv) => Argv): Argv {
  const proxy: Argv = new Proxy(y, {
    get(target, prop, receiver) {
      if (prop === 'example') return () => proxy;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const out = (value as (...a: unknown[]) => unknown).apply(target, args);
        return out === target ? proxy : out;
      };
    },
  });
  return builder(proxy);
}

/** A command's examples for --help: the description as a comment, the command whole below it. */
export function formatExamples(command: KeytoolCommand): string {
  const examples = examplesOf(command);
  if (!examples.length) return '';
  return 'Examples:\n' + examples.map(([c, d]) => `  # ${d}\n  ${c.replace(/\$0/g, 'zivver-keytool')}`).join('\n\n') + '\n';
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
  const helpFor = COMMANDS.find((c) => c.command.split(' ')[0] === argv[0]);
  if (output && helpFor && (argv.includes('--help') || argv.includes('-h'))) {
    const examples = formatExamples(helpFor);
    if (examples) output = `${output.trimEnd()}\n\n${examples}`;
  }
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
