import { DEFAULT_ROUTING, chooseTeam, ruleMatches, validateRouting } from '../../src/modules/owners/routing';

const contact = (country: string | null, source: string | null, companySize: number | null) => ({
  country,
  source,
  companySize,
});

describe('routing rules', () => {
  it('match on every condition set, case-insensitively, with inclusive size bounds', () => {
    const rule = { team: 't', countries: ['DE'], sources: ['webinar'], minCompanySize: 100, maxCompanySize: 500 };
    expect(ruleMatches(rule, contact('de', 'Webinar', 100))).toBe(true);
    expect(ruleMatches(rule, contact('de', 'Webinar', 500))).toBe(true);
    expect(ruleMatches(rule, contact('de', 'Webinar', 501))).toBe(false);
    expect(ruleMatches(rule, contact('fr', 'webinar', 200))).toBe(false);
    expect(ruleMatches(rule, contact('de', null, 200))).toBe(false);
    expect(ruleMatches(rule, contact('de', 'webinar', null))).toBe(false);
    expect(ruleMatches({ team: 't' }, contact(null, null, null))).toBe(true);
  });

  it('pick the first matching rule, else the default team, else every owner', () => {
    const routing = { ...DEFAULT_ROUTING, rules: [{ team: 'a', countries: ['US'] }, { team: 'b' }] };
    expect(chooseTeam(routing, contact('US', null, null)).team).toBe('a');
    expect(chooseTeam(routing, contact('DE', null, null))).toEqual({ team: 'b', reason: 'routing rule 2 -> team b' });
    expect(chooseTeam({ ...DEFAULT_ROUTING, defaultTeam: 'd' }, contact('DE', null, null)).team).toBe('d');
    expect(chooseTeam(DEFAULT_ROUTING, contact('DE', null, null)).team).toBeNull();
  });

  it('validate stage, teams and sizes', () => {
    expect(validateRouting(DEFAULT_ROUTING)).toBeNull();
    expect(validateRouting({ ...DEFAULT_ROUTING, assignAtStage: 'LEAD' })?.field).toBe('assignAtStage');
    expect(validateRouting({ ...DEFAULT_ROUTING, rules: [{ team: ' ' }] })?.field).toBe('rules[0].team');
    expect(validateRouting({ ...DEFAULT_ROUTING, rules: [{ team: 'x', minCompanySize: -1 }] })?.field).toBe(
      'rules[0].minCompanySize',
    );
    expect(validateRouting({ ...DEFAULT_ROUTING, defaultTeam: '' })?.field).toBe('defaultTeam');
  });
});
