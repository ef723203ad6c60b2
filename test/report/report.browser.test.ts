/**
 * The HTML reports in real headless Chromium, opened from the file system: the rendered page's text
 * (the counts, the attention rows, a hostile display name as text), that the page fetches nothing
 * (Chromium's net log), a screenshot that is the right size and not blank, and printing to A4 PDF.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderPlanReport } from '../../src/report/planReport.js';
import { renderResultsReport, rollbackCommand } from '../../src/report/resultsReport.js';
import { loadPage, measurePng, printToPdf, requireChromium, screenshot, type Loaded } from '../helpers/chromium.js';
import { countResults, fixturePlan, fixtureResults } from './fixtures.js';
import { networkReferences } from './references.js';

/** The text of the rows of one table (by the id of its box) in a dumped DOM: cells joined by " | ". */
function tableRows(dom: string, id: string): string[] {
  const start = dom.indexOf(`id="${id}"`);
  const body = dom.slice(dom.indexOf('<tbody>', start), dom.indexOf('</tbody>', start));
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) =>
    [...m[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, '').trim()).join(' | '),
  );
}

function pdfPages(file: string): string[] {
  const text = readFileSync(file).toString('latin1');
  expect(text.startsWith('%PDF-')).to.equal(true);
  return [...text.matchAll(/\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/g)].map((m) => `${Math.round(Number(m[1]))}x${Math.round(Number(m[2]))}`);
}

