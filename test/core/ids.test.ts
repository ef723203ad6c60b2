import { expect } from 'chai';
import { accountIdKey, sameUserName, userNameKey } from '../../src/core/ids.js';
import { accountFingerprint, rowCheck } from '../../src/core/fingerprint.js';

describe('core/ids: the one normalisation of what identifies an account', () => {
  it('an id keys the same in any case and with surrounding spaces (Zivver may change a UUID\'s case)', () => {
    expect(accountIdKey(' 0A1B2C3D-AAAA-4BBB-8CCC-DDDDEEEEFFFF ')).to.equal('0a1b2c3d-aaaa-4bbb-8ccc-ddddeeeeffff');
    expect(accountIdKey('abc')).to.equal(accountIdKey('ABC'));
  });

  it('userNames compare without regard to case or padding, and different names stay different', () => {
    expect(userNameKey(' Jan@Org.NL')).to.equal('jan@org.nl');
    expect(sameUserName('JAN@org.nl ', 'jan@ORG.nl')).to.equal(true);
    expect(sameUserName('jan@org.nl', 'jan2@org.nl')).to.equal(false);
  });

  it('fingerprints and row checks use the same userName normalisation (a case change is not drift)', () => {
    expect(accountFingerprint('id-1', 'Jan@Org.nl')).to.equal(accountFingerprint('id-1', ' jan@org.NL'));
    expect(accountFingerprint('id-1', 'jan@org.nl')).to.not.equal(accountFingerprint('id-1', 'piet@org.nl'));
    const row = { zivverId: 'id-1', userName: 'Jan@Org.nl', newKey: 'k', action: 'set' as const };
    expect(rowCheck(row)).to.equal(rowCheck({ ...row, userName: 'jan@org.nl' }));
    expect(rowCheck(row)).to.not.equal(rowCheck({ ...row, newKey: 'k2' }));
  });
});
