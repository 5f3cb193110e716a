import {
  ActivityFacts, CapState, ContactFacts, DAY_MS, Rule, conditionHolds, contactField, engagementScore, fitScore, isExpired, isFreeEmailDomain,
  needsFullRescore, scoreActivity, scoreAllActivities, scoreBreakdown, temperaturePoints,
} from '../../src/modules/scoring/scorer';
import { validateRule } from '../../src/modules/scoring/rule-validation';

const rule = (over: Partial<Rule>): Rule => ({
  id: over.id ?? 'r1', name: over.name ?? 'rule', kind: 'BEHAVIOR', activityType: 'page_view', conditions: [], points: 10,
  maxApplications: null, capWindowDays: null, expiresAfterDays: null, ...over,
});
const act = (id: string, t: number, props: Record<string, unknown> | null = null, type = 'page_view'): ActivityFacts => ({ id, type, occurredAt: t, properties: props });
const contact = (over: Partial<ContactFacts> = {}): ContactFacts => ({
  email: 'ada@acme.com', firstName: 'Ada', lastName: null, company: 'Acme', jobTitle: 'CTO', industry: null, companySize: 250, country: 'DE',
  source: 'webinar', ownerId: null, partnerId: null, attributes: { plan: 'Pro', since: '2024-05-01' }, ...over,
});

describe('conditions', () => {
  it.each([
    ['EQ', 'acme', 'ACME', true], ['EQ', 'acme', 'other', false], ['EQ', 5, '5', true], ['EQ', true, 'true', true],
    ['NEQ', 'acme', 'ACME', false], ['NEQ', 'x', undefined, true],
    ['IN', ['de', 'fr'], 'DE', true], ['IN', ['de'], 'US', false], ['NOT_IN', ['de'], 'US', true], ['NOT_IN', ['de'], 'De', false],
    ['CONTAINS', 'price', '/PRICING', false], ['CONTAINS', 'pric', '/PRICING', true], ['NOT_CONTAINS', 'jobs', '/careers/jobs', false],
    ['STARTS_WITH', '/car', '/Careers', true], ['ENDS_WITH', '.IO', 'x.io', true],
    ['GT', 100, 250, true], ['GT', 250, 250, false], ['GTE', 250, 250, true], ['LT', 10, '5', true], ['LTE', 5, 6, false],
    ['GT', '2024-01-01', '2024-05-01', true], ['LT', '2024-01-01', '2024-05-01', false], ['GT', 5, 'abc', false],
    ['EXISTS', undefined, 'x', true], ['EXISTS', undefined, '', false], ['NOT_EXISTS', undefined, null, true],
  ])('%s %p on %p is %p', (operator, value, actual, expected) => {
    expect(conditionHolds({ field: 'f', operator: operator as never, value }, actual)).toBe(expected);
  });

  it('treats a missing field as not matching positive operators and matching negative ones', () => {
    for (const op of ['EQ', 'IN', 'CONTAINS', 'STARTS_WITH', 'ENDS_WITH', 'GT', 'GTE', 'LT', 'LTE', 'EXISTS'] as const) {
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
      rule({ id: 'f1', kind: 'FIT', activityType: null, points: 20, conditions: [{ field: 'companySize', operator: 'GTE', value: 200 }, { field: 'jobTitle', operator: 'EQ', value: 'cto' }] }),
      rule({ id: 'f2', kind: 'FIT', activityType: null, points: -5, conditions: [{ field: 'country', operator: 'IN', value: ['de'] }] }),
      rule({ id: 'f3', kind: 'FIT', activityType: null, points: 7, conditions: [{ field: 'freeEmail', operator: 'EQ', value: true }] }),
      rule({ id: 'b1', points: 100 }),
    ];
    expect(fitScore(contact(), rules)).toBe(15);
  });
});

describe('engagement', () => {
  it('counts several matching rules on one activity and only matching types and conditions', () => {
    const rules = [rule({ id: 'a', points: 5 }), rule({ id: 'b', points: -3, conditions: [{ field: 'properties.url', operator: 'STARTS_WITH', value: '/careers' }] }), rule({ id: 'c', activityType: 'email_open', points: 50 })];
    const apps = scoreAllActivities([act('1', 0, { url: '/careers/x' }), act('2', 1, { url: '/home' })], rules);
    expect(apps.map((a) => [a.activityId, a.ruleId, a.points])).toEqual([['1', 'a', 5], ['1', 'b', -3], ['2', 'a', 5]]);
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
    const rules = [rule({ id: 'a', name: 'views', points: 5 }), rule({ id: 'b', name: 'unsub', points: -30, activityType: 'unsubscribe' }), rule({ id: 'f', name: 'fit', kind: 'FIT', activityType: null, points: 8 })];
    const apps = scoreAllActivities([act('1', 0), act('2', 1), act('3', 2, null, 'unsubscribe')], rules);
    const rows = scoreBreakdown([{ ruleId: 'f', points: 8 }], apps, rules, 10);
    expect(rows.map((r) => [r.ruleName, r.points, r.applications])).toEqual([['unsub', -30, 1], ['views', 10, 2], ['fit', 8, 1]]);
    expect(rows.reduce((s, r) => s + r.points, 0)).toBe(8 + engagementScore(apps, 10));
  });
});

describe('rule validation', () => {
  const ok = { name: 'r', kind: 'BEHAVIOR' as const, activityType: 'page_view', conditions: [], points: 5, maxApplications: null, capWindowDays: null, expiresAfterDays: null };
  it('accepts valid rules and names the first problem of invalid ones', () => {
    expect(validateRule(ok)).toBeNull();
    expect(validateRule({ ...ok, kind: 'FIT', activityType: null, conditions: [{ field: 'attributes.plan', operator: 'EXISTS' }] })).toBeNull();
    expect(validateRule({ ...ok, conditions: [{ field: 'properties.url', operator: 'IN', value: [] }] })?.field).toBe('conditions[0].value');
    expect(validateRule({ ...ok, conditions: [{ field: 'url', operator: 'EQ', value: 'x' }] })?.field).toBe('conditions[0].field');
    expect(validateRule({ ...ok, kind: 'FIT', activityType: null, conditions: [{ field: 'freeEmail', operator: 'CONTAINS', value: 'x' }] })?.field).toBe('conditions[0].value');
    expect(validateRule({ ...ok, maxApplications: 0 })?.field).toBe('maxApplications');
    expect(validateRule({ ...ok, points: 1.5 })?.field).toBe('points');
  });
});
