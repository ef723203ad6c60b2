import type { Argv } from 'yargs';
import type { CommandContext } from './context.js';

/**
 * A command as a typed module: yargs builder plus a run function that returns the exit code
 * (or throws a typed error from src/errors.ts). Commands never call process.exit.
 */
export interface KeytoolCommand<A = any> {
  command: string;
  describe: string;
  builder: (y: Argv) => Argv<A>;
  run: (args: A, ctx: CommandContext) => Promise<number>;
  /**
   * The exit code for every error (usage, input, Zivver, interruption) when the command line asks
   * for one, else undefined (each error's own code). Given the raw argv, so that it holds for
   * command lines yargs refuses too (plan --detailed-exitcode: 1, Terraform's convention).
   */
  errorExitCode?: (argv: readonly string[]) => number | undefined;
}
