// Mocha's spec reporter plus one closing line, `mocha: N passed, N failed, N skipped`, and the
// same counts as JSON in $TEST_SUMMARY_FILE for test/run-all.mjs to add up.
'use strict';
const Mocha = require('mocha');
const fs = require('node:fs');

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const s = runner.stats || {};
      const passed = s.passes || 0;
      const failed = s.failures || 0;
      const skipped = s.pending || 0;
      // Printed after the spec reporter's epilogue.
      process.nextTick(() => console.log(`mocha: ${passed} passed, ${failed} failed, ${skipped} skipped`));
      if (process.env.TEST_SUMMARY_FILE) {
        fs.writeFileSync(process.env.TEST_SUMMARY_FILE, JSON.stringify({ runner: 'mocha', passed, failed, skipped }));
      }
    });
  }
}
module.exports = SpecWithSummary;
