import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../util/logger.js';
import type { ProgressReporter } from '../util/progress.js';

/** Everything a command may touch of the outside world, so tests can run commands in-process. */
export interface CommandContext {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  logger: Logger;
  progress: ProgressReporter;
  /** Aborted on the first Ctrl-C / SIGTERM: stop taking new work, finish or record what is in flight. */
  signal: AbortSignal;
}
