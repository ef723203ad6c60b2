import type { KeytoolCommand } from '../command.js';
import { withCommonOptions } from '../options.js';
import { UsageError } from '../../errors.js';

export const planCommand: KeytoolCommand = {
  command: 'plan',
  describe: 'Build a plan: which Zivver account gets which new key',
  builder: (y) => withCommonOptions(y),
  run: async () => {
    throw new UsageError('plan is not implemented yet');
  },
};
