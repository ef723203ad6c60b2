import { expect } from 'chai';
import path from 'node:path';
import {
  resolveApplyOptions,
  resolveApplyReporting,
  resolveCanary,
  resolveGraphSignIn,
  resolveLedgerFile,
  resolvePlanSettings,
  resolveSsoSafety,
  resolveZivverConnection,
  type GraphOptionArgs,
  type PlanOptionArgs,
} from '../../src/cli/options.js';
import { detailedExitcodeAsked } from '../../src/cli/commands/plan.js';
import { CLIENT_ID, graphSignInDefaults, TENANT_ID } from '../helpers/graphSignIn.js';
import { usage } from '../helpers/usage.js';

const T = TENANT_ID;
const C = CLIENT_ID;

describe('resolveZivverConnection (the Zivver group)', () => {
  it('checks the URL, parses the rate limit and resolves the proxy; the API key is not read here', () => {
    const c = resolveZivverConnection({ zivverUrl: 'https://app.zivver.com/api/scim/v2/', rateLimit: '20/5', apiKeyFile: 'key.txt' }, { HTTPS_PROXY: 'http://proxy.corp:8080' });
    expect(c.url.href).to.equal('https://app.zivver.com/api/scim/v2');
    expect(c.rateLimit).to.deep.equal({ requests: 20, seconds: 5 });
    expect(c.proxy.https?.origin).to.equal('http://proxy.corp:8080');
    expect(c.apiKeyFile).to.equal('key.txt');
    expect(usage(() => resolveZivverConnection({ zivverUrl: 'http://zivver.example/scim', rateLimit: '50/10' }, {}))).to.match(/plain http/);
    expect(usage(() => resolveZivverConnection({ zivverUrl: 'https://app.zivver.com/api/scim/v2', rateLimit: 'lots' }, {}))).to.match(/rate-limit/);
  });
});

describe('resolveLedgerFile (the ledger option)', () => {
  it('resolves --ledger and the default (ZIVVER_KEYTOOL_LEDGER) against the working folder', () => {
    const cwd = path.resolve('/work/here');
    expect(resolveLedgerFile({ ledger: 'l.jsonl' }, { cwd, env: {} })).to.equal(path.join(cwd, 'l.jsonl'));
    expect(resolveLedgerFile({}, { cwd, env: { ZIVVER_KEYTOOL_LEDGER: 'rel/ledger.jsonl' } })).to.equal(path.join(cwd, 'rel', 'ledger.jsonl'));
    expect(path.isAbsolute(resolveLedgerFile({}, { cwd, env: { HOME: '/home/x', APPDATA: 'C:\\Users\\x\\AppData\\Roaming' } }))).to.equal(true);
  });
});

describe('resolvePlanSettings (the plan group)', () => {
  const args: PlanOptionArgs & GraphOptionArgs = {
    input: ['a.csv'],
    inputFormat: 'auto',
    source: 'file',
    keySource: 'objectGuid',
    includeEmails: ['a@org.nl;b@org.nl'],
    ignoreLedger: false,
    deviceCode: false,
    managedIdentity: false,
    authorityHost: 'https://login.microsoftonline.com',
    graphUrl: 'https://graph.microsoft.com',
  };
  it('parses key sources, splits filters and resolves the ledger (none with --ignore-ledger)', () => {
    const s = resolvePlanSettings({ ...args, ledger: 'l.jsonl', previousKeySource: 'objectId' }, { cwd: '/w', env: {} });
    expect(s.keySource).to.deep.equal({ kind: 'objectGuid' });
    expect(s.keyFormat).to.equal('guid');
    expect(s.previousKeySource).to.deep.equal({ kind: 'objectId' });
    expect(s.filters.includeEmails).to.deep.equal(['a@org.nl', 'b@org.nl']);
    expect(s.ledgerFile).to.equal(path.resolve('/w', 'l.jsonl'));
    expect(s.graph).to.equal(undefined);
    expect(resolvePlanSettings({ ...args, ignoreLedger: true }, { cwd: '/w', env: {} }).ledgerFile).to.equal(null);
    const g = resolvePlanSettings({ ...args, input: undefined, source: 'graph', tenantId: T, clientId: C }, { cwd: '/w', env: {} });
    expect(g.graph).to.include({ tenantId: T, clientId: C });
  });
  it('refuses what flags alone get wrong', () => {
    expect(usage(() => resolvePlanSettings({ ...args, keySource: 'guid' }, { cwd: '/w', env: {} }))).to.match(/--key-source "guid"/);
    expect(usage(() => resolvePlanSettings({ ...args, previousKeyFormat: 'raw' }, { cwd: '/w', env: {} }))).to.match(/needs --previous-key-source/);
    expect(usage(() => resolvePlanSettings({ ...args, input: [] }, { cwd: '/w', env: {} }))).to.match(/Say where the users come from/);
    expect(usage(() => resolvePlanSettings({ ...args, source: 'graph' }, { cwd: '/w', env: {} }))).to.match(/exclude each other/);
    expect(usage(() => resolvePlanSettings({ ...args, input: ['-', '-'] }, { cwd: '/w', env: {} }))).to.match(/only once/);
  });
});

