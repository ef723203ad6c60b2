import { expect } from 'chai';
import { ExitCode, UsageError } from '../../src/errors.js';

/** Runs fn, expects a UsageError (exit 2) and returns its message. */
export function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(UsageError);
    expect((e as UsageError).exitCode).to.equal(ExitCode.Usage);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}
