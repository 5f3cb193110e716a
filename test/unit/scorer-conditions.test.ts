import {
  conditionHolds,
  contactField,
  fitScore,
  isFreeEmailDomain,
  scoreAllActivities,
} from '../../src/modules/scoring/scorer';
import { rule, act, contact } from './scorer.fixtures';

describe('conditions', () => {
  it.each([
    ['EQ', 'acme', 'ACME', true],
    ['EQ', 'acme', 'other', false],
    ['EQ', 5, '5', true],
    ['EQ', true, 'true', true],
    ['NEQ', 'acme', 'ACME', false],
    ['NEQ', 'x', undefined, true],
    ['IN', ['de', 'fr'], 'DE', true],
    ['IN', ['de'], 'US', false],
    ['NOT_IN', ['de'], 'US', true],
    ['NOT_IN', ['de'], 'De', false],
    ['CONTAINS', 'price', '/PRICING', false],
    ['CONTAINS', 'pric', '/PRICING', true],
    ['NOT_CONTAINS', 'jobs', '/careers/jobs', false],
    ['STARTS_WITH', '/car', '/Careers', true],
    ['ENDS_WITH', '.IO', 'x.io', true],
    ['GT', 100, 250, true],
    ['GT', 250, 250, false],
    ['GTE', 250, 250, true],
    ['LT', 10, '5', true],
    ['LTE', 5, 6, false],
    ['GT', '2024-01-01', '2024-05-01', true],
    ['LT', '2024-01-01', '2024-05-01', false],
    ['GT', 5, 'abc', false],
    ['EXISTS', undefined, 'x', true],
    ['EXISTS', undefined, '', false],
    ['NOT_EXISTS', undefined, null, true],
  ])('%s %p on %p is %p', (operator, value, actual, expected) => {
    expect(conditionHolds({ field: 'f', operator: operator as never, value }, actual)).toBe(expected);
  });

  it('treats a missing field as not matching positive operators and matching negative ones', () => {
    for (const op of [
      'EQ',
      'IN',
      'CONTAINS',
      'STARTS_WITH',
      'ENDS_WITH',
      'GT',
      'GTE',
      'LT',
      'LTE',
      'EXISTS',
    ] as const) {
      expect(conditionHolds({ field: 'f', operator: op, value: op === 'IN' ? ['x'] : 1 }, undefined)).toBe(false);
    }
    for (const op of ['NEQ', 'NOT_IN', 'NOT_CONTAINS', 'NOT_EXISTS'] as const) {
      expect(conditionHolds({ field: 'f', operator: op, value: op === 'NOT_IN' ? ['x'] : 'x' }, undefined)).toBe(true);
    }
  });

  it('reads contact fields, emailDomain, freeEmail (from the data list) and attributes.<key>', () => {
    expect(contactField(contact({ email: 'a@Sub.Example.COM' }), 'emailDomain')).toBe('sub.example.com');
    expect(contactField(contact({ email: 'a@gmail.com' }), 'freeEmail')).toBe(true);
    expect(contactField(contact(), 'freeEmail')).toBe(false);
    expect(isFreeEmailDomain('Outlook.com')).toBe(true);
    expect(contactField(contact(), 'attributes.plan')).toBe('Pro');
    expect(contactField(contact({ attributes: null }), 'attributes.plan')).toBeUndefined();
  });
});

