import { DAY_MS, engagementScore, scoreAllActivities, scoreBreakdown } from '../../src/modules/scoring/scorer';
import { rule, act } from './scorer.fixtures';

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

describe('breakdown order and totals', () => {
  it('breaks ties in points by rule name, leaves out rules whose points cancel or expired, counts applications', () => {
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

describe('breakdown of a rule no longer listed', () => {
  it('names the row by the rule id', () => {
    const apps = scoreAllActivities([act('1', 0)], [rule({ id: 'gone', points: 3 })]);
    expect(scoreBreakdown([], apps, [], 1)).toEqual([
      { ruleId: 'gone', ruleName: 'gone', kind: 'BEHAVIOR', points: 3, applications: 1 },
    ]);
  });
});
