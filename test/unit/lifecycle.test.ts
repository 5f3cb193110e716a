import {
  DEFAULT_POLICY,
  type Policy,
  mergePolicy,
  promotions,
  qualificationOutcome,
  temperatureOf,
  validatePolicy,
} from '../../src/model/lifecycle';

const p = (over: Partial<Policy> = {}): Policy => ({ ...DEFAULT_POLICY, ...over });
const at = (stage: string, fit: number, engagement: number, engaged = false) => ({
  stage: stage as never,
  fitScore: fit,
  engagementScore: engagement,
  engagedSinceStageChange: engaged,
});

describe('promotions', () => {
  it('PROSPECT becomes LEAD on engagement only, never on fit alone', () => {
    expect(promotions(at('PROSPECT', 500, 0), p())).toEqual([]);
    expect(promotions(at('PROSPECT', 0, 1), p())).toEqual(['LEAD']);
  });
  it('passes every stage on a jump, each its own transition', () => {
    expect(promotions(at('PROSPECT', 40, 10), p())).toEqual(['LEAD', 'MQL']);
    expect(promotions(at('PROSPECT', 40, 70), p({ sqlThreshold: 100 }))).toEqual(['LEAD', 'MQL', 'SQL']);
    expect(promotions(at('LEAD', 0, 100), p({ sqlThreshold: 90 }))).toEqual(['MQL', 'SQL']);
    expect(promotions(at('MQL', 0, 100), p({ sqlThreshold: 90 }))).toEqual(['SQL']);
  });
  it('re-promotes NURTURE only with new engagement', () => {
    expect(promotions(at('NURTURE', 0, 80), p())).toEqual([]);
    expect(promotions(at('NURTURE', 0, 80, true), p())).toEqual(['MQL']);
    expect(promotions(at('NURTURE', 0, 80, true), p({ sqlThreshold: 70 }))).toEqual(['MQL', 'SQL']);
  });
  it('never moves SQL and beyond, or DISQUALIFIED, by score', () => {
    for (const stage of ['SQL', 'OPPORTUNITY', 'CUSTOMER', 'DISQUALIFIED'])
      expect(promotions(at(stage, 0, 1000, true), p({ sqlThreshold: 60 }))).toEqual([]);
  });
  it('without sqlThreshold stops at MQL', () => {
    expect(promotions(at('MQL', 0, 10_000), p())).toEqual([]);
  });
});

describe('policy', () => {
  it('validates the contract rules', () => {
    expect(validatePolicy(p())).toBeNull();
    expect(validatePolicy(p({ warmThreshold: 70 }))?.field).toBe('warmThreshold');
    expect(validatePolicy(p({ sqlThreshold: 50 }))?.field).toBe('sqlThreshold');
    expect(validatePolicy(p({ temperatureWindowDays: 0 }))?.field).toBe('temperatureWindowDays');
    expect(validatePolicy(p({ requiredBantCriteria: 5 }))?.field).toBe('requiredBantCriteria');
    expect(validatePolicy(p({ leadThreshold: -1 }))?.field).toBe('leadThreshold');
  });
  it('merges: omitted keeps, sqlThreshold null clears', () => {
    const withSql = mergePolicy(p(), { sqlThreshold: 80 });
    expect(withSql.sqlThreshold).toBe(80);
    expect(mergePolicy(withSql, { mqlThreshold: 40 })).toEqual({ ...withSql, mqlThreshold: 40 });
    expect(mergePolicy(withSql, { sqlThreshold: null }).sqlThreshold).toBeNull();
  });
  it('maps temperature and BANT outcomes', () => {
    expect([temperatureOf(60, p()), temperatureOf(59, p()), temperatureOf(20, p()), temperatureOf(19, p())]).toEqual([
      'HOT',
      'WARM',
      'WARM',
      'COLD',
    ]);
    expect(qualificationOutcome({ budget: true, authority: true, need: true, timeline: false }, p())).toBe('SQL');
    expect(qualificationOutcome({ budget: true, authority: false, need: true, timeline: false }, p())).toBe('NURTURE');
    expect(
      qualificationOutcome(
        { budget: false, authority: false, need: false, timeline: false },
        p({ requiredBantCriteria: 0 }),
      ),
    ).toBe('SQL');
  });
});

