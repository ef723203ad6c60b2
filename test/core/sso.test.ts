import { expect } from 'chai';
import { chooseZivverApp, findZivverClaim, sameKeyChoice, ssoAppLookup, ZIVVER_SAML_IDENTIFIER, type ServicePrincipalInfo } from '../../src/core/sso.js';
import { sourcedAttribute, transformation, zivverClaimsMappingDefinition, zivverClaimsPolicy } from '../helpers/entraEmulator.js';

const EXT = 'extension_0a1b2c3d4e5f60718293a4b5c6d7e8f9_objectGUID';

describe('core/sso: what the IdP sends as ZivverAccountKey', () => {
  describe('custom claims policy (Attributes & Claims)', () => {
    it('user.objectid → objectId/guid', () => {
      const f = findZivverClaim(zivverClaimsPolicy(sourcedAttribute('objectid')), []);
      expect(f.ok).to.equal(true);
      if (!f.ok) return;
      expect(f).to.include({ keySource: 'objectId', keyFormat: 'guid' });
      expect(f.claim).to.deep.equal({
        name: 'ZivverAccountKey',
        namespace: 'https://zivver.com/SAML/Attributes',
        source: 'user',
        attribute: 'user.objectid',
        transformation: null,
        policy: 'claimsPolicy',
      });
    });

    it('user.onpremisesimmutableid → immutableId/raw', () => {
      const f = findZivverClaim(zivverClaimsPolicy(sourcedAttribute('onpremisesimmutableid')), []);
      expect(f).to.include({ ok: true, keySource: 'immutableId', keyFormat: 'raw' });
    });

    it('an objectGUID synced as a directory extension → objectGuid (base64, with a note on the notation)', () => {
      const f = findZivverClaim(zivverClaimsPolicy(sourcedAttribute(EXT, { isExtensionAttribute: true })), []);
      expect(f).to.include({ ok: true, keySource: 'objectGuid', keyFormat: 'base64' });
      expect(f.ok && f.claim.attribute).to.equal(`user.${EXT}`);
      expect(f.notes.join(' ')).to.match(/directory extension.*--key-format guid/);
    });

    it('any other attribute → column:<attribute>, saying the admin must supply that column', () => {
      const f = findZivverClaim(zivverClaimsPolicy(sourcedAttribute('employeeid')), []);
      expect(f).to.include({ ok: true, keySource: 'column:employeeid', keyFormat: 'raw' });
      expect(f.notes.join(' ')).to.match(/must supply it as a column named "employeeid".*--key-source column:employeeid/);
    });

    it('toLowercase of the object id still maps to objectId; the transformation is reported', () => {
      const f = findZivverClaim(zivverClaimsPolicy(null, { transformations: [transformation('toLowercaseTransformation', sourcedAttribute('objectid'))] }), []);
      expect(f).to.include({ ok: true, keySource: 'objectId', keyFormat: 'guid' });
      expect(f.ok && f.claim).to.include({ attribute: 'user.objectid', transformation: 'toLowercase()' });
    });

    it('a transformation the tool cannot reproduce is not mappable, with the reason', () => {
      const t = transformation('regexReplaceTransformation', sourcedAttribute('onpremisesimmutableid'), { regex: '^(.*)$', replacement: 'x-$1' });
      const f = findZivverClaim(zivverClaimsPolicy(null, { transformations: [t] }), []);
      expect(f.ok).to.equal(false);
      if (f.ok) return;
      expect(f.claim).to.include({ attribute: 'user.onpremisesimmutableid' });
      expect(f.claim?.transformation).to.match(/^regexReplace\(regex "\^\(\.\*\)\$", replacement "x-\$1"\)$/);
      expect(f.reason).to.match(/cannot reproduce that transformation/);
    });

    it('no ZivverAccountKey claim at all, or one for JWT only: not mappable', () => {
      const none = findZivverClaim({ claims: [] }, []);
      expect(none.ok).to.equal(false);
      expect(!none.ok && none.reason).to.match(/no ZivverAccountKey claim.*user\.objectid/);
      const jwt = findZivverClaim(zivverClaimsPolicy(sourcedAttribute('objectid'), { tokenFormat: ['jwt'] }), []);
      expect(jwt.ok).to.equal(false);
      expect(jwt.notes.join(' ')).to.match(/jwt tokens only/);
      expect(findZivverClaim(null, []).ok).to.equal(false);
    });

    it('a claim in the wrong namespace or letter case is refused: Zivver matches the exact name', () => {
      const wrongNs = findZivverClaim(zivverClaimsPolicy(sourcedAttribute('objectid'), { namespace: 'https://zivver.com/SAML/attributes' }), []);
      expect(wrongNs.ok).to.equal(false);
      expect(!wrongNs.ok && wrongNs.reason).to.match(/Zivver expects exactly "https:\/\/zivver\.com\/SAML\/Attributes\/ZivverAccountKey" \(the letter case differs\)/);
      const wrongName = findZivverClaim(zivverClaimsPolicy(sourcedAttribute('objectid'), { name: 'zivveraccountkey' }), []);
      expect(wrongName.ok).to.equal(false);
    });

    it('conditions that send different attributes to different users are not mappable', () => {
      const extra = { condition: { userType: 'member', memberOf: ['g1'] }, attribute: sourcedAttribute('onpremisesimmutableid'), transformations: [] };
      const f = findZivverClaim(zivverClaimsPolicy(sourcedAttribute('objectid'), { extraConfigurations: [extra] }), []);
      expect(f.ok).to.equal(false);
      expect(!f.ok && f.reason).to.match(/depending on conditions.*user\.onpremisesimmutableid when userType member and member of g1/);
    });

    it('a constant is not a per-user key', () => {
      const f = findZivverClaim(zivverClaimsPolicy({ '@odata.type': '#microsoft.graph.valueBasedAttribute', value: 'x' }), []);
      expect(f.ok).to.equal(false);
      expect(!f.ok && f.reason).to.match(/constant "x"/);
    });
  });

  describe('claims mapping policies (the older kind)', () => {
    const cmp = (definition: string[]) => ({ id: 'cmp-1', displayName: 'Zivver claims', definition });

    it('Source user / ID objectid → objectId, and it overrides Attributes & Claims', () => {
      const custom = zivverClaimsPolicy(sourcedAttribute('onpremisesimmutableid'));
      const f = findZivverClaim(custom, [cmp(zivverClaimsMappingDefinition({ ID: 'objectid' }))]);
      expect(f).to.include({ ok: true, keySource: 'objectId', keyFormat: 'guid' });
      expect(f.ok && f.claim.policy).to.equal('claimsMappingPolicy "Zivver claims" (cmp-1)');
      expect(f.notes.join(' ')).to.match(/overrides Attributes & Claims/);
    });

    it('ExtensionID objectGUID → objectGuid; onpremisesimmutableid → immutableId', () => {
      expect(findZivverClaim(null, [cmp(zivverClaimsMappingDefinition({ ExtensionID: EXT }))])).to.include({ ok: true, keySource: 'objectGuid' });
      expect(findZivverClaim(null, [cmp(zivverClaimsMappingDefinition({ ID: 'onpremisesimmutableid' }))])).to.include({ ok: true, keySource: 'immutableId', keyFormat: 'raw' });
    });

    it('a transformation: the input attribute and the method are reported', () => {
      const f = findZivverClaim(null, [cmp(zivverClaimsMappingDefinition({ ID: 'mail' }, { method: 'ExtractMailPrefix' }))]);
      expect(f.ok).to.equal(false);
      expect(f.ok ? null : f.claim).to.include({ attribute: 'user.mail', transformation: 'extractMailPrefix()', source: 'user' });
      const join = findZivverClaim(null, [cmp(zivverClaimsMappingDefinition({ ID: 'objectid' }, { method: 'Join', parameters: [{ ID: 'separator', Value: '-' }] }))]);
      expect(join.ok ? null : join.claim?.transformation).to.equal('join(separator "-")');
    });

    it('a policy that sends no ZivverAccountKey means none is sent, even if Attributes & Claims has one', () => {
      const def = [JSON.stringify({ ClaimsMappingPolicy: { Version: 1, IncludeBasicClaimSet: 'true', ClaimsSchema: [{ Source: 'user', ID: 'mail', SamlClaimType: 'x/mail' }] } })];
      const f = findZivverClaim(zivverClaimsPolicy(sourcedAttribute('objectid')), [cmp(def)]);
      expect(f.ok).to.equal(false);
      expect(!f.ok && f.reason).to.match(/claims mapping policy .* sends no ZivverAccountKey/);
    });

    it('an unreadable definition is said so', () => {
      const f = findZivverClaim(null, [cmp(['{not json'])]);
      expect(f.ok).to.equal(false);
      expect(f.notes.join(' ')).to.match(/not valid JSON/);
    });
  });

  describe('finding the application', () => {
    const sp = (id: string, displayName: string, names: string[] = []): ServicePrincipalInfo => ({ id, appId: `app-${id}`, displayName, servicePrincipalNames: names });

    it("takes the one with Zivver's SAML identifier and says so", () => {
      const c = chooseZivverApp([sp('1', 'Zivver', [ZIVVER_SAML_IDENTIFIER]), sp('2', 'Zivver (old test)')]);
      expect(c.ok && c.app.id).to.equal('1');
      expect(c.ok && c.how).to.match(/SAML identifier/);
    });

    it('else the only one named Zivver, with a word of caution; refuses several', () => {
      const one = chooseZivverApp([sp('2', 'Zivver SSO')]);
      expect(one.ok && one.how).to.match(/display name.*check this is the application/);
      const two = chooseZivverApp([sp('2', 'Zivver SSO'), sp('3', 'Zivver test')]);
      expect(two.ok).to.equal(false);
      expect(!two.ok && two.reason).to.match(/several enterprise applications are named like Zivver: "Zivver SSO" \(object id 2.*--sso-app/);
      const none = chooseZivverApp([]);
      expect(!none.ok && none.reason).to.match(/no enterprise application for Zivver/);
    });

    it('--sso-app: a GUID is an id, anything else a name', () => {
      expect(ssoAppLookup(' 0A1B2C3D-0000-4000-8000-000000000001 ')).to.deep.equal({ kind: 'guid', id: '0a1b2c3d-0000-4000-8000-000000000001' });
      expect(ssoAppLookup('Zivver')).to.deep.equal({ kind: 'name', name: 'Zivver' });
    });
  });

  it('sameKeyChoice compares source names case-insensitively, formats exactly', () => {
    expect(sameKeyChoice({ keySource: 'objectid', keyFormat: 'guid' }, { keySource: 'objectId', keyFormat: 'guid' })).to.equal(true);
    expect(sameKeyChoice({ keySource: 'Column:EmployeeId', keyFormat: 'raw' }, { keySource: 'column:employeeid', keyFormat: 'raw' })).to.equal(true);
    expect(sameKeyChoice({ keySource: 'objectGuid', keyFormat: 'guid' }, { keySource: 'objectGuid', keyFormat: 'base64' })).to.equal(false);
    expect(sameKeyChoice({ keySource: 'objectGuid', keyFormat: 'guid' }, { keySource: 'objectId', keyFormat: 'guid' })).to.equal(false);
  });
});
