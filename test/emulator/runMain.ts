// Runs the CLI from source (no build needed) with signal handling, like bin/zivver-keytool.js does.
import { main } from '../../src/cli/main.js';

main(process.argv.slice(2), { handleSignals: true }).then((code) => {
  process.exitCode = code;
});
