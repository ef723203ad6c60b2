import type { KeytoolCommand } from '../command.js';
import { withCommonOptions } from '../options.js';
import { UsageError } from '../../errors.js';

export const rollbackCommand: KeytoolCommand = {
  command: 'rollback',
  describe: 'Write a plan that restores previous keys from a results journal and the ledger',
  builder: (y) => withCommonOptions(y),
  run: async () => {
    throw new UsageError('rollback is not implemented yet');
  },
};
