#!/usr/bin/env node
// The CLI entry. All logic lives in dist/ (compiled from src/ by `npm run build`, which
// `npm ci` runs through the `prepare` script). This is the only file that ends the process.
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2), { handleSignals: true }).then((code) => {
  process.exitCode = code;
});
