import {
  type ActivityFacts,
  type CapState,
  type ContactFacts,
  DAY_MS,
  type Rule,
  conditionHolds,
  contactField,
  engagementScore,
  fitScore,
  isExpired,
  isFreeEmailDomain,
  needsFullRescore,
  scoreActivity,
  scoreAllActivities,
  scoreBreakdown,
  temperaturePoints,
} from '../../src/modules/scoring/scorer';

const rule = (over: Partial<Rule>): Rule => ({
  id: over.id ?? 'r1',
  name: over.name ?? 'rule',
  kind: 'BEHAVIOR',
  activityType: 'page_view',
  conditions: [],
  points: 10,
  maxApplications: null,
  capWindowDays: null,
  expiresAfterDays: null,
  ...over,
});
const act = (
  id: string,
  t: number,
  props: Record<string, unknown> | null = null,
  type = 'page_view',
): ActivityFacts => ({ id, type, occurredAt: t, properties: props });
const contact = (over: Partial<ContactFacts> = {}): ContactFacts => ({
  email: 'ada@acme.com',
  firstName: 'Ada',
  lastName: null,
  company: 'Acme',
  jobTitle: 'CTO',
  industry: null,
  companySize: 250,
  country: 'DE',
  source: 'webinar',
  ownerId: null,
  partnerId: null,
  attributes: { plan: 'Pro', since: '2024-05-01' },
  ...over,
});

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

describe('fit', () => {
  it('sums every FIT rule whose conditions all hold, negative included', () => {
    const rules = [
      rule({
        id: 'f1',
        kind: 'FIT',
        activityType: null,
        points: 20,
        conditions: [
          { field: 'companySize', operator: 'GTE', value: 200 },
          { field: 'jobTitle', operator: 'EQ', value: 'cto' },
        ],
      }),
      rule({
        id: 'f2',
        kind: 'FIT',
        activityType: null,
        points: -5,
        conditions: [{ field: 'country', operator: 'IN', value: ['de'] }],
      }),
      rule({
        id: 'f3',
        kind: 'FIT',
        activityType: null,
        points: 7,
        conditions: [{ field: 'freeEmail', operator: 'EQ', value: true }],
      }),
      rule({ id: 'b1', points: 100 }),
    ];
    expect(fitScore(contact(), rules)).toBe(15);
  });
});

