import { expect } from 'chai';
import { compileFilters, splitList } from '../../src/core/filters.js';

describe('core/filters', () => {
  it('splits ;-lists, commas, spaces and repeated flags, normalising case and @ prefixes', () => {
    expect(splitList(['a@x.nl; B@x.nl', 'c@x.nl,d@x.nl e@x.nl', '@Org.NL'])).to.deep.equal([
      'a@x.nl',
      'b@x.nl',
      'c@x.nl',
      'd@x.nl',
      'e@x.nl',
      'org.nl',
    ]);
    expect(splitList(undefined)).to.deep.equal([]);
  });

  it('keeps a user when ANY of its addresses is in --include-emails', () => {
    const f = compileFilters({ includeEmails: ['alias@x.nl'] });
    expect(f.reasonToSkip(['main@x.nl', 'alias@x.nl'])).to.equal(undefined);
    expect(f.reasonToSkip(['main@x.nl'])).to.equal('not in --include-emails');
  });

  it('includes and excludes domains, subdomains included', () => {
    const inc = compileFilters({ includeDomains: ['org.nl'] });
    expect(inc.reasonToSkip(['a@mail.org.nl'])).to.equal(undefined);
    expect(inc.reasonToSkip(['a@other.nl'])).to.match(/include-domains/);
    expect(inc.reasonToSkip(['a@notorg.nl'])).to.match(/include-domains/);
    const exc = compileFilters({ excludeDomains: ['ext.nl'] });
    expect(exc.reasonToSkip(['a@org.nl', 'b@ext.nl'])).to.match(/b@ext\.nl is in an --exclude-domains/);
  });

  it('excludes a user when any address is in --exclude-emails, even if included', () => {
    const f = compileFilters({ includeEmails: ['a@x.nl'], excludeEmails: ['a@x.nl'] });
    expect(f.reasonToSkip(['a@x.nl'])).to.match(/exclude-emails/);
  });

  it('is inactive without filters', () => {
    expect(compileFilters({}).active).to.equal(false);
  });
});
