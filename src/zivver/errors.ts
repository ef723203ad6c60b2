/**
 * The client's failures, as subclasses of the project's typed errors (so exit codes and
 * `instanceof ZivverApiError` / `ConnectionError` keep working) that also say how many attempts
 * were made and whether a write might have reached Zivver anyway. After an ambiguous failure of a
 * PUT (5xx, reset or timeout after the request went out) the key may or may not have been set:
 * the apply engine must record that, not report the row as cleanly failed.
 */
import { ConnectionError, InterruptedError, ZivverApiError } from '../errors.js';

export interface RequestFailureInfo {
  /** HTTP attempts made (1 = no retries). */
  readonly attempts: number;
  /** True when a write may have been applied by Zivver although it did not acknowledge it. */
  readonly mayHaveBeenApplied: boolean;
}

/** Zivver answered with an error status (or an unusable body). */
export class ZivverHttpError extends ZivverApiError implements RequestFailureInfo {
  constructor(
    message: string,
    status: number,
    body: string,
    method: string,
    path: string,
    readonly attempts: number,
    readonly mayHaveBeenApplied: boolean,
  ) {
    super(message, status, body, method, path);
  }
}

/** Zivver could not be reached (DNS, refused, TLS, resets or timeouts until retries ran out). */
export class ZivverUnreachableError extends ConnectionError implements RequestFailureInfo {
  constructor(
    message: string,
    /** The network error code, e.g. ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED, TIMEOUT. */
    readonly code: string,
    readonly method: string,
    readonly path: string,
    readonly attempts: number,
    readonly mayHaveBeenApplied: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A PUT was not (re)sent because its body would have been older than the caller's bound
 * (`replaceUser(id, body, { notAfter })`): after a 429 or 5xx the wait would have outlived the
 * account data the body was built from, and a stale body overwrites changes made meanwhile (an
 * alias added). The caller re-reads the account and builds a new body. `status` is the last
 * answer (0: none, or a network failure). `mayHaveBeenApplied` says whether an earlier attempt
 * may have reached Zivver (a 5xx or reset after sending); a 429 alone means nothing was applied.
 */
export class ZivverStaleWriteError extends ZivverHttpError {}

/** The client's AbortSignal fired while a request waited or was in flight. */
export class ZivverAbortedError extends InterruptedError implements RequestFailureInfo {
  constructor(
    message: string,
    readonly method: string,
    readonly path: string,
    readonly attempts: number,
    readonly mayHaveBeenApplied: boolean,
  ) {
    super(message);
  }
}

/**
 * Whether a failed write might nevertheless have taken effect. The client's own errors say so
 * (their mayHaveBeenApplied); any other answer from Zivver, or a failure to reach it, means it did
 * not; an error that cannot be classified after the request went out is assumed to have.
 */
export function writeMayHaveApplied(err: unknown): boolean {
  if (err && typeof err === 'object' && 'mayHaveBeenApplied' in err) return Boolean((err as { mayHaveBeenApplied: unknown }).mayHaveBeenApplied);
  return !(err instanceof ZivverApiError) && !(err instanceof ConnectionError);
}