describe('conditions, every operator on a missing field', () => {
  it.each([
    ['EQ', 'x', false],
    ['NEQ', 'x', true],
    ['IN', ['x'], false],
    ['NOT_IN', ['x'], true],
    ['CONTAINS', 'x', false],
    ['NOT_CONTAINS', 'x', true],
    ['STARTS_WITH', 'x', false],
    ['ENDS_WITH', 'x', false],
    ['GT', 1, false],
    ['GTE', 1, false],
    ['LT', 1, false],
    ['LTE', 1, false],
    ['EXISTS', undefined, false],
    ['NOT_EXISTS', undefined, true],
  ])('%s on an absent property is %p', (operator, value, expected) => {
    const r = rule({ conditions: [{ field: 'properties.url', operator: operator as never, value }] });
    expect(scoreAllActivities([act('1', 0, { other: 'x' })], [r]).length === 1).toBe(expected);
    expect(scoreAllActivities([act('1', 0, null)], [r]).length === 1).toBe(expected);
  });

  it('compares ISO dates in time order and numbers given as text', () => {
    expect(conditionHolds({ field: 'f', operator: 'GTE', value: '2024-05-01' }, '2024-05-01T00:00:00Z')).toBe(true);
    expect(conditionHolds({ field: 'f', operator: 'LT', value: '2024-05-01T12:00:00Z' }, '2024-05-01')).toBe(true);
    expect(conditionHolds({ field: 'f', operator: 'GT', value: '2024-05-01' }, 'not a date')).toBe(false);
    expect(conditionHolds({ field: 'f', operator: 'LTE', value: 10 }, ' 10 ')).toBe(true);
    expect(conditionHolds({ field: 'f', operator: 'GT', value: 10 }, '')).toBe(false);
  });

  it('matches booleans against their text forms, ignoring case', () => {
    expect(conditionHolds({ field: 'f', operator: 'EQ', value: true }, 'TRUE')).toBe(true);
    expect(conditionHolds({ field: 'f', operator: 'NEQ', value: false }, false)).toBe(false);
    expect(conditionHolds({ field: 'f', operator: 'IN', value: [1, 2] }, '2')).toBe(true);
  });
});

describe('contact fields', () => {
  it('reads every FIT field, emailDomain lower-cased and attributes.<key> of any type', () => {
    const c = contact({
      email: 'Ada@Acme.COM',
      lastName: 'Lovelace',
      industry: 'Software',
      ownerId: 'o1',
      partnerId: 'p1',
      attributes: { seats: 12, beta: true },
    });
    expect(
      [
        'email',
        'firstName',
        'lastName',
        'company',
        'jobTitle',
        'industry',
        'companySize',
        'country',
        'source',
        'ownerId',
        'partnerId',
      ].map((f) => contactField(c, f)),
    ).toEqual(['Ada@Acme.COM', 'Ada', 'Lovelace', 'Acme', 'CTO', 'Software', 250, 'DE', 'webinar', 'o1', 'p1']);
    expect(contactField(c, 'emailDomain')).toBe('acme.com');
    expect(contactField(c, 'attributes.seats')).toBe(12);
    expect(contactField(c, 'attributes.beta')).toBe(true);
    expect(contactField(c, 'attributes.none')).toBeUndefined();
  });

  it('knows consumer mail domains from the data list, in any case', () => {
    for (const d of ['gmail.com', 'YAHOO.com', 'hotmail.com', 'outlook.com', 'icloud.com'])
      expect(isFreeEmailDomain(d)).toBe(true);
    for (const d of ['acme.com', 'gmail.co.evil', 'mail.acme.com']) expect(isFreeEmailDomain(d)).toBe(false);
  });

  it('scores a FIT rule on freeEmail and an attribute; ignores BEHAVIOR rules and rules of other field kinds', () => {
    const rules = [
      rule({
        id: 'f1',
        kind: 'FIT',
        activityType: null,
        points: -10,
        conditions: [{ field: 'freeEmail', operator: 'EQ', value: true }],
      }),
      rule({
        id: 'f2',
        kind: 'FIT',
        activityType: null,
        points: 4,
        conditions: [{ field: 'attributes.seats', operator: 'GTE', value: 10 }],
      }),
      rule({ id: 'f3', kind: 'FIT', activityType: null, points: 9, conditions: [] }),
    ];
    expect(fitScore(contact({ email: 'a@gmail.com', attributes: { seats: 10 } }), rules)).toBe(3);
    expect(fitScore(contact({ attributes: null }), rules)).toBe(9);
  });
});

