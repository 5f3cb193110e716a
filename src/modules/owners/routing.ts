/**
 * The routing policy's pure core: which team a contact goes to, and whether a
 * policy is valid. No GraphQL or ORM here (unit-tested without a database).
 */

/** A routing rule as stored: the conditions that are set must all hold. */
export interface RouteRule {
  team: string;
  countries?: string[] | null;
  sources?: string[] | null;
  minCompanySize?: number | null;
  maxCompanySize?: number | null;
}

/** The routing settings. */
export interface Routing {
  enabled: boolean;
  assignAtStage: string;
  defaultTeam: string | null;
  rules: RouteRule[];
}

/** What a rule looks at. */
export interface RoutedContact {
  country: string | null;
  source: string | null;
  companySize: number | null;
}

/** Stages a policy may assign at. */
export const ROUTING_STAGES = ['MQL', 'SQL'];

/** The defaults of a new store: assign at MQL, no rules, every active owner in one rotation. */
export const DEFAULT_ROUTING: Routing = { enabled: true, assignAtStage: 'MQL', defaultTeam: null, rules: [] };

const inList = (value: string | null, list: string[] | null | undefined): boolean =>
  !list || list.length === 0 || (value !== null && list.some((v) => v.toLowerCase() === value.toLowerCase()));

/** Whether every condition the rule sets holds for the contact. */
export function ruleMatches(rule: RouteRule, c: RoutedContact): boolean {
  if (!inList(c.country, rule.countries) || !inList(c.source, rule.sources)) return false;
  if (rule.minCompanySize != null && (c.companySize === null || c.companySize < rule.minCompanySize)) return false;
  if (rule.maxCompanySize != null && (c.companySize === null || c.companySize > rule.maxCompanySize)) return false;
  return true;
}

/**
 * The team a contact is routed to and why: the first matching rule, else the
 * default team; `team` null means every active owner.
 */
export function chooseTeam(routing: Routing, c: RoutedContact): { team: string | null; reason: string } {
  const index = routing.rules.findIndex((r) => ruleMatches(r, c));
  if (index >= 0)
    return {
      team: routing.rules[index].team,
      reason: `routing rule ${index + 1} -> team ${routing.rules[index].team}`,
    };
  if (routing.defaultTeam !== null)
    return { team: routing.defaultTeam, reason: `no rule matched -> default team ${routing.defaultTeam}` };
  return { team: null, reason: 'no rule matched -> all active owners' };
}

/** The first problem of a policy, or null. */
export function validateRouting(r: Routing): { field: string; message: string } | null {
  if (!ROUTING_STAGES.includes(r.assignAtStage)) return { field: 'assignAtStage', message: 'must be MQL or SQL' };
  if (r.defaultTeam !== null && (r.defaultTeam.trim() === '' || r.defaultTeam.length > 191))
    return { field: 'defaultTeam', message: 'must be 1 to 191 characters' };
  if (r.rules.length > 100) return { field: 'rules', message: 'at most 100 rules' };
  for (const [i, rule] of r.rules.entries()) {
    if (!rule.team || rule.team.trim() === '' || rule.team.length > 191)
      return { field: `rules[${i}].team`, message: 'must be 1 to 191 characters' };
    for (const key of ['minCompanySize', 'maxCompanySize'] as const) {
      const v = rule[key];
      if (v != null && (!Number.isInteger(v) || v < 0))
        return { field: `rules[${i}].${key}`, message: 'must be a non-negative integer' };
    }
    if (rule.minCompanySize != null && rule.maxCompanySize != null && rule.minCompanySize > rule.maxCompanySize) {
      return { field: `rules[${i}].maxCompanySize`, message: 'must be at least minCompanySize' };
    }
    for (const key of ['countries', 'sources'] as const) {
      if ((rule[key]?.length ?? 0) > 100) return { field: `rules[${i}].${key}`, message: 'at most 100 values' };
    }
  }
  return null;
}
