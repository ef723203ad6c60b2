import { expect } from 'chai';
import { resultsToCsv } from '../../src/store/resultsWrite.js';
import { neutralizeFormula } from '../../src/store/csvCell.js';
import type { ResultRow } from '../../src/store/journal.js';

describe('store/resultsWrite results CSV', () => {
  it('keeps Zivver text that Excel would run as a formula from being a formula', () => {
    expect(neutralizeFormula('=HYPERLINK("http://x","y")')).to.equal(`'=HYPERLINK("http://x","y")`);
    expect(neutralizeFormula('+31 6 1234')).to.equal(`'+31 6 1234`);
    expect(neutralizeFormula('@SUM(1)')).to.equal(`'@SUM(1)`);
    expect(neutralizeFormula('Account is outside the organization')).to.equal('Account is outside the organization');
    const row = {
      email: 'a@org.nl',
      zivverId: 'id',
      userName: 'a@org.nl',
      newKey: 'k',
      status: 'failed',
      httpStatus: 400,
      error: '=cmd|calc',
      at: '2026-11-25T00:00:00Z',
    } as unknown as ResultRow;
    const csv = resultsToCsv([row], ',', false);
    expect(csv.split('\r\n')[1]).to.include(`'=cmd|calc`);
    expect(csv.split('\r\n')[1]).to.include(',400,');
  });
});
