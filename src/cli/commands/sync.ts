import type { KeytoolCommand } from '../command.js';
import { withCommonOptions } from '../options.js';
import { UsageError } from '../../errors.js';

export const syncCommand: KeytoolCommand = {
  command: 'sync',
  describe: 'plan then apply in one run, for scheduled tasks',
  builder: (y) => withCommonOptions(y),
  run: async () => {
    throw new UsageError('sync is not implemented yet');
  },
};