describe('conditions that must not match', () => {
  const holds = (operator: string, value: unknown, actual: unknown) =>
    conditionHolds({ field: 'f', operator: operator as never, value }, actual);

  it('shows each ordered operator failing on the wrong side and at equality', () => {
    expect(holds('GTE', 200, 199)).toBe(false);
    expect(holds('GTE', 200, 201)).toBe(true);
    expect(holds('LT', 10, 10)).toBe(false);
    expect(holds('LT', 10, 11)).toBe(false);
    expect(holds('LTE', 10, 10)).toBe(true);
    expect(holds('GT', 10, 9)).toBe(false);
    expect(holds('GTE', '2024-05-01', '2024-04-30')).toBe(false);
    expect(holds('LTE', '2024-05-01', '2024-05-01T00:00:00Z')).toBe(true);
  });

  it('does not take a different number, or a number for a boolean, as equal', () => {
    expect(holds('EQ', 100, 50)).toBe(false);
    expect(holds('EQ', 100, '100.0')).toBe(true);
    expect(holds('NEQ', 100, 50)).toBe(true);
    expect(holds('NEQ', 100, 100)).toBe(false);
    expect(holds('IN', [100, 200], 50)).toBe(false);
    expect(holds('IN', [100, 200], 200)).toBe(true);
    expect(holds('EQ', true, 1)).toBe(false);
    expect(holds('EQ', 0, false)).toBe(false);
    expect(holds('EQ', 1, 'one')).toBe(false);
  });

  it('lets the negative operators pass a present but different value and fail on the value itself', () => {
    expect(holds('NEQ', 'acme', 'globex')).toBe(true);
    expect(holds('NOT_CONTAINS', 'jobs', '/pricing')).toBe(true);
    expect(holds('NOT_CONTAINS', 'JOBS', '/careers/jobs')).toBe(false);
    expect(holds('NOT_IN', ['de', 'fr'], 'us')).toBe(true);
    expect(holds('NOT_IN', ['de', 'fr'], 'FR')).toBe(false);
    expect(holds('NOT_IN', [1, 2], '2')).toBe(false);
  });

  it('does not treat blank text as zero or a number as a date', () => {
    expect(holds('LT', 10, ' ')).toBe(false);
    expect(holds('LTE', 0, '')).toBe(false);
    expect(holds('LT', '2024-01-01', 5)).toBe(false);
    expect(holds('GT', 5, true)).toBe(false);
    expect(holds('STARTS_WITH', '/pri', '/blog/pricing')).toBe(false);
    expect(holds('ENDS_WITH', '.io', 'x.io.com')).toBe(false);
  });

  it('does not score a FIT rule on a field the contact lacks', () => {
    const small = rule({
      id: 's',
      kind: 'FIT',
      activityType: null,
      points: 5,
      conditions: [{ field: 'companySize', operator: 'LT', value: 100 }],
    });
    expect(fitScore(contact({ companySize: null }), [small])).toBe(0);
    expect(fitScore(contact({ companySize: 99 }), [small])).toBe(5);
    expect(fitScore(contact({ companySize: 100 }), [small])).toBe(0);
    const sized = rule({
      id: 'e',
      kind: 'FIT',
      activityType: null,
      points: 7,
      conditions: [{ field: 'companySize', operator: 'EQ', value: 100 }],
    });
    expect(fitScore(contact({ companySize: 50 }), [sized])).toBe(0);
    expect(fitScore(contact({ companySize: 100 }), [sized])).toBe(7);
  });
});

describe('equality across types', () => {
  const holds = (operator: string, value: unknown, actual: unknown) =>
    conditionHolds({ field: 'f', operator: operator as never, value }, actual);

  it('compares as numbers whichever side is the number', () => {
    expect(holds('EQ', '25.0', 25)).toBe(true);
    expect(holds('NEQ', '25.0', 25)).toBe(false);
    expect(holds('IN', ['010'], 10)).toBe(true);
  });

  it('equals nothing with a number too large for JSON (1e400 parses as Infinity)', () => {
    const huge = JSON.parse('1e400');
    expect(holds('EQ', 'abc', huge)).toBe(false);
    expect(holds('NEQ', 'abc', huge)).toBe(true);
  });

  it('does not take a blank value for the empty text of an IN list', () => {
    expect(holds('IN', ['', 'de'], '')).toBe(false);
    expect(holds('NOT_IN', ['', 'de'], '')).toBe(true);
  });

  it('ignores case and nothing more: ß is not ss', () => {
    expect(holds('EQ', 'straße', 'STRASSE')).toBe(false);
    expect(holds('EQ', 'straße', 'STRAßE')).toBe(true);
    expect(holds('CONTAINS', 'SS', 'straße')).toBe(false);
  });
});