describe('report: HTML pages in headless Chromium', function () {
  this.timeout(240_000);
  let dir: string;
  let planFile: string;
  let resultsFile: string;
  let controlFile: string;
  let loaded: { plan: Loaded; results: Loaded; control: Loaded };

  before(async function () {
    requireChromium(this);
    dir = mkdtempSync(path.join(os.tmpdir(), 'keytool-report-'));
    const { plan, details } = fixturePlan(40);
    planFile = path.join(dir, 'plan.html');
    writeFileSync(planFile, renderPlanReport({ plan, details, toolVersion: '9.9.9', madeBy: 'jdoe on ADMIN-PC', otherFiles: ['plan.json'] }));
    const { results, started, finished } = fixtureResults(plan);
    resultsFile = path.join(dir, 'results.html');
    writeFileSync(
      resultsFile,
      renderResultsReport({
        results,
        counts: countResults(results),
        whatIf: false,
        zivverUrl: plan.zivverUrl,
        plan: 'plan.json',
        planSha256: 'ab'.repeat(32),
        runId: 'run-1',
        journal: 'plan.json.results.jsonl',
        started,
        finished,
        figures: { requests: 92, throttled: 3, seconds: 41, readMode: 'fresh', listings: 0 },
        rollback: rollbackCommand({ zivverUrl: plan.zivverUrl, journal: 'plan.json.results.jsonl' }),
        toolVersion: '9.9.9',
      }),
    );
    // A page that does fetch: proves the net-log check can see a page's requests.
    controlFile = path.join(dir, 'control.html');
    writeFileSync(controlFile, '<!DOCTYPE html><title>control</title><p>control</p><img src="http://127.0.0.1:9/probe.png"><link rel="stylesheet" href="https://fonts.example.invalid/probe.css">');
    // Chromium mostly waits at start and exit: open the three pages side by side.
    const [p, r, c] = await Promise.all([loadPage(planFile, dir), loadPage(resultsFile, dir), loadPage(controlFile, dir)]);
    loaded = { plan: p!, results: r!, control: c! };
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the plan page shows the counts, the attention rows first, and a hostile display name as text', () => {
    const dom = loaded.plan.dom;
    expect(dom).to.include('<h1>Zivver key plan: 40 to set, 5 need attention</h1>');
    expect(dom).to.match(/>set<\/text><rect [^>]*><\/rect><text [^>]*>40<\/text>/);
    expect(dom).to.match(/>conflict<\/text><rect [^>]*><\/rect><text [^>]*>2<\/text>/);
    const attention = tableRows(dom, 'attention');
    expect(attention.map((r) => r.split(' | ')[0])).to.deep.equal(['not-found', 'ambiguous', 'conflict', 'conflict', 'invalid']);
    expect(attention[0]).to.include('nobody@zorg.example | Nobody Known | ICT | no Zivver account with userName or alias nobody@zorg.example');
    // The hostile name is a text node: serialised escaped, no element made of it, and its script never ran.
    const set = tableRows(dom, 'set');
    expect(set[0]).to.include('&lt;script&gt;document.title="owned"&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(set[1]).to.include('=HYPERLINK("http://evil.example/x","click")');
    expect(dom).not.to.match(/<img/i);
    expect(dom).to.include('<title>Zivver key plan: 40 to set, 5 need attention</title>');
    // The page's own script did run (allowed by its hash): it showed the filter boxes.
    expect(dom).to.match(/<div class="tools"><input type="search"/);
  });

  it('the results page shows the counts, the failures in Zivver\'s words and the rollback commands', () => {
    const dom = loaded.results.dom;
    expect(dom).to.include('<h1>Zivver key run: 37 updated, 2 failed, 1 drifted</h1>');
    const failed = tableRows(dom, 'failed');
    expect(failed).to.have.length(2);
    expect(failed[0]).to.include('400 | Invalid division: &lt;b&gt;Cardiologie&lt;/b&gt; =HYPERLINK("http://evil.example")');
    expect(failed[1]).to.include('| yes |');
    expect(tableRows(dom, 'drifted')).to.have.length(1);
    expect(tableRows(dom, 'updated')).to.have.length(37);
    expect(dom).to.include('zivver-keytool rollback --zivver-url https://app.zivver.com/api/scim/v2 --results plan.json.results.jsonl --out rollback.json');
    expect(dom).to.match(/<polyline fill="none" stroke="#1a7f37"/);
  });

  it('the pages fetch nothing (and the check sees it when a page does)', () => {
    expect(loaded.plan.pageRequests).to.deep.equal([]);
    expect(loaded.results.pageRequests).to.deep.equal([]);
    expect(loaded.control.pageRequests.sort()).to.deep.equal(['http://127.0.0.1:9/probe.png', 'https://fonts.example.invalid/probe.css']);
    for (const f of [planFile, resultsFile]) expect(networkReferences(readFileSync(f, 'utf8')), f).to.deep.equal([]);
  });

  it('a screenshot of the plan page is the size asked for and shows the page', async () => {
    const png = path.join(dir, 'plan.png');
    const blank = path.join(dir, 'blank.html');
    writeFileSync(blank, '<!DOCTYPE html><title>blank</title>');
    const blankPng = path.join(dir, 'blank.png');
    await Promise.all([screenshot(planFile, png, 1000, 1400), screenshot(blank, blankPng, 400, 300)]);
    const pic = measurePng(readFileSync(png));
    expect([pic.width, pic.height]).to.deep.equal([1000, 1400]);
    expect(statSync(png).size).to.be.greaterThan(20_000);
    // Text, chart bars and table lines: a real page, not a blank one.
    expect(pic.inked).to.be.greaterThan(0.02);
    expect(pic.colours).to.be.greaterThan(20);
    // A blank page measures as blank, so the numbers above mean something.
    expect(measurePng(readFileSync(blankPng)).inked).to.equal(0);
  });

  it('both pages print to A4 PDF', async () => {
    const planPdf = path.join(dir, 'plan.pdf');
    const resultsPdf = path.join(dir, 'results.pdf');
    await Promise.all([printToPdf(planFile, planPdf), printToPdf(resultsFile, resultsPdf)]);
    for (const pdf of [planPdf, resultsPdf]) {
      const pages = pdfPages(pdf);
      expect(pages.length, pdf).to.be.within(1, 12);
      // A4 landscape in points (842 x 595): the wide tables fit across the page.
      for (const p of pages) expect(p).to.equal('842x595');
    }
  });
});
