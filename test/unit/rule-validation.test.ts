import { FIT_FIELDS, type RuleDraft, validateRule } from '../../src/modules/scoring/rule-validation';

const behavior: RuleDraft = {
  name: 'Pricing view',
  kind: 'BEHAVIOR',
  activityType: 'page_view',
  conditions: [],
  points: 5,
  maxApplications: null,
  capWindowDays: null,
  expiresAfterDays: null,
};
const fit: RuleDraft = { ...behavior, name: 'Big company', kind: 'FIT', activityType: null };
const cond = (field: string, operator: string, value?: unknown) => ({
  field,
  operator: operator as never,
  ...(value === undefined ? {} : { value }),
});

describe('accepts', () => {
  it.each([
    ['a plain BEHAVIOR rule', behavior],
    ['negative points', { ...behavior, points: -30 }],
    ['a cap without window', { ...behavior, maxApplications: 3 }],
    ['a cap with a window and expiry', { ...behavior, maxApplications: 3, capWindowDays: 7, expiresAfterDays: 30 }],
    [
      'every FIT field',
      { ...fit, conditions: FIT_FIELDS.filter((f) => f !== 'freeEmail').map((f) => cond(f, 'EXISTS')) },
    ],
    [
      'freeEmail EQ/NEQ a boolean',
      { ...fit, conditions: [cond('freeEmail', 'EQ', false), cond('freeEmail', 'NEQ', true)] },
    ],
    [
      'attributes.<key>',
      {
        ...fit,
        conditions: [cond('attributes.plan', 'IN', ['pro', 'enterprise']), cond('attributes.seats', 'GT', 10)],
      },
    ],
    [
      'ordered operators on numbers and ISO dates',
      { ...fit, conditions: [cond('companySize', 'GTE', 200), cond('attributes.since', 'LT', '2025-01-01')] },
    ],
    [
      'text operators on properties',
      {
        ...behavior,
        conditions: [
          cond('properties.url', 'CONTAINS', 'pricing'),
          cond('properties.url', 'STARTS_WITH', '/'),
          cond('properties.url', 'NOT_CONTAINS', 'careers'),
          cond('properties.ref', 'ENDS_WITH', '.io'),
        ],
      },
    ],
    [
      'EXISTS / NOT_EXISTS without a value',
      { ...behavior, conditions: [cond('properties.utm', 'EXISTS'), cond('properties.gclid', 'NOT_EXISTS', null)] },
    ],
    ['NOT_IN with mixed scalars', { ...behavior, conditions: [cond('properties.plan', 'NOT_IN', ['free', 0, false])] }],
  ])('%s', (_label, rule) => {
    expect(validateRule(rule as RuleDraft)).toBeNull();
  });
});

