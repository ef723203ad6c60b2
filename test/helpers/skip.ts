/**
 * A test that needs a tool this machine lacks is skipped, saying what is missing in its title; with
 * KEYTOOL_REQUIRE_ALL=1 (CI) it fails instead, so CI cannot pass without running it.
 */
export function skipOrFail(ctx: Mocha.Context, what: string): never {
  if (process.env.KEYTOOL_REQUIRE_ALL === '1') {
    throw new Error(`needs ${what} — KEYTOOL_REQUIRE_ALL=1, so this is a failure, not a skip`);
  }
  // In a before() hook, ctx.test is the hook (and ctx.currentTest may already name the first test).
  const hook = (ctx.test as { type?: string } | undefined)?.type === 'hook';
  const runnable = hook ? ctx.test : (ctx.currentTest ?? ctx.test);
  if (hook && runnable?.parent) {
    // A before() hook skips every test of its suite: name each of them.
    for (const t of runnable.parent.tests) {
      process.stderr.write(`      [skipped] ${t.fullTitle()}: ${what}\n`);
      t.title += ` (skipped: ${what})`;
    }
  } else if (runnable) {
    process.stderr.write(`      [skipped] ${runnable.fullTitle()}: ${what}\n`);
    runnable.title += ` (skipped: ${what})`;
  }
  ctx.skip();
}
