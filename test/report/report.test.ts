/**
 * The HTML reports as text: what each page says, escaping, what a large plan's page holds, and
 * that nothing in the file points anywhere. (report.browser.test.ts opens them in Chromium.)
 */
import { expect } from 'chai';
import { assemblePlanDocument } from '../../src/core/planDocument.js';
import { summarize } from '../../src/core/plan.js';
import type { PlanRow } from '../../src/core/types.js';
import { escapeHtml } from '../../src/report/escape.js';
import { planSentence, reasonGroup, renderPlanReport } from '../../src/report/planReport.js';
import { renderResultsReport, rollbackCommand } from '../../src/report/resultsReport.js';
import { progressChart } from '../../src/report/charts.js';
import { testSecret } from '../helpers/secrets.js';
import { networkReferences } from './references.js';
import { countResults, fixturePlan, fixtureResults, FORMULA_NAME, HOSTILE_NAME, ZIVVER_FAILURE } from './fixtures.js';

function resultsInput(whatIf = false) {
  const { plan } = fixturePlan(40);
  const { results, started, finished } = fixtureResults(plan);
  return {
    results,
    counts: countResults(results),
    whatIf,
    zivverUrl: plan.zivverUrl,
    plan: 'C:\\Change 42\\plan.json',
    planSha256: 'ab'.repeat(32),
    runId: 'run-1',
    journal: whatIf ? null : 'C:\\Change 42\\plan.json.results.jsonl',
    started,
    finished,
    figures: { requests: 92, throttled: 3, seconds: 41, readMode: 'fresh', listings: 0 },
    rollback: whatIf ? null : rollbackCommand({ zivverUrl: plan.zivverUrl, journal: 'C:\\Change 42\\plan.json.results.jsonl' }),
    toolVersion: '9.9.9',
  };
}

