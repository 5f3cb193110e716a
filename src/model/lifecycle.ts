/**
 * The lifecycle as pure functions: which promotions a contact's scores earn,
 * the BANT outcome, temperature, and the qualification policy's rules.
 * No GraphQL or ORM imports: unit-tested without a database.
 */

export type Stage = 'PROSPECT' | 'LEAD' | 'MQL' | 'SQL' | 'OPPORTUNITY' | 'CUSTOMER' | 'NURTURE' | 'DISQUALIFIED';

/** Funnel order; NURTURE and DISQUALIFIED sit outside it. */
export const FUNNEL: readonly Stage[] = ['PROSPECT', 'LEAD', 'MQL', 'SQL', 'OPPORTUNITY', 'CUSTOMER'];

/** Thresholds that drive promotions and temperature. */
export interface Policy {
  leadThreshold: number;
  mqlThreshold: number;
  sqlThreshold: number | null;
  requiredBantCriteria: number;
  hotThreshold: number;
  warmThreshold: number;
  temperatureWindowDays: number;
}

/** Defaults on a new store (contract). */
export const DEFAULT_POLICY: Policy = {
  leadThreshold: 1,
  mqlThreshold: 50,
  sqlThreshold: null,
  requiredBantCriteria: 3,
  hotThreshold: 60,
  warmThreshold: 20,
  temperatureWindowDays: 14,
};

export interface PolicyProblem {
  field: string;
  message: string;
}

/** Returns the first rule of the contract the policy breaks, or null. */
export function validatePolicy(p: Policy): PolicyProblem | null {
  const nonNegative: (keyof Policy)[] = [
    'leadThreshold',
    'mqlThreshold',
    'hotThreshold',
    'warmThreshold',
    'temperatureWindowDays',
  ];
  for (const f of nonNegative) if ((p[f] as number) < 0) return { field: f, message: 'must not be negative' };
  // At most 100 years: the window's start must be a date both stores can hold.
  if (p.temperatureWindowDays < 1 || p.temperatureWindowDays > 36_500)
    return { field: 'temperatureWindowDays', message: 'must be between 1 and 36500' };
  if (p.warmThreshold > p.hotThreshold)
    return { field: 'warmThreshold', message: `must be <= hotThreshold (${p.hotThreshold})` };
  if (p.sqlThreshold !== null && p.sqlThreshold <= p.mqlThreshold)
    return { field: 'sqlThreshold', message: `must be greater than mqlThreshold (${p.mqlThreshold})` };
  if (!Number.isInteger(p.requiredBantCriteria) || p.requiredBantCriteria < 0 || p.requiredBantCriteria > 4)
    return { field: 'requiredBantCriteria', message: 'must be between 0 and 4' };
  return null;
}

/** Applies a patch: undefined keeps a value; `sqlThreshold: null` clears it. */
export function mergePolicy(current: Policy, patch: Partial<Policy>): Policy {
  const next: Policy = { ...current };
  for (const key of Object.keys(current) as (keyof Policy)[]) {
    const v = patch[key];
    if (v === undefined) continue;
    if (v === null && key !== 'sqlThreshold') continue;
    (next as unknown as Record<string, unknown>)[key] = v;
  }
  return next;
}

/**
 * Stages a contact passes now, in order; each is its own transition.
 * 1. PROSPECT -> LEAD when engagement >= leadThreshold and > 0 (never on fit alone).
 * 2. LEAD (or NURTURE with engagement since it entered NURTURE) -> MQL when score >= mqlThreshold.
 * 3. With sqlThreshold: LEAD, MQL (or such a NURTURE) -> SQL when score >= sqlThreshold,
 *    passing MQL first when the contact is not MQL yet.
 * Scores never move a stage back; SQL and above, and DISQUALIFIED, are untouched.
 */
export function promotions(
  input: { stage: Stage; fitScore: number; engagementScore: number; engagedSinceStageChange: boolean },
  policy: Policy,
): Stage[] {
  const score = input.fitScore + input.engagementScore;
  const out: Stage[] = [];
  let stage = input.stage;
  if (stage === 'PROSPECT') {
    // Interest shown: positive engagement, even when leadThreshold is 0 (fit alone never moves a PROSPECT).
    if (input.engagementScore < policy.leadThreshold || input.engagementScore <= 0) return out;
    out.push('LEAD');
    stage = 'LEAD';
  }
  if (stage === 'NURTURE' && !input.engagedSinceStageChange) return out;
  if (stage === 'LEAD' || stage === 'NURTURE') {
    // A valid policy's sqlThreshold is above mqlThreshold: a score short of MQL is short of SQL too.
    if (score < policy.mqlThreshold) return out;
    out.push('MQL');
    stage = 'MQL';
  }
  if (stage === 'MQL' && policy.sqlThreshold !== null && score >= policy.sqlThreshold) out.push('SQL');
  return out;
}

export type Temperature = 'COLD' | 'WARM' | 'HOT';

/** HOT >= hotThreshold, WARM >= warmThreshold, else COLD. */
export function temperatureOf(points: number, policy: Policy): Temperature {
  if (points >= policy.hotThreshold) return 'HOT';
  if (points >= policy.warmThreshold) return 'WARM';
  return 'COLD';
}

export interface Bant {
  budget: boolean;
  authority: boolean;
  need: boolean;
  timeline: boolean;
}

/** SQL with at least requiredBantCriteria criteria true, else NURTURE. */
export function qualificationOutcome(bant: Bant, policy: Policy): 'SQL' | 'NURTURE' {
  const met = [bant.budget, bant.authority, bant.need, bant.timeline].filter(Boolean).length;
  return met >= policy.requiredBantCriteria ? 'SQL' : 'NURTURE';
}
