import { expect } from 'chai';
import { renderTable } from '../../src/cli/render.js';

describe('cli/render', () => {
  const rows = [
    { a: '1', b: 'jan.jansen@voorbeeldzorg.nl', c: 'matched by userName = primary address; replaces the key zivver-keytool set before' },
    { a: '22', b: 'x@y.nl', c: 'short' },
  ];
  const cols = [
    { header: 'Line', value: (r: (typeof rows)[0]) => r.a },
    { header: 'Email', value: (r: (typeof rows)[0]) => r.b, max: 40 },
    { header: 'Reason', value: (r: (typeof rows)[0]) => r.c, max: 90 },
  ];

  it('aligns columns and caps long values with an ellipsis', () => {
    const text = renderTable(rows, cols, { width: 500 });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).to.match(/^Line {2}Email {24}Reason$/);
    expect(lines[2]).to.include('jan.jansen@voorbeeldzorg.nl');
    expect(lines[3].startsWith('22    x@y.nl')).to.equal(true);
  });

  it('fits an 80-column console by shrinking the capped columns, widest first', () => {
    const text = renderTable(rows, cols, { width: 80 });
    for (const l of text.trimEnd().split('\n')) expect(l.length).to.be.at.most(79);
    expect(text).to.include('…');
    expect(text).to.include('Line');
  });
});