describe('every promotion path', () => {
  const sql = p({ leadThreshold: 10, mqlThreshold: 50, sqlThreshold: 80 });
  it.each([
    ['PROSPECT below leadThreshold stays', at('PROSPECT', 100, 9), []],
    ['PROSPECT with negative engagement stays', at('PROSPECT', 200, -5), []],
    ['PROSPECT at leadThreshold, score below MQL', at('PROSPECT', 0, 10), ['LEAD']],
    ['PROSPECT to MQL counting fit once past step 1', at('PROSPECT', 40, 10), ['LEAD', 'MQL']],
    ['PROSPECT to SQL', at('PROSPECT', 40, 40), ['LEAD', 'MQL', 'SQL']],
    ['LEAD below MQL stays', at('LEAD', 0, 49), []],
    ['LEAD to MQL on fit', at('LEAD', 50, 0), ['MQL']],
    ['LEAD to SQL through MQL', at('LEAD', 30, 50), ['MQL', 'SQL']],
    ['MQL below SQL stays', at('MQL', 0, 79), []],
    ['MQL to SQL', at('MQL', 0, 80), ['SQL']],
    ['NURTURE without new engagement stays, whatever the score', at('NURTURE', 0, 500), []],
    ['NURTURE with new engagement below MQL stays', at('NURTURE', 0, 49, true), []],
    ['NURTURE with new engagement to MQL', at('NURTURE', 0, 50, true), ['MQL']],
    ['NURTURE with new engagement to SQL through MQL', at('NURTURE', 0, 80, true), ['MQL', 'SQL']],
    ['SQL stays', at('SQL', 0, 500, true), []],
    ['OPPORTUNITY stays', at('OPPORTUNITY', 0, 500, true), []],
    ['CUSTOMER stays', at('CUSTOMER', 0, 500, true), []],
    ['DISQUALIFIED stays', at('DISQUALIFIED', 0, 500, true), []],
  ])('%s', (_label, input, expected) => {
    expect(promotions(input, sql)).toEqual(expected);
  });

  it('needs positive engagement to leave PROSPECT even with leadThreshold 0 (never on fit alone)', () => {
    expect(promotions(at('PROSPECT', 100, 0), p({ leadThreshold: 0, mqlThreshold: 0 }))).toEqual([]);
    expect(promotions(at('PROSPECT', 0, 1), p({ leadThreshold: 0, mqlThreshold: 0 }))).toEqual(['LEAD', 'MQL']);
  });

  it('never returns a stage behind the current one when scores fall', () => {
    for (const stage of ['LEAD', 'MQL']) expect(promotions(at(stage, -100, -100), p())).toEqual([]);
  });
});

describe('policy rules', () => {
  it.each([
    [{ mqlThreshold: -1 }, 'mqlThreshold'],
    [{ hotThreshold: -1, warmThreshold: -2 }, 'hotThreshold'],
    [{ warmThreshold: -1 }, 'warmThreshold'],
    [{ sqlThreshold: -1 }, 'sqlThreshold'],
    [{ temperatureWindowDays: -1 }, 'temperatureWindowDays'],
    [{ sqlThreshold: 49 }, 'sqlThreshold'],
    [{ requiredBantCriteria: -1 }, 'requiredBantCriteria'],
    [{ requiredBantCriteria: 1.5 }, 'requiredBantCriteria'],
  ])('rejects %p on %s', (over, field) => {
    expect(validatePolicy(p(over as Partial<Policy>))?.field).toBe(field);
  });

  it.each([
    [{ warmThreshold: 60 }],
    [{ sqlThreshold: 51 }],
    [{ temperatureWindowDays: 1 }],
    [{ requiredBantCriteria: 0 }],
    [{ requiredBantCriteria: 4 }],
    [{ leadThreshold: 0, mqlThreshold: 0, hotThreshold: 0, warmThreshold: 0 }],
  ])('accepts the boundary %p', (over) => {
    expect(validatePolicy(p(over as Partial<Policy>))).toBeNull();
  });

  it('keeps every omitted or null field but sqlThreshold', () => {
    const current = p({ sqlThreshold: 90 });
    expect(mergePolicy(current, {})).toEqual(current);
    expect(mergePolicy(current, { leadThreshold: null as never, hotThreshold: 70 })).toEqual({
      ...current,
      hotThreshold: 70,
    });
    expect(mergePolicy(current, { sqlThreshold: undefined })).toEqual(current);
  });

  it('counts BANT criteria against requiredBantCriteria', () => {
    const bant = (n: number) => ({ budget: n > 0, authority: n > 1, need: n > 2, timeline: n > 3 });
    for (let required = 0; required <= 4; required++) {
      for (let met = 0; met <= 4; met++)
        expect(qualificationOutcome(bant(met), p({ requiredBantCriteria: required }))).toBe(
          met >= required ? 'SQL' : 'NURTURE',
        );
    }
  });

  it('maps temperature with custom thresholds, equal warm and hot included', () => {
    expect(temperatureOf(30, p({ warmThreshold: 30, hotThreshold: 30 }))).toBe('HOT');
    expect(temperatureOf(-5, p())).toBe('COLD');
    expect(temperatureOf(0, p({ warmThreshold: 0 }))).toBe('WARM');
  });
});

describe('promotions without sqlThreshold', () => {
  it('keeps a LEAD or a re-engaged NURTURE below mqlThreshold where it is, and promotes it at the threshold', () => {
    expect(promotions(at('LEAD', 10, 20), p())).toEqual([]);
    expect(promotions(at('NURTURE', 0, 49, true), p())).toEqual([]);
    expect(promotions(at('LEAD', 10, 40), p())).toEqual(['MQL']);
    expect(promotions(at('PROSPECT', 0, 49), p())).toEqual(['LEAD']);
  });

  it('promotes to SQL only at sqlThreshold, counting fit and engagement', () => {
    expect(promotions(at('MQL', 40, 39), p({ sqlThreshold: 80 }))).toEqual([]);
    expect(promotions(at('MQL', 40, 40), p({ sqlThreshold: 80 }))).toEqual(['SQL']);
    expect(promotions(at('LEAD', 40, 39), p({ sqlThreshold: 80 }))).toEqual(['MQL']);
  });
});