describe('engagement', () => {
  it('counts several matching rules on one activity and only matching types and conditions', () => {
    const rules = [
      rule({ id: 'a', points: 5 }),
      rule({
        id: 'b',
        points: -3,
        conditions: [{ field: 'properties.url', operator: 'STARTS_WITH', value: '/careers' }],
      }),
      rule({ id: 'c', activityType: 'email_open', points: 50 }),
    ];
    const apps = scoreAllActivities([act('1', 0, { url: '/careers/x' }), act('2', 1, { url: '/home' })], rules);
    expect(apps.map((a) => [a.activityId, a.ruleId, a.points])).toEqual([
      ['1', 'a', 5],
      ['1', 'b', -3],
      ['2', 'a', 5],
    ]);
    expect(engagementScore(apps, 10)).toBe(7);
  });

  it('caps at maxApplications per contact without a window', () => {
    const apps = scoreAllActivities([act('1', 3), act('2', 1), act('3', 2)], [rule({ maxApplications: 2 })]);
    expect(apps.map((a) => a.activityId)).toEqual(['2', '3']);
  });

  it('uses a sliding window: an application exactly capWindowDays earlier has left it, 1 ms inside still binds', () => {
    const r = rule({ maxApplications: 1, capWindowDays: 7 });
    expect(scoreAllActivities([act('1', 0), act('2', 7 * DAY_MS)], [r])).toHaveLength(2);
    expect(scoreAllActivities([act('1', 0), act('2', 7 * DAY_MS - 1)], [r])).toHaveLength(1);
  });

  it('orders ties in time by id', () => {
    const apps = scoreAllActivities([act('b', 5), act('a', 5)], [rule({ maxApplications: 1 })]);
    expect(apps.map((a) => a.activityId)).toEqual(['a']);
  });

  it('scores incrementally exactly like a full recompute when activities arrive in order', () => {
    const rules = [rule({ id: 'w', maxApplications: 2, capWindowDays: 1 }), rule({ id: 'n', points: 1 })];
    const acts = Array.from({ length: 20 }, (_, i) => act(`a${String(i).padStart(2, '0')}`, i * 6 * 3_600_000));
    const cap: CapState = new Map();
    const incremental = acts.flatMap((a) => scoreActivity(a, rules, cap));
    expect(incremental).toEqual(scoreAllActivities(acts, rules));
  });

  it('asks for a full rescore only for a backdated activity hitting a capped rule', () => {
    const r = rule({ maxApplications: 3 });
    const cap: CapState = new Map();
    scoreActivity(act('1', 100), [r], cap);
    expect(needsFullRescore(act('2', 50), [r], cap)).toBe(true);
    expect(needsFullRescore(act('2', 150), [r], cap)).toBe(false);
    expect(needsFullRescore(act('2', 50), [rule({})], new Map())).toBe(false);
  });

  it('expires points after expiresAfterDays (strictly longer ago) and keeps Activity points', () => {
    const [app] = scoreAllActivities([act('1', 0)], [rule({ expiresAfterDays: 2 })]);
    expect(app.expiresAt).toBe(2 * DAY_MS);
    expect(isExpired(app, 2 * DAY_MS)).toBe(false);
    expect(isExpired(app, 2 * DAY_MS + 1)).toBe(true);
    expect(engagementScore([app], 3 * DAY_MS)).toBe(0);
    expect(app.points).toBe(10);
  });

  it('allows negative totals', () => {
    expect(engagementScore(scoreAllActivities([act('1', 0), act('2', 1)], [rule({ points: -4 })]), 5)).toBe(-8);
  });

  it('counts temperature points of the window only', () => {
    const apps = scoreAllActivities([act('1', 0), act('2', 10 * DAY_MS)], [rule({})]);
    expect(temperaturePoints(apps, 14 * DAY_MS, 7)).toBe(10);
    expect(temperaturePoints(apps, 14 * DAY_MS, 14)).toBe(10);
    expect(temperaturePoints(apps, 14 * DAY_MS, 15)).toBe(20);
  });
});