describe('report: escaping', () => {
  it('escapes markup and writes a URL scheme so that the file holds no URL, while the text reads the same', () => {
    expect(escapeHtml('<script>alert("x")</script>')).to.equal('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(escapeHtml("a & b's")).to.equal('a &amp; b&#39;s');
    expect(escapeHtml('see HTTPS://x.example and http://y')).to.equal('see HTTPS&#58;//x.example and http&#58;//y');
    expect(escapeHtml(null)).to.equal('');
    expect(escapeHtml(42)).to.equal('42');
  });
});

describe('report: plan page', () => {
  const { plan, details } = fixturePlan(40);
  const html = renderPlanReport({ plan, details, toolVersion: '9.9.9', madeBy: 'jdoe on ADMIN-PC', otherFiles: ['plan.json'] });

  it('says what will happen in one sentence and shows the counts per action', () => {
    expect(planSentence(plan)).to.equal(
      'This plan sets a new SSO key (objectId, as guid) on 40 Zivver accounts; 5 rows need attention first ' +
        '(1 not found, 1 ambiguous, 2 conflict and 1 invalid); 1 account already has its key; 1 row is skipped.',
    );
    expect(html).to.include(planSentence(plan).replace(/\(/g, '('));
    // The bar chart: one bar per action with its count as text.
    for (const [action, n] of Object.entries(plan.summary)) {
      expect(html).to.match(new RegExp(`>${action}</text><rect [^>]*></rect><text [^>]*>${n}</text>`));
    }
  });

  it('names the Zivver URL, the input with its SHA-256, the key source and format, who made it and when', () => {
    expect(html).to.include('https&#58;//app.zivver.com/api/scim/v2');
    expect(html).to.include('mailboxes.csv  SHA-256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(html).to.include('objectId, written as guid');
    expect(html).to.include('2026-11-30 06:00:00 UTC by jdoe on ADMIN-PC');
  });

  it('lists the rows that need attention first, in the order not-found, ambiguous, conflict, invalid, then the set rows', () => {
    const attention = html.indexOf('id="attention"');
    const set = html.indexOf('id="set"');
    expect(attention).to.be.greaterThan(0);
    expect(set).to.be.greaterThan(attention);
    const chips = [...html.slice(attention, set).matchAll(/class="chip c-([\w-]+)"/g)].map((m) => m[1]);
    expect(chips).to.deep.equal(['not-found', 'ambiguous', 'conflict', 'conflict', 'invalid']);
    expect(html.slice(set)).to.include('user39<wbr>@ziekenhuis.example');
  });

  it('shows a hostile display name and a formula as text, never as markup', () => {
    expect(html).not.to.include(HOSTILE_NAME);
    expect(html).to.include(escapeHtml(HOSTILE_NAME));
    expect(html).to.include('=HYPERLINK(&quot;http&#58;//evil.example/x&quot;,&quot;click&quot;)');
    expect(html).not.to.include(FORMULA_NAME);
    // The only script and style elements are the page's own.
    expect(html.match(/<script/g)).to.have.length(1);
    expect(html.match(/<style/g)).to.have.length(1);
  });

  it('counts per domain and per department', () => {
    const domains = html.slice(html.indexOf('id="domains"'));
    // 40 users: every fourth in zorg.example (10), the rest in ziekenhuis.example (30); the special rows are zorg.example.
    expect(domains).to.match(/<td>ziekenhuis\.example<\/td><td class="n" data-v="30">30<\/td>/);
    expect(domains).to.match(/<td>zorg\.example<\/td><td class="n" data-v="10">10<\/td><td class="n" data-v="5">5<\/td>/);
    const departments = html.slice(html.indexOf('id="departments"'));
    expect(departments).to.match(/<td>Cardiologie<\/td><td class="n" data-v="14">14<\/td>/);
    expect(departments).to.match(/<td>ICT<\/td><td class="n" data-v="13">13<\/td><td class="n" data-v="1">1<\/td>/);
  });

  it('loads and links nothing: no URL, no src or href, and a policy that forbids loading', () => {
    expect(networkReferences(html)).to.deep.equal([]);
    expect(html).to.match(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-/);
  });

  it('the check for references can fail: it finds a URL, an image source and a stylesheet link', () => {
    expect(networkReferences('<img src="x.png"><a href="https://x.example/">x</a><style>@import "y.css"</style>')).to.have.length(4);
  });

  it('shows the previous key where the plan records one, and leaves the column out where none does', () => {
    expect(html).not.to.include('Previous key');
    const rows: PlanRow[] = plan.rows.map((r) => (r.action === 'set' ? { ...r, previousKey: `{OLD-${r.line}}` } : r));
    const withPrevious = renderPlanReport({ plan: { ...plan, rows, previousKeySource: 'objectGuid', previousKeyFormat: 'guid' }, toolVersion: '9.9.9' });
    expect(withPrevious).to.include('Previous key');
    expect(withPrevious).to.include('{OLD-2}');
    expect(withPrevious).to.include('objectGuid, as guid');
  });

  it('never holds a secret that was around when it was made', () => {
    const secret = testSecret('api-key');
    process.env.ZIVVER_API_KEY = secret;
    try {
      const again = renderPlanReport({ plan, details, toolVersion: '9.9.9' });
      expect(again).not.to.include(secret);
    } finally {
      delete process.env.ZIVVER_API_KEY;
    }
  });
});

describe('report: a large plan', () => {
  it('lists the attention rows and the first set rows up to the limits and says what the page holds', () => {
    const rows: PlanRow[] = [];
    for (let i = 0; i < 2_000; i++) {
      rows.push({
        line: i + 2,
        input: 'big.csv',
        email: `u${i}@big.example`,
        zivverId: `id-${i}`,
        userName: `u${i}@big.example`,
        newKey: `key-${i}`,
        action: i % 10 === 0 ? 'not-found' : i % 10 === 1 ? 'unchanged' : 'set',
        reason: i % 10 === 0 ? `no Zivver account with userName or alias u${i}@big.example` : 'matched by userName = primary address',
        fingerprint: '',
      });
    }
    const plan = assemblePlanDocument({
      createdAt: '2026-11-30T06:00:00.000Z',
      zivverUrl: 'https://app.zivver.com/api/scim/v2',
      keySource: 'objectId',
      keyFormat: 'guid',
      inputs: [{ name: 'big.csv', sha256: '00' }],
      summary: summarize(rows),
      rows,
    });
    const html = renderPlanReport({ plan, toolVersion: '9.9.9', limits: { attention: 50, set: 100 }, otherFiles: ['big.json'] });
    const attention = html.slice(html.indexOf('id="attention"'), html.indexOf('id="set"'));
    expect(attention.match(/<tr>/g)).to.have.length(1 + 50);
    const set = html.slice(html.indexOf('id="set"'), html.indexOf('id="domains"'));
    expect(set.match(/<tr>/g)).to.have.length(1 + 100);
    expect(html).to.include('The first 100 of 1,600 set rows are listed (in input order); every row is in the plan file.');
    expect(html).to.include('The first 50 of 200 rows that need attention are listed');
    expect(html).to.include('This page lists 150 of the plan&#39;s 2,000 rows: the first 50 of 200 rows that need attention and the first 100 of 1,600 set rows; unchanged and skipped rows are counted by reason. Every row is in big.json.');
    // Unchanged rows are grouped by reason, with the addresses taken out.
    expect(html).to.match(/c-unchanged">unchanged<\/span><\/td><td class="w">matched by userName = primary address<\/td><td class="n" data-v="200">200</);
  });

  it('groups reasons without their addresses, keys and lines', () => {
    expect(reasonGroup('no Zivver account with userName or alias a@b.nl, c@d.nl')).to.equal('no Zivver account with userName or alias …, …');
    expect(reasonGroup('duplicate of line 12 (same account, same key)')).to.equal('duplicate of line … (same account, same key)');
  });
});

describe('report: results page', () => {
  const input = resultsInput();
  const html = renderResultsReport(input);

  it('says what happened in one sentence and counts each status', () => {
    expect(html).to.include('37 accounts at https&#58;//app.zivver.com/api/scim/v2 got a new SSO key; 1 drifted (not written: the account changed since the plan), 2 failed, 7 skipped.');
    for (const [status, n] of [['updated', 37], ['drifted', 1], ['failed', 2], ['skipped', 7]] as const) {
      expect(html).to.match(new RegExp(`>${status}</text><rect [^>]*></rect><text [^>]*>${n}</text>`));
    }
  });

  it("shows each failure with Zivver's words as text, the requests per update, the 429s and the rollback commands", () => {
    expect(html).to.include(escapeHtml(ZIVVER_FAILURE));
    expect(html).not.to.include('<b>Cardiologie</b>');
    expect(html).to.include('92, 2.49 per update; 3 answered 429 (rate limit)');
    expect(html).to.include(
      'zivver-keytool rollback --zivver-url https&#58;//app.zivver.com/api/scim/v2 --results &quot;C:\\Change 42\\plan.json.results.jsonl&quot; --out rollback.json\n' +
        'zivver-keytool apply --zivver-url https&#58;//app.zivver.com/api/scim/v2 --plan rollback.json',
    );
    expect(networkReferences(html)).to.deep.equal([]);
  });

  it('draws the progress over time from the rows\' timestamps', () => {
    const chart = progressChart(
      [
        { at: 1_000, status: 'updated' },
        { at: 3_000, status: 'updated' },
        { at: 2_000, status: 'failed' },
      ],
      [{ status: 'updated', color: '#000' }, { status: 'failed', color: '#f00' }],
      0,
      't',
      400,
      200,
    );
    expect(chart.lines.map((l) => [l.status, l.total])).to.deep.equal([['updated', 2], ['failed', 1]]);
    expect(chart.durationSeconds).to.equal(3);
    // updated: flat at 0, up to 1 at 1 s, up to 2 at 3 s (the end, the right edge).
    const pts = chart.lines[0]!.points.split(' ').map((p) => p.split(',').map(Number));
    const right = chart.plot.x + chart.plot.w;
    expect(pts[pts.length - 1]![0]).to.equal(right);
    expect(pts[pts.length - 1]![1]).to.equal(chart.plot.y);
    expect(html).to.match(/<polyline fill="none" stroke="#1a7f37"/);
  });

  it('a what-if run says nothing was written and gives no rollback', () => {
    const what = resultsInput(true);
    const results = what.results.map((r) => (r.status === 'updated' ? { ...r, status: 'would-update' as const } : r));
    const page = renderResultsReport({ ...what, results, counts: countResults(results) });
    expect(page).to.include('What-if run, nothing was written: 37 accounts at https&#58;//app.zivver.com/api/scim/v2 would get a new SSO key');
    expect(page).to.include('Nothing was written, so there is nothing to undo.');
    expect(page).not.to.include('zivver-keytool rollback');
  });
});