describe('resolveApplyOptions (the apply groups)', () => {
  const args = { whatIf: false, concurrency: 4, yes: false, read: 'fresh' as const, maxReadAge: 30, allowOtherUrl: false };
  it('passes the settings on and refuses bad numbers', () => {
    expect(resolveApplyOptions({ ...args, maxChanges: 3, results: 'r.jsonl' })).to.deep.equal({ results: 'r.jsonl', whatIf: false, maxChanges: 3, concurrency: 4, read: 'fresh', maxReadAge: 30, allowOtherUrl: false });
    expect(usage(() => resolveApplyOptions({ ...args, concurrency: 0 }))).to.match(/--concurrency/);
    expect(usage(() => resolveApplyOptions({ ...args, maxChanges: 1.5 }))).to.match(/--max-changes/);
    expect(usage(() => resolveApplyOptions({ ...args, maxReadAge: 0 }))).to.match(/--max-read-age/);
  });
});

describe('resolveApplyReporting (the output group and --report, for apply and sync)', () => {
  const args = { yes: false, output: 'table' as const, csvDelimiter: ',', csvBom: false, force: false };
  it('keeps --report as given (the file guard resolves and checks it) and the output settings', () => {
    expect(resolveApplyReporting({ ...args, yes: true, out: ['r.csv', 'r.txt'], report: 'r.html' })).to.deep.equal({
      yes: true,
      out: ['r.csv', 'r.txt'],
      report: 'r.html',
      output: 'table',
      csvDelimiter: ',',
      csvBom: false,
      force: false,
    });
  });
  it('refuses an --out name that is no results file, pointing a .html one to --report', () => {
    expect(usage(() => resolveApplyReporting({ ...args, out: ['r.html'] }))).to.match(/--report r\.html/);
    expect(usage(() => resolveApplyReporting({ ...args, out: ['r.xlsx'] }))).to.match(/unknown file type "\.xlsx"/);
    expect(usage(() => resolveApplyReporting({ ...args, report: 'r.pdf' }))).to.match(/ending in \.html/);
  });
});

describe('plan --detailed-exitcode on the raw command line', () => {
  it('is asked for by the flag (last word wins), including a flag yargs would refuse after it', () => {
    expect(detailedExitcodeAsked(['plan', '--detailed-exitcode'])).to.equal(true);
    expect(detailedExitcodeAsked(['plan', '--detailed-exitcode', '--bogus'])).to.equal(true);
    expect(detailedExitcodeAsked(['plan', '--detailed-exitcode', 'false'])).to.equal(false);
    expect(detailedExitcodeAsked(['plan', '--detailed-exitcode', '--no-detailed-exitcode'])).to.equal(false);
    expect(detailedExitcodeAsked(['plan', '--input', 'a.csv'])).to.equal(false);
  });
});

