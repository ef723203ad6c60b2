/**
 * `npm run bench`: prints figures (wall time, requests, memory) for each section. Never asserts
 * on time: speed is reported, not tested. Run one section with `npm run bench -- plan`.
 * Sections: plan (100k users vs 100k accounts, its floor, and sync), apply, ps, exe, report (HTML reports of 100k rows).
 * Flags: --long (the 2,000-row apply), --profile (CPU and heap profiles of the plan run).
 */
const SECTIONS = ['plan', 'apply', 'ps', 'exe', 'report'] as const;

async function main(): Promise<void> {
  const started = Date.now();
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const sections = wanted.length ? wanted : [...SECTIONS];
  for (const name of sections) {
    if (!(SECTIONS as readonly string[]).includes(name)) {
      console.error(`unknown bench section "${name}"; sections: ${SECTIONS.join(', ')}`);
      process.exitCode = 2;
      return;
    }
    console.log(`\n=== bench: ${name} ===`);
    let mod: { run: () => Promise<void> };
    try {
      mod = (await import(`./${name}.ts`)) as { run: () => Promise<void> };
    } catch (err) {
      console.log(`(section ${name} not available: ${(err as Error).message.split('\n')[0]})`);
      continue;
    }
    try {
      await mod.run();
    } catch (err) {
      console.log(`section ${name} FAILED: ${(err as Error).stack ?? err}`);
      process.exitCode = 1;
    }
  }
  console.log(`\nbench: ${((Date.now() - started) / 60_000).toFixed(1)} minutes in all`);
}

await main();
