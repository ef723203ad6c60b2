import type { KeytoolCommand } from '../command.js';
import { withCommonOptions } from '../options.js';
import { UsageError } from '../../errors.js';

export const emulatorCommand: KeytoolCommand = {
  command: 'emulator',
  describe: 'Run a local Zivver SCIM emulator for demos and tests',
  builder: (y) => withCommonOptions(y),
  run: async () => {
    throw new UsageError('emulator is not implemented yet');
  },
};
