import { expect } from 'chai';
import { keyBefore } from '../../src/core/records.js';

describe('core/records keyBefore: the ledger wins over the plan', () => {
  it('the ledger (this tool wrote it last) wins over the plan; the plan counts when the ledger knows nothing', () => {
    expect(keyBefore('new', { key: 'written-by-us', previousKey: null }, 'synctool-guid')).to.deep.equal({ from: 'ledger', key: 'written-by-us' });
    expect(keyBefore('new', { key: 'written-by-us' }, undefined)).to.deep.equal({ from: 'ledger', key: 'written-by-us' });
    expect(keyBefore('new', undefined, 'synctool-guid')).to.deep.equal({ from: 'plan', key: 'synctool-guid' });
    expect(keyBefore('new', undefined, undefined)).to.deep.equal({ from: 'unknown' });
    expect(keyBefore('new', undefined, 'new')).to.deep.equal({ from: 'unknown' });
  });

  it('writing the key the ledger has carries its previous key forward (never "previous = this key")', () => {
    const entry = { key: 'new', previousKey: 'older', previousKeySource: 'plan' as const, previousKeyPlanSource: 'objectGuid' };
    expect(keyBefore('new', entry, 'synctool-guid')).to.deep.equal({ from: 'carried', key: 'older', entry });
    expect(keyBefore('new', { key: 'new', previousKey: null }, 'synctool-guid')).to.deep.equal({ from: 'plan', key: 'synctool-guid' });
    expect(keyBefore('new', { key: 'new', previousKey: 'new' }, undefined)).to.deep.equal({ from: 'unknown' });
  });
});
