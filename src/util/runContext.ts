import type { Readable, Writable } from 'node:stream';
import type { Logger } from './logger.js';
import type { ProgressReporter } from './progress.js';

/**
 * What the layers below the command line may touch of the outside world while they work: the
 * clock-free parts of a run (logging, progress, the stop signal, where relative paths start, the
 * environment). stdout is not here: only commands print.
 */
export interface RunContext {
  /** Read by `--input -` and `--plan -`. */
  stdin: Readable;
  /** The device-code sign-in prompt goes here. */
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  logger: Logger;
  progress: ProgressReporter;
  /** Aborted on the first Ctrl-C / SIGTERM: stop taking new work, finish or record what is in flight. */
  signal: AbortSignal;
  /**
   * The run's own files as given (relative to cwd): --log-file (appended to) and --stop-file
   * (created by another program to stop the run). Every file guard names them with the rest.
   */
  runFiles?: { logFile?: string; stopFile?: string };
}
