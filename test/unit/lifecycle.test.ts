import { DEFAULT_POLICY, Policy, mergePolicy, promotions, qualificationOutcome, temperatureOf, validatePolicy } from '../../src/modules/lifecycle/lifecycle';

const p = (over: Partial<Policy> = {}): Policy => ({ ...DEFAULT_POLICY, ...over });
const at = (stage: string, fit: number, engagement: number, engaged = false) => ({ stage: stage as never, fitScore: fit, engagementScore: engagement, engagedSinceStageChange: engaged });

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
    for (const stage of ['SQL', 'OPPORTUNITY', 'CUSTOMER', 'DISQUALIFIED']) expect(promotions(at(stage, 0, 1000, true), p({ sqlThreshold: 60 }))).toEqual([]);
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
    expect([temperatureOf(60, p()), temperatureOf(59, p()), temperatureOf(20, p()), temperatureOf(19, p())]).toEqual(['HOT', 'WARM', 'WARM', 'COLD']);
    expect(qualificationOutcome({ budget: true, authority: true, need: true, timeline: false }, p())).toBe('SQL');
    expect(qualificationOutcome({ budget: true, authority: false, need: true, timeline: false }, p())).toBe('NURTURE');
    expect(qualificationOutcome({ budget: false, authority: false, need: false, timeline: false }, p({ requiredBantCriteria: 0 }))).toBe('SQL');
  });
});