describe('breakdown', () => {
  it('lists contributing rules by absolute points, summing to the score', () => {
    const rules = [
      rule({ id: 'a', name: 'views', points: 5 }),
      rule({ id: 'b', name: 'unsub', points: -30, activityType: 'unsubscribe' }),
      rule({ id: 'f', name: 'fit', kind: 'FIT', activityType: null, points: 8 }),
    ];
    const apps = scoreAllActivities([act('1', 0), act('2', 1), act('3', 2, null, 'unsubscribe')], rules);
    const rows = scoreBreakdown([{ ruleId: 'f', points: 8 }], apps, rules, 10);
    expect(rows.map((r) => [r.ruleName, r.points, r.applications])).toEqual([
      ['unsub', -30, 1],
      ['views', 10, 2],
      ['fit', 8, 1],
    ]);
    expect(rows.reduce((s, r) => s + r.points, 0)).toBe(8 + engagementScore(apps, 10));
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

  it('scores a FIT rule on freeEmail and an attribute, and ignores BEHAVIOR rules and rules of other kinds of fields', () => {
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

describe('caps', () => {
  const day = (d: number, h = 0) => d * DAY_MS + h * 3_600_000;

  it('counts at most maxApplications inside any window of capWindowDays, in occurredAt order whatever the input order', () => {
    const r = rule({ maxApplications: 2, capWindowDays: 7 });
    const acts = [
      act('f', day(8, 2)),
      act('a', day(0)),
      act('c', day(2)),
      act('b', day(1)),
      act('d', day(7)),
      act('e', day(8, 1)),
    ];
    // 0 and 1 count; 2 is the third inside (−5, 2]; at 7 day 0 has left the window; at 8h1 day 1 has left; 8h2: 7 and 8h1 bind.
    expect(scoreAllActivities(acts, [r]).map((a) => a.activityId)).toEqual(['a', 'b', 'd', 'e']);
  });

  it('does not count capped activities: they take no slot', () => {
    // 0, 1 count; 2 and 3 are capped; at 7 + 1 ms only day 1 is inside: counts.
    const r = rule({ maxApplications: 2, capWindowDays: 7 });
    expect(
      scoreAllActivities(
        [act('a', day(0)), act('b', day(1)), act('c', day(2)), act('d', day(3)), act('e', day(7) + 1)],
        [r],
      ).map((a) => a.activityId),
    ).toEqual(['a', 'b', 'e']);
  });

  it('caps per rule: an activity past one rule cap still earns from the others', () => {
    const rules = [rule({ id: 'capped', points: 10, maxApplications: 1 }), rule({ id: 'free', points: 1 })];
    const apps = scoreAllActivities([act('1', 0), act('2', 1)], rules);
    expect(apps.map((a) => `${a.activityId}:${a.ruleId}`)).toEqual(['1:capped', '1:free', '2:free']);
    expect(engagementScore(apps, 2)).toBe(12);
  });

  it('keeps only the binding application times in the cap state', () => {
    const r = rule({ maxApplications: 2, capWindowDays: 1 });
    const cap: CapState = new Map();
    for (let i = 0; i < 10; i++) scoreActivity(act(String(i), i * DAY_MS), [r], cap);
    expect(cap.get('r1')).toEqual([8 * DAY_MS, 9 * DAY_MS]);
  });

  it('lets expired points keep their slot (the activity was counted)', () => {
    const r = rule({ maxApplications: 1, expiresAfterDays: 1 });
    const apps = scoreAllActivities([act('1', 0), act('2', 5 * DAY_MS)], [r]);
    expect(apps.map((a) => a.activityId)).toEqual(['1']);
    expect(engagementScore(apps, 5 * DAY_MS)).toBe(0);
  });

  it('needs a full rescore only when the backdated activity matches a capped rule that counted something later', () => {
    const capped = rule({
      id: 'c',
      maxApplications: 2,
      conditions: [{ field: 'properties.url', operator: 'EQ', value: '/pricing' }],
    });
    const cap: CapState = new Map();
    scoreActivity(act('1', 100, { url: '/pricing' }), [capped], cap);
    expect(needsFullRescore(act('2', 50, { url: '/pricing' }), [capped], cap)).toBe(true);
    expect(needsFullRescore(act('2', 50, { url: '/blog' }), [capped], cap)).toBe(false);
    expect(needsFullRescore(act('2', 100, { url: '/pricing' }), [capped], cap)).toBe(false);
    expect(needsFullRescore(act('2', 50, { url: '/pricing' }, 'email_open'), [capped], cap)).toBe(false);
  });
});

describe('expiry', () => {
  it('stamps expiresAt per rule, keeps rules without expiry forever', () => {
    const apps = scoreAllActivities([act('1', 1000)], [rule({ id: 'e', expiresAfterDays: 3 }), rule({ id: 'k' })]);
    expect(apps.map((a) => [a.ruleId, a.expiresAt])).toEqual([
      ['e', 1000 + 3 * DAY_MS],
      ['k', null],
    ]);
    expect(engagementScore(apps, 10_000 * DAY_MS)).toBe(10);
  });

  it('leaves expired points out of temperature, the window boundary excluded', () => {
    const apps = scoreAllActivities([act('1', 0), act('2', 10 * DAY_MS)], [rule({ expiresAfterDays: 2 })]);
    expect(temperaturePoints(apps, 11 * DAY_MS, 14)).toBe(10);
    expect(temperaturePoints(apps, 10 * DAY_MS + 14 * DAY_MS, 14)).toBe(0);
  });
});

describe('breakdown order and totals', () => {
  it('breaks ties in points by rule name, leaves out rules whose points cancel or expired, and counts applications', () => {
    const rules = [
      rule({ id: 'b', name: 'beta', points: 5 }),
      rule({ id: 'a', name: 'alpha', points: -5, activityType: 'unsubscribe' }),
      rule({ id: 'x', name: 'expiring', points: 50, activityType: 'email_open', expiresAfterDays: 1 }),
      rule({ id: 'z', name: 'zero', points: 0, activityType: 'email_open' }),
    ];
    const apps = scoreAllActivities(
      [act('1', 0), act('2', 0, null, 'unsubscribe'), act('3', 0, null, 'email_open')],
      rules,
    );
    const rows = scoreBreakdown([], apps, rules, 2 * DAY_MS);
    expect(rows).toEqual([
      { ruleId: 'a', ruleName: 'alpha', kind: 'BEHAVIOR', points: -5, applications: 1 },
      { ruleId: 'b', ruleName: 'beta', kind: 'BEHAVIOR', points: 5, applications: 1 },
    ]);
    expect(rows.reduce((s, r) => s + r.points, 0)).toBe(engagementScore(apps, 2 * DAY_MS));
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

describe('caps at equal times', () => {
  const ids = (acts: ActivityFacts[], rules: Rule[]) => scoreAllActivities(acts, rules).map((a) => a.activityId);

  it('counts activities at the same instant one by one, lowest id first, whatever the input order', () => {
    const r = rule({ maxApplications: 2, capWindowDays: 1 });
    for (const order of [
      ['c', 'a', 'b'],
      ['b', 'c', 'a'],
      ['a', 'b', 'c'],
      ['c', 'b', 'a'],
    ]) {
      expect(
        ids(
          order.map((id) => act(id, 5)),
          [r],
        ),
      ).toEqual(['a', 'b']);
    }
    expect(ids([act('b', 5), act('a', 6)], [rule({ maxApplications: 1 })])).toEqual(['b']);
  });

  it('keeps an application at the same instant inside the window', () => {
    const r = rule({ maxApplications: 1, capWindowDays: 1 });
    const cap: CapState = new Map();
    expect(scoreActivity(act('a', DAY_MS), [r], cap)).toHaveLength(1);
    expect(scoreActivity(act('b', DAY_MS), [r], cap)).toHaveLength(0);
    expect(scoreActivity(act('c', 2 * DAY_MS), [r], cap)).toHaveLength(1);
  });

  it('asks for a full rescore when a backdated activity hits any one of several capped rules that counted later', () => {
    const onPricing = rule({
      id: 'p',
      maxApplications: 2,
      conditions: [{ field: 'properties.url', operator: 'EQ', value: '/pricing' }],
    });
    const onBlog = rule({
      id: 'b',
      maxApplications: 2,
      conditions: [{ field: 'properties.url', operator: 'EQ', value: '/blog' }],
    });
    const cap: CapState = new Map([
      ['p', [100]],
      ['b', [10]],
    ]);
    expect(needsFullRescore(act('x', 50, { url: '/pricing' }), [onBlog, onPricing], cap)).toBe(true);
    expect(needsFullRescore(act('x', 50, { url: '/blog' }), [onBlog, onPricing], cap)).toBe(false);
    expect(needsFullRescore(act('x', 50, { url: '/pricing' }), [onPricing], new Map([['p', []]]))).toBe(false);
    expect(needsFullRescore(act('x', 50, { url: '/pricing' }), [onPricing], new Map())).toBe(false);
  });

  it('keeps a rule that is not capped out of the full-rescore decision even with a later application', () => {
    const uncapped = rule({ id: 'u' });
    expect(needsFullRescore(act('x', 50), [uncapped], new Map([['u', [100]]]))).toBe(false);
  });
});

describe('breakdown of a rule no longer listed', () => {
  it('names the row by the rule id', () => {
    const apps = scoreAllActivities([act('1', 0)], [rule({ id: 'gone', points: 3 })]);
    expect(scoreBreakdown([], apps, [], 1)).toEqual([
      { ruleId: 'gone', ruleName: 'gone', kind: 'BEHAVIOR', points: 3, applications: 1 },
    ]);
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

describe('caps when a replay scores out of order', () => {
  it('does not let an application later than the activity bind it', () => {
    const r = rule({ maxApplications: 1, capWindowDays: 7 });
    const cap: CapState = new Map();
    expect(scoreActivity(act('late', 5 * DAY_MS), [r], cap)).toHaveLength(1);
    expect(scoreActivity(act('early', 3 * DAY_MS), [r], cap)).toHaveLength(1);
  });
});
