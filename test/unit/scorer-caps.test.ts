import {
  type ActivityFacts,
  type CapState,
  DAY_MS,
  type Rule,
  engagementScore,
  needsFullRescore,
  scoreActivity,
  scoreAllActivities,
} from '../../src/modules/scoring/scorer';
import { rule, act } from './scorer.fixtures';

describe('caps', () => {
  const day = (d: number, h = 0) => d * DAY_MS + h * 3_600_000;

  it('counts at most maxApplications in any window of capWindowDays, in occurredAt order, whatever the input', () => {
    const r = rule({ maxApplications: 2, capWindowDays: 7 });
    const acts = [
      act('f', day(8, 2)),
      act('a', day(0)),
      act('c', day(2)),
      act('b', day(1)),
      act('d', day(7)),
      act('e', day(8, 1)),
    ];
    // 0 and 1 count; 2 is the third inside (−5, 2]; at 7 day 0 has left the window; at 8h1 day 1 has left; 8h2: 7 and
    // 8h1 bind.
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

  it('asks for a full rescore when a backdated activity hits any of several capped rules that counted later', () => {
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

describe('caps when a replay scores out of order', () => {
  it('does not let an application later than the activity bind it', () => {
    const r = rule({ maxApplications: 1, capWindowDays: 7 });
    const cap: CapState = new Map();
    expect(scoreActivity(act('late', 5 * DAY_MS), [r], cap)).toHaveLength(1);
    expect(scoreActivity(act('early', 3 * DAY_MS), [r], cap)).toHaveLength(1);
  });
});
