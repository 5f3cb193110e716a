import { type ContactValues, matchesFilter } from '../../src/model/contact-filter';

const v: ContactValues = {
  stage: 'MQL',
  score: 55,
  temperature: 'WARM',
  ownerId: 'o1',
  partnerId: null,
  source: 'webinar',
  email: 'ada@acme.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  company: 'Acme',
  createdAt: Date.UTC(2026, 0, 10),
};

describe('matchesFilter', () => {
  it('matches an empty filter and each condition as the list does', () => {
    expect(matchesFilter({}, v)).toBe(true);
    expect(matchesFilter({ stages: ['MQL', 'SQL'] }, v)).toBe(true);
    expect(matchesFilter({ stages: [] }, v)).toBe(false);
    expect(matchesFilter({ minScore: 55, maxScore: 55 }, v)).toBe(true);
    expect(matchesFilter({ minScore: 56 }, v)).toBe(false);
    expect(matchesFilter({ maxScore: 54 }, v)).toBe(false);
    expect(matchesFilter({ temperatures: ['HOT'] }, v)).toBe(false);
    expect(matchesFilter({ ownerId: 'o2' }, v)).toBe(false);
    expect(matchesFilter({ partnerId: 'p' }, v)).toBe(false);
    expect(matchesFilter({ source: 'Webinar' }, v)).toBe(false);
    expect(matchesFilter({ hasOwner: true }, v)).toBe(true);
    expect(matchesFilter({ hasOwner: false }, v)).toBe(false);
  });

  it('treats createdAfter as inclusive and createdBefore as exclusive', () => {
    expect(matchesFilter({ createdAfter: new Date(v.createdAt) }, v)).toBe(true);
    expect(matchesFilter({ createdBefore: new Date(v.createdAt) }, v)).toBe(false);
    expect(matchesFilter({ createdBefore: new Date(v.createdAt + 1) }, v)).toBe(true);
  });

  it('searches a case-insensitive prefix of email, names and company', () => {
    for (const s of ['ADA', 'love', 'acm', ' ada@ ']) expect(matchesFilter({ search: s }, v)).toBe(true);
    expect(matchesFilter({ search: 'lace' }, v)).toBe(false);
    expect(matchesFilter({ search: '   ' }, v)).toBe(true);
  });
});