describe('resolveGraphSignIn (the Microsoft Graph group)', () => {
  const args: GraphOptionArgs = { ...graphSignInDefaults };
  it('maps the flags', () => {
    const o = resolveGraphSignIn({ ...args, certificate: 'app.pfx', graphGroup: ` ${C} `, graphFilter: "endswith(mail,'@x.nl')", authorityHost: 'https://login.microsoftonline.us/', graphUrl: 'https://graph.microsoft.us' });
    expect(o).to.deep.equal({
      tenantId: T,
      clientId: C,
      certificatePath: 'app.pfx',
      deviceCode: false,
      managedIdentity: false,
      group: C,
      filter: "endswith(mail,'@x.nl')",
      authorityHost: 'https://login.microsoftonline.us',
      graphUrl: 'https://graph.microsoft.us',
    });
  });
  it('refuses bad values with a clear message', () => {
    expect(usage(() => resolveGraphSignIn({ ...args, graphGroup: 'All Staff' }))).to.match(/Object ID.*not its name/);
    expect(usage(() => resolveGraphSignIn({ ...args, clientId: 'my-app' }))).to.contain('Application (client) ID');
    expect(usage(() => resolveGraphSignIn({ ...args, tenantId: 'contoso tenant' }))).to.contain('--tenant-id');
    expect(usage(() => resolveGraphSignIn({ ...args, graphUrl: 'http://graph.microsoft.com' }))).to.contain('https://');
    expect(usage(() => resolveGraphSignIn({ ...args, authorityHost: 'https://login.microsoftonline.com/contoso' }))).to.contain('host only');
    expect(usage(() => resolveGraphSignIn({ ...args, managedIdentity: true, managedIdentityClientId: 'x' }))).to.contain('GUID');
  });
});


describe('resolveSsoSafety and resolveCanary (SSO safety)', () => {
  const graph: GraphOptionArgs = { ...graphSignInDefaults };
  const plan: PlanOptionArgs = { input: ['a.csv'], inputFormat: 'auto', source: 'file', keySource: 'objectId', ignoreLedger: false };

  it('--key-source sso, --check-sso and --verify-with-graph carry the Graph sign-in settings; none asked → no SSO settings', () => {
    expect(resolvePlanSettings({ ...plan, ...graph }, { cwd: '/w', env: {} }).sso).to.equal(undefined);
    const s = resolvePlanSettings({ ...plan, ...graph, keySource: 'SSO', ssoApp: ' Zivver ' }, { cwd: '/w', env: {} });
    expect(s.sso).to.deep.include({ keyFromIdp: true, checkSso: false, verifyWithGraph: false, ssoApp: 'Zivver' });
    expect(s.sso!.graph).to.include({ tenantId: T, clientId: C });
    const c = resolveSsoSafety({ ...graph, checkSso: true, verifyWithGraph: true }, false);
    expect(c).to.deep.include({ keyFromIdp: false, checkSso: true, verifyWithGraph: true });
    expect(resolveSsoSafety({ ...graph, keyFormat: 'base64' }, true)).to.deep.include({ keyFormat: 'base64' });
  });

  it('refuses what cannot work, before anything is read', () => {
    expect(usage(() => resolvePlanSettings({ ...plan, ...graph, keySource: 'sso', checkSso: true }, { cwd: '/w', env: {} }))).to.match(/--key-source sso already plans with what the IdP sends/);
    expect(usage(() => resolvePlanSettings({ ...plan, ...graph, keySource: 'column:EmployeeId', verifyWithGraph: true }, { cwd: '/w', env: {} }))).to.match(/cannot check --key-source "column:EmployeeId"/);
    expect(usage(() => resolvePlanSettings({ ...plan, ...graph, keySource: 'guid' }, { cwd: '/w', env: {} }))).to.match(/column:<Name> or sso/);
  });

  it('--canary: addresses parsed; empty, or with --canary-ok, refused', () => {
    expect(resolveCanary({ canary: ['A@org.nl; b@org.nl'] })).to.deep.equal({ canary: ['a@org.nl', 'b@org.nl'] });
    expect(resolveCanary({ canaryOk: true })).to.deep.equal({ canaryOk: true });
    expect(resolveCanary({})).to.deep.equal({});
    expect(usage(() => resolveCanary({ canary: [' ; '] }))).to.match(/--canary needs the e-mail addresses/);
    expect(usage(() => resolveCanary({ canary: ['a@org.nl'], canaryOk: true }))).to.match(/exclude each other/);
  });
});
