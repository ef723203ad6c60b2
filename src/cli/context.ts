import type { Writable } from 'node:stream';
import type { RunContext } from '../util/runContext.js';

/** Everything a command may touch of the outside world, so tests can run commands in-process. */
export interface CommandContext extends RunContext {
  /** Only commands print (tables, documents for programs, the summary line). */
  stdout: Writable;
}