describe('rejects, naming the input field', () => {
  it.each([
    ['an empty name', { ...behavior, name: '  ' }, 'name'],
    ['a name over 191 characters', { ...behavior, name: 'x'.repeat(192) }, 'name'],
    ['fractional points', { ...behavior, points: 1.5 }, 'points'],
    ['points out of range', { ...behavior, points: 100_001 }, 'points'],
    ['a BEHAVIOR rule without activityType', { ...behavior, activityType: null }, 'activityType'],
    ['a malformed activityType', { ...behavior, activityType: 'Page View' }, 'activityType'],
    ['activityType on a FIT rule', { ...fit, activityType: 'page_view' }, 'activityType'],
    ['maxApplications on a FIT rule', { ...fit, maxApplications: 2 }, 'maxApplications'],
    ['capWindowDays on a FIT rule', { ...fit, capWindowDays: 2 }, 'capWindowDays'],
    ['expiresAfterDays on a FIT rule', { ...fit, expiresAfterDays: 2 }, 'expiresAfterDays'],
    ['maxApplications 0', { ...behavior, maxApplications: 0 }, 'maxApplications'],
    ['capWindowDays without maxApplications', { ...behavior, capWindowDays: 7 }, 'capWindowDays'],
    ['capWindowDays 0', { ...behavior, maxApplications: 1, capWindowDays: 0 }, 'capWindowDays'],
    ['expiresAfterDays 0', { ...behavior, expiresAfterDays: 0 }, 'expiresAfterDays'],
    [
      'more than 20 conditions',
      { ...behavior, conditions: Array.from({ length: 21 }, () => cond('properties.a', 'EXISTS')) },
      'conditions',
    ],
    ['an unknown FIT field', { ...fit, conditions: [cond('shoeSize', 'EQ', 42)] }, 'conditions[0].field'],
    [
      'a properties field on a FIT rule',
      { ...fit, conditions: [cond('properties.url', 'EQ', 'x')] },
      'conditions[0].field',
    ],
    [
      'a contact field on a BEHAVIOR rule',
      { ...behavior, conditions: [cond('company', 'EQ', 'x')] },
      'conditions[0].field',
    ],
    ['a bad attributes key', { ...fit, conditions: [cond('attributes.', 'EXISTS')] }, 'conditions[0].field'],
    ['IN with a scalar', { ...fit, conditions: [cond('country', 'IN', 'DE')] }, 'conditions[0].value'],
    ['IN with an empty array', { ...behavior, conditions: [cond('properties.url', 'IN', [])] }, 'conditions[0].value'],
    [
      'NOT_IN with an object inside',
      { ...behavior, conditions: [cond('properties.url', 'NOT_IN', [{ a: 1 }])] },
      'conditions[0].value',
    ],
    ['GT with text', { ...fit, conditions: [cond('companySize', 'GT', 'big')] }, 'conditions[0].value'],
    [
      'companySize against a date',
      { ...fit, conditions: [cond('companySize', 'LTE', '2024-01-01')] },
      'conditions[0].value',
    ],
    [
      'CONTAINS with a number',
      { ...behavior, conditions: [cond('properties.url', 'CONTAINS', 5)] },
      'conditions[0].value',
    ],
    [
      'STARTS_WITH with an empty string',
      { ...behavior, conditions: [cond('properties.url', 'STARTS_WITH', '')] },
      'conditions[0].value',
    ],
    ['EQ with an array', { ...behavior, conditions: [cond('properties.url', 'EQ', ['a'])] }, 'conditions[0].value'],
    ['EQ without a value', { ...behavior, conditions: [cond('properties.url', 'EQ')] }, 'conditions[0].value'],
    ['EXISTS with a value', { ...fit, conditions: [cond('country', 'EXISTS', 'DE')] }, 'conditions[0].value'],
    ['NOT_EXISTS with a value', { ...fit, conditions: [cond('country', 'NOT_EXISTS', false)] }, 'conditions[0].value'],
    ['freeEmail with a string', { ...fit, conditions: [cond('freeEmail', 'EQ', 'yes')] }, 'conditions[0].value'],
    ['freeEmail with CONTAINS', { ...fit, conditions: [cond('freeEmail', 'CONTAINS', 'x')] }, 'conditions[0].value'],
    [
      'the second of two conditions',
      { ...fit, conditions: [cond('country', 'EQ', 'DE'), cond('country', 'GT', {})] },
      'conditions[1].value',
    ],
  ])('%s', (_label, rule, field) => {
    expect(validateRule(rule as RuleDraft)?.field).toBe(field);
  });
});

describe('limits at their edge', () => {
  const accepts = (over: Partial<RuleDraft>) => expect(validateRule({ ...behavior, ...over })).toBeNull();
  const blames = (over: Partial<RuleDraft>, field: string) =>
    expect(validateRule({ ...behavior, ...over })?.field).toBe(field);

  it('takes a name of 191 characters, blanks around it not counted', () => {
    accepts({ name: 'x'.repeat(191) });
    accepts({ name: `  ${'x'.repeat(191)}  ` });
    blames({ name: ` ${'x'.repeat(192)}` }, 'name');
  });

  it('takes points of ±100,000 and nothing beyond', () => {
    accepts({ points: 100_000 });
    accepts({ points: -100_000 });
    accepts({ points: 0 });
    blames({ points: -100_001 }, 'points');
  });

  it('takes a cap of 1, a window and an expiry of 1 day, and no fraction of them', () => {
    accepts({ maxApplications: 1, capWindowDays: 1, expiresAfterDays: 1 });
    blames({ maxApplications: 1.5 }, 'maxApplications');
    blames({ maxApplications: 1, capWindowDays: 1.5 }, 'capWindowDays');
    blames({ expiresAfterDays: 0.5 }, 'expiresAfterDays');
  });

  it('takes 20 conditions', () => {
    accepts({ conditions: Array.from({ length: 20 }, () => cond('properties.a', 'EXISTS')) });
  });

  it('takes activity types of 1 to 64 lower-case letters, digits and _, starting with a letter', () => {
    for (const ok of ['a', 'page_view', 'v2_signup', `a${'b'.repeat(63)}`]) accepts({ activityType: ok });
    for (const bad of ['', '1page_view', '_view', 'page_view!', 'page-view', 'page view', `a${'b'.repeat(64)}`])
      blames({ activityType: bad }, 'activityType');
  });

  it('takes property and attribute keys of 1 to 64 letters, digits, _ . and -, nothing else in them', () => {
    const k64 = 'k'.repeat(64);
    for (const key of ['utm_source', 'a.b-c', 'X9', k64]) {
      accepts({ conditions: [cond(`properties.${key}`, 'EXISTS')] });
      expect(validateRule({ ...fit, conditions: [cond(`attributes.${key}`, 'EXISTS')] })).toBeNull();
    }
    for (const key of ['', 'pl an', '$plan', 'plan!', `${k64}k`, 'plan/x']) {
      blames({ conditions: [cond(`properties.${key}`, 'EXISTS')] }, 'conditions[0].field');
      expect(validateRule({ ...fit, conditions: [cond(`attributes.${key}`, 'EXISTS')] })?.field).toBe(
        'conditions[0].field',
      );
    }
  });
});

