import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { parseInputBuffer, type InputFormat, type InputReadResult } from '../../src/sources/index.js';
import type { KeySource } from '../../src/core/types.js';

export function parseText(
  text: string,
  opts: { name?: string; format?: InputFormat; keySource?: KeySource } = {},
): InputReadResult {
  return parseInputBuffer(opts.name ?? 'users.csv', Buffer.from(text, 'utf8'), { format: opts.format ?? 'auto', keySource: opts.keySource });
}

/** Runs fn, expects an InputError naming `file` and `line`, returns it for further checks. */
export function expectInputError(fn: () => unknown, file: string, line: number | undefined, messagePart?: string | RegExp): InputError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an InputError').to.be.instanceOf(InputError);
  const err = caught as InputError;
  expect(err.file).to.equal(file);
  expect(err.line, err.toString()).to.equal(line);
  if (messagePart instanceof RegExp) expect(err.message).to.match(messagePart);
  else if (messagePart) expect(err.message).to.contain(messagePart);
  expect(err.toString()).to.contain(line === undefined ? `${file}: ` : `${file}:${line}: `);
  return err;
}
