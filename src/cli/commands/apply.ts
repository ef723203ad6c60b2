import type { KeytoolCommand } from '../command.js';
import { withCommonOptions } from '../options.js';
import { UsageError } from '../../errors.js';

export const applyCommand: KeytoolCommand = {
  command: 'apply',
  describe: 'Carry out the set rows of a plan',
  builder: (y) => withCommonOptions(y),
  run: async () => {
    throw new UsageError('apply is not implemented yet');
  },
};