describe('condition values a user could get wrong', () => {
  const onFit = (...conditions: ReturnType<typeof cond>[]) => validateRule({ ...fit, conditions });

  it.each(FIT_FIELDS.filter((f) => f !== 'freeEmail'))(
    'takes the FIT field %s, and not its name in another case',
    (field) => {
      expect(onFit(cond(field, 'EQ', field === 'companySize' ? 50 : 'x'))).toBeNull();
      expect(onFit(cond(field.toUpperCase(), 'EQ', 'x'))?.field).toBe('conditions[0].field');
    },
  );

  it('compares freeEmail only with EQ or NEQ to a boolean', () => {
    expect(onFit(cond('freeEmail', 'NEQ', false))).toBeNull();
    for (const [op, value] of [
      ['IN', [true]],
      ['NOT_IN', [false]],
      ['GT', true],
      ['EQ', 1],
      ['NEQ', 'false'],
      ['STARTS_WITH', true],
    ] as const) {
      expect(onFit(cond('freeEmail', op, value))?.field).toBe('conditions[0].value');
    }
    expect(onFit(cond('freeEmail', 'EXISTS'))).toBeNull();
  });

  it('rejects IN and NOT_IN lists holding one value that is not a string, number or boolean', () => {
    for (const bad of [
      ['pro', { a: 1 }],
      ['pro', null],
      [1, ['x']],
      [1, JSON.parse('1e400')],
    ]) {
      expect(onFit(cond('attributes.plan', 'IN', bad))?.field).toBe('conditions[0].value');
      expect(onFit(cond('attributes.plan', 'NOT_IN', bad))?.field).toBe('conditions[0].value');
    }
  });

  it('takes ordered comparisons with a number or a real ISO date only', () => {
    expect(onFit(cond('attributes.since', 'GTE', '2024-02-29T10:00:00Z'))).toBeNull();
    expect(onFit(cond('attributes.seats', 'LTE', 0))).toBeNull();
    for (const bad of [
      JSON.parse('1e400'),
      '2024-13-01',
      '2024-01-1',
      '24-01-01',
      'since 2024-01-01',
      '1700000000',
      true,
      null,
    ]) {
      expect(onFit(cond('attributes.since', 'GT', bad))?.field).toBe('conditions[0].value');
    }
    expect(onFit(cond('companySize', 'GT', '2024-01-01'))?.field).toBe('conditions[0].value');
  });

  it('takes EQ and NEQ with a string, number or boolean, not an object or nothing', () => {
    expect(
      onFit(cond('attributes.seats', 'EQ', 0), cond('attributes.beta', 'NEQ', false), cond('country', 'EQ', 'DE')),
    ).toBeNull();
    for (const bad of [{ a: 1 }, null, JSON.parse('-1e400')])
      expect(onFit(cond('country', 'NEQ', bad))?.field).toBe('conditions[0].value');
  });

  it('rejects a condition without a field', () => {
    expect(onFit({ operator: 'EQ', value: 'x' } as never)?.field).toBe('conditions[0].field');
    expect(validateRule({ ...behavior, conditions: [{ operator: 'EQ', value: 'x' } as never] })?.field).toBe(
      'conditions[0].field',
    );
  });
});
