/** The insight definitions (src/modules/insights), without a database: statistics, the regression, replay, holdout. */
import { auc, liftInterval, median, wilson } from '../../src/modules/insights/stats';
import { fitLogistic, predict, sigmoid } from '../../src/modules/insights/logistic';
import { type ContactHistory, replayContact } from '../../src/modules/insights/replay';
import { observe } from '../../src/modules/insights/observation';
import { RuleInsightTally } from '../../src/modules/insights/rule-insights';
import { SuggestionTally, holdoutOf, suggest } from '../../src/modules/insights/suggestion';
import { SimulationTally } from '../../src/modules/insights/simulation';
import { DEFAULT_POLICY } from '../../src/model/lifecycle';
import { type Rule } from '../../src/modules/scoring/scorer';
import { prng } from '../../scripts/demo/random';

const DAY = 86_400_000;
const logit = (p: number) => Math.log(p / (1 - p));

describe('statistics', () => {
  it('gives the textbook Wilson interval', () => {
    const w = wilson(8, 10);
    expect(w.estimate).toBe(0.8);
    expect(w.low).toBeCloseTo(0.4902, 4);
    expect(w.high).toBeCloseTo(0.9433, 4);
    expect(wilson(0, 0)).toEqual({ estimate: 0, low: 0, high: 1 });
  });

  it('gives a lift interval around the ratio that holds 1 for equal rates and excludes it for distinct ones', () => {
    const same = liftInterval(30, 100, 60, 200);
    expect(same.estimate).toBeCloseTo(1, 10);
    expect(same.low!).toBeLessThan(1);
    expect(same.high!).toBeGreaterThan(1);
    const apart = liftInterval(80, 100, 20, 100);
    expect(apart.estimate).toBeCloseTo(4, 10);
    expect(apart.low!).toBeGreaterThan(2.5);
    expect(apart.high!).toBeLessThan(6.5);
    expect(liftInterval(5, 10, 0, 10).high).toBeNull();
  });

  it('computes AUC with ties counting half, and medians', () => {
    const ex = (score: number, positive: boolean, weight = 1) => ({ score, positive, weight });
    expect(auc([ex(3, true), ex(4, true), ex(1, false), ex(2, false)])).toBe(1);
    expect(auc([ex(1, true), ex(1, false)])).toBe(0.5);
    expect(auc([ex(1, true, 3), ex(2, false, 1), ex(0, false, 1)])).toBe(0.5);
    expect(auc([ex(1, true)])).toBeNull();
    expect(median([3, 1, 2, 10])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe('logistic regression', () => {
  it('finds the closed-form solution of one binary feature: the logits of both groups', () => {
    const m = fitLogistic(
      [
        { x: [0], weight: 100, positives: 20 },
        { x: [1], weight: 50, positives: 40 },
      ],
      { ridge: 0 },
    );
    expect(m.converged).toBe(true);
    expect(m.intercept).toBeCloseTo(logit(0.2), 8);
    expect(m.coefficients[0]).toBeCloseTo(logit(0.8) - logit(0.2), 8);
    expect(predict(m, [1])).toBeCloseTo(0.8, 8);
  });

  it('satisfies the likelihood equations on a multi-feature design', () => {
    const rand = prng(3);
    const rows = Array.from({ length: 400 }, () => {
      const x = [Math.floor(rand() * 4), rand() < 0.5 ? 1 : 0, Math.floor(rand() * 3)];
      const y = rand() < sigmoid(-1 + 0.8 * x[0] - 0.5 * x[1]) ? 1 : 0;
      return { x, weight: 1, positives: y };
    });
    const m = fitLogistic(rows, { ridge: 0 });
    const grad = [0, 0, 0, 0];
    for (const r of rows) {
      const resid = r.positives - predict(m, r.x);
      grad[0] += resid;
      r.x.forEach((v, j) => (grad[j + 1] += resid * v));
    }
    for (const g of grad) expect(Math.abs(g)).toBeLessThan(1e-6);
    expect(m.coefficients[0]).toBeGreaterThan(0.4);
  });
});

const rule = (id: string, activityType: string, points: number, extra: Partial<Rule> = {}): Rule => ({
  id,
  name: id,
  kind: 'BEHAVIOR',
  activityType,
  conditions: [],
  points,
  maxApplications: null,
  capWindowDays: null,
  expiresAfterDays: null,
  ...extra,
});
const facts = {
  email: 'a@b.example',
  firstName: null,
  lastName: null,
  company: null,
  jobTitle: null,
  industry: null,
  companySize: null,
  country: null,
  source: null,
  ownerId: null,
  partnerId: null,
  attributes: null,
};

describe('replay', () => {
  it('promotes on score, replays a qualification only where the contact stands, dates promotions by activity', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const history: ContactHistory = {
      id: 'c',
      facts,
      createdAt: t0,
      activities: [1, 2, 3].map((i) => ({
        id: `a${i}`,
        type: 'view',
        occurredAt: t0 + i * DAY,
        properties: null,
        recordedAt: t0 + i * DAY,
      })),
      transitions: [
        { from: 'MQL', to: 'SQL', trigger: 'QUALIFICATION', at: t0 + 4 * DAY, recordedAt: t0 + 4 * DAY, order: 9 },
      ],
    };
    const live = replayContact(history, [rule('view', 'view', 20)], DEFAULT_POLICY, t0 + 10 * DAY);
    expect(live.transitions.map((t) => [t.to, (t.at - t0) / DAY])).toEqual([
      ['LEAD', 1],
      ['MQL', 3],
      ['SQL', 4],
    ]);
    const weaker = replayContact(history, [rule('view', 'view', 10)], DEFAULT_POLICY, t0 + 10 * DAY);
    expect(weaker.transitions.map((t) => t.to)).toEqual(['LEAD']);
    expect(weaker.stage).toBe('LEAD');
  });
});

describe('observations, insights and the suggestion on a planted signal', () => {
  const from = Date.UTC(2026, 0, 1);
  const window = { from, to: from + 120 * DAY, horizonDays: 20 };
  const rules = [rule('demo', 'demo', 40), rule('open', 'open', 5), rule('view', 'view', 2)];
  const rand = prng(9);
  const histories: ContactHistory[] = Array.from({ length: 3000 }, (_, i) => {
    const anchor = from + Math.floor(rand() * 119 * DAY);
    const demo = rand() < 0.2;
    const acts = [
      { type: 'view' },
      ...(rand() < 0.6 ? [{ type: 'open' }, { type: 'open' }] : []),
      ...(demo ? [{ type: 'demo' }] : []),
    ];
    const sql = rand() < (demo ? 0.7 : 0.1);
    return {
      id: `c${i}`,
      facts,
      createdAt: anchor - DAY,
      activities: acts.map((a, k) => ({
        id: `${i}-${k}`,
        type: a.type,
        occurredAt: anchor + k * 3_600_000,
        properties: null,
        recordedAt: anchor + k * 3_600_000,
      })),
      transitions: sql
        ? [
            {
              from: 'MQL',
              to: 'SQL',
              trigger: 'QUALIFICATION',
              at: anchor + 5 * DAY,
              recordedAt: anchor + 5 * DAY,
              order: 1,
            },
          ]
        : [],
    } as ContactHistory;
  });

  it('finds the planted behaviour, gives an unrelated one a lift near 1, never trains on the test part', () => {
    const fit: Rule = {
      ...rule('fit', '', 3),
      kind: 'FIT',
      activityType: null,
      conditions: [
        { field: 'freeEmail', operator: 'EQ', value: false },
        { field: 'email', operator: 'ENDS_WITH', value: '.org' },
      ],
    };
    const insights = new RuleInsightTally([...rules, fit], window.horizonDays);
    const holdout = holdoutOf(window)!;
    const suggestion = new SuggestionTally(holdout);
    for (const h of histories) {
      const o = observe(h, rules, window);
      if (!o) continue;
      insights.add(observe(h, [...rules, fit], window)!, h.facts);
      suggestion.add(o);
      const part = suggestion.partOf(o.anchor);
      if (part === 'train') expect(o.anchor + window.horizonDays * DAY).toBeLessThanOrEqual(holdout.testFrom);
    }
    const rows = insights.insights();
    const byId = Object.fromEntries(rows.filter((r) => r.condition === null).map((r) => [r.ruleId, r]));
    expect(byId.demo.lift.low!).toBeGreaterThan(3);
    expect(byId.demo.signal).toBe('PREDICTIVE');
    expect(byId.open.lift.low!).toBeLessThan(1);
    expect(byId.open.lift.high!).toBeGreaterThan(1);
    expect(byId.open.lift.estimate!).toBeGreaterThan(0.8);
    expect(byId.open.lift.estimate!).toBeLessThan(1.25);
    expect(byId.open.signal).toBe('NOISE');
    expect(byId.demo.medianDaysToSql).toBeCloseTo(5, 0);
    const conditions = rows.filter((r) => r.condition !== null).map((r) => [r.condition, r.appliedContacts]);
    expect(conditions).toEqual(
      expect.arrayContaining([
        ['freeEmail EQ false', insights.counts.contacts],
        ['email ENDS_WITH ".org"', 0],
      ]),
    );
    expect(byId.fit.appliedContacts).toBe(0);
    const s = suggest(suggestion, rules, 50)!;
    expect(s.points[0]).toBe(Math.max(...s.points));
    expect(Math.abs(s.points[1])).toBeLessThan(s.points[0] / 4);
    expect(s.suggestedAuc!).toBeGreaterThanOrEqual(s.currentAuc! - 0.01);
    expect(s.train.contacts + s.test.contacts).toBeLessThan(3000);
    expect(s.calibration.reduce((n, b) => n + b.contacts, 0)).toBe(s.test.contacts);
  });

  it('tallies a simulation: stage entries, weekly MQLs and outcome quality', () => {
    const tally = new SimulationTally(window);
    const at = from + 10 * DAY;
    tally.add(
      [{ to: 'MQL', at }],
      [
        { to: 'MQL', at },
        { to: 'SQL', at: at + DAY },
      ],
    );
    tally.add([{ to: 'MQL', at }], []);
    const s = tally.summary();
    expect(s.stages.find((x) => x.stage === 'MQL')).toEqual({ stage: 'MQL', simulated: 2, actual: 1 });
    expect(s.weeks[1]).toMatchObject({ simulated: 2, actual: 1 });
    expect(s.simulated).toMatchObject({
      mqls: 2,
      reachedSql: 1,
      precision: 0.5,
      recall: 1,
      unjudged: 1,
      judgedPrecision: 1,
    });
    expect(s.current).toMatchObject({
      mqls: 1,
      reachedSql: 1,
      precision: 1,
      recall: 1,
      unjudged: 0,
      judgedPrecision: 1,
    });
    expect(s.changedContacts).toBe(1);
  });
});
