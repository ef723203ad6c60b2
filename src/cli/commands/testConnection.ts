import type { KeytoolCommand } from '../command.js';
import { withCommonOptions } from '../options.js';
import { UsageError } from '../../errors.js';

export const testConnectionCommand: KeytoolCommand = {
  command: 'test-connection',
  describe: 'Check the Zivver URL, TLS, API key and rate budget',
  builder: (y) => withCommonOptions(y),
  run: async () => {
    throw new UsageError('test-connection is not implemented yet');
  },
};
