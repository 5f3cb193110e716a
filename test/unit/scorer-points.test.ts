import {
  type CapState,
  DAY_MS,
  engagementScore,
  fitScore,
  isExpired,
  needsFullRescore,
  scoreActivity,
  scoreAllActivities,
  inWindow,
  temperaturePoints,
} from '../../src/modules/scoring/scorer';
import { rule, act, contact } from './scorer.fixtures';

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

describe('temperature window (what contacts.window_points holds)', () => {
  const app = (occurredAt: number, expiresAt: number | null) => ({ occurredAt, expiresAt });

  it('counts an application from its activity until occurredAt + window, exclusive', () => {
    const at = 10 * DAY_MS;
    expect(inWindow(app(at, null), at, 14)).toBe(true);
    expect(inWindow(app(at, null), at + 14 * DAY_MS - 1, 14)).toBe(true);
    expect(inWindow(app(at, null), at + 14 * DAY_MS, 14)).toBe(false);
  });

  it('stops counting at expiry when it comes first, and never counts an expired application', () => {
    const at = 10 * DAY_MS;
    expect(inWindow(app(at, at + 3 * DAY_MS), at + 3 * DAY_MS, 14)).toBe(true);
    expect(inWindow(app(at, at + 3 * DAY_MS), at + 3 * DAY_MS + 1, 14)).toBe(false);
    expect(inWindow(app(at, at + 30 * DAY_MS), at + 14 * DAY_MS, 14)).toBe(false);
  });

  it('agrees with temperaturePoints, application by application', () => {
    const apps = scoreAllActivities(
      [act('1', 0), act('2', 5 * DAY_MS), act('3', 12 * DAY_MS)],
      [rule({ id: 'e', expiresAfterDays: 4 }), rule({ id: 'k', points: 3 })],
    );
    for (const now of [5 * DAY_MS, 13 * DAY_MS, 20 * DAY_MS, 30 * DAY_MS])
      expect(apps.reduce((s, a) => (inWindow(a, now, 14) ? s + a.points : s), 0)).toBe(
        temperaturePoints(apps, now, 14),
      );
  });
});
