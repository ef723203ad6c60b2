/**
 * Typed errors. Commands throw these; only src/cli/main.ts maps them to exit codes and
 * messages (stack traces only with --debug). Messages must never contain secrets.
 */

export const ExitCode = {
  Ok: 0,
  /** Finished, but some rows failed or drifted. */
  Partial: 1,
  /** Usage or input error; nothing was written. (plan --detailed-exitcode: "something to set"; its errors are all 1.) */
  Usage: 2,
  /** Cannot reach or authenticate to Zivver (or Graph); nothing was written. */
  Connection: 3,
  /** Interrupted; a resumable journal exists. */
  Interrupted: 4,
  /** plan --detailed-exitcode (Terraform's convention): any error. */
  DetailedError: 1,
  /** plan --detailed-exitcode: something to set. */
  DetailedChanges: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class KeytoolError extends Error {
  abstract readonly exitCode: ExitCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags or bad combination of flags. */
export class UsageError extends KeytoolError {
  readonly exitCode = ExitCode.Usage;
}

/**
 * Bad input data. `file` and `line` say where; `hint` says what to do.
 * Rendered as `<file>:<line>: <message>` followed by the hint.
 */
export class InputError extends KeytoolError {
  readonly exitCode = ExitCode.Usage;
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly hint?: string,
  ) {
    super(message);
  }
  override toString(): string {
    const where = this.file ? `${this.file}${this.line ? `:${this.line}` : ''}: ` : '';
    return `${where}${this.message}${this.hint ? `\n  ${this.hint}` : ''}`;
  }
}

/**
 * Zivver answered with an error (status + Zivver's own text, verbatim). Reaching the exit point
 * means a command could not go on with Zivver (a listing, a refused key, retries run out): exit 3.
 * Rows that fail during apply are recorded per row and never thrown this far; they make exit 1.
 */
export class ZivverApiError extends KeytoolError {
  readonly exitCode = ExitCode.Connection;
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
    readonly method?: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

/** Zivver (or Graph, or the token endpoint) cannot be reached or refuses our credentials. */
export class ConnectionError extends KeytoolError {
  readonly exitCode = ExitCode.Connection;
}

/** Microsoft Graph / Entra sign-in or query failure. */
export class GraphError extends KeytoolError {
  readonly exitCode = ExitCode.Connection;
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The run was interrupted (Ctrl-C, SIGTERM); a resumable journal exists. */
export class InterruptedError extends KeytoolError {
  readonly exitCode = ExitCode.Interrupted;
}

/** A plan that no longer fits what it was planned against, or that was altered into nonsense. */
export class StalePlanError extends KeytoolError {
  readonly exitCode = ExitCode.Usage;
}

/**
 * A local record (the results journal or the ledger) could not be written. The run stops taking
 * rows: continuing would write keys nobody can resume from or roll back. Rerunning resumes.
 */
export class RecordError extends KeytoolError {
  readonly exitCode = ExitCode.Partial;
}

/** Zivver kept failing (unreachable, or 5xx/429 after every retry): the run stopped taking rows. */
export class ZivverOutageError extends ConnectionError {}
