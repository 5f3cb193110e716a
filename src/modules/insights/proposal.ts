/**
 * A proposed rule set as simulateScoring takes it, resolved against the
 * stored rules into the whole rule set the simulation runs (pure): existing
 * rules by id with the given fields changed, new rules complete, each
 * validated as the rule mutations validate it.
 */
import { type Rule, type RuleCondition, type RuleKind, type RuleProblem, validateRule } from '../scoring';

/** One rule of a proposal (ProposedRuleInput). */
export interface ProposedRule {
  id?: string | null;
  name?: string | null;
  kind?: RuleKind | null;
  activityType?: string | null;
  conditions?: RuleCondition[] | null;
  points?: number | null;
  maxApplications?: number | null;
  capWindowDays?: number | null;
  expiresAfterDays?: number | null;
  /** false leaves the rule out of the set (as if not listed). */
  active?: boolean | null;
}

/** A rule of the resolved set; `existing` when it changes a stored rule (its id), else new (a provisional id). */
export type ResolvedRule = Rule & { existing: boolean };

/** Fields a proposal may leave out to keep (existing rules) or to default to null (new rules). */
const NULLABLE = ['activityType', 'maxApplications', 'capWindowDays', 'expiresAfterDays'] as const;

/** The resolved rule set, or the first problem, its field a path into the input (`input.rules.2.points`). */
export function resolveProposal(
  proposed: ProposedRule[],
  stored: Rule[],
): { rules: ResolvedRule[] } | { problem: RuleProblem } {
  const byId = new Map(stored.map((r) => [r.id, r]));
  const seen = new Set<string>();
  const rules: ResolvedRule[] = [];
  for (let i = 0; i < proposed.length; i++) {
    const p = proposed[i];
    const at = `input.rules.${i}`;
    const base = p.id ? byId.get(p.id) : undefined;
    if (p.id && !base) return { problem: { field: `${at}.id`, message: `no scoring rule has id ${p.id}` } };
    if (p.id && seen.has(p.id)) return { problem: { field: `${at}.id`, message: `rule ${p.id} is listed twice` } };
    if (p.id) seen.add(p.id);
    if (base && p.kind && p.kind !== base.kind)
      return { problem: { field: `${at}.kind`, message: 'a rule keeps its kind' } };
    if (!base) {
      for (const f of ['name', 'kind', 'points'] as const)
        if (p[f] === undefined || p[f] === null)
          return { problem: { field: `${at}.${f}`, message: 'is required for a new rule' } };
    }
    const draft: Omit<Rule, 'id'> = {
      name: (p.name ?? base!.name).trim(),
      kind: p.kind ?? base!.kind,
      activityType: base?.activityType ?? null,
      conditions: (p.conditions ?? base?.conditions ?? []).map((c) => ({
        field: c.field,
        operator: c.operator,
        ...(c.value === undefined ? {} : { value: c.value }),
      })),
      points: p.points ?? base!.points,
      maxApplications: base?.maxApplications ?? null,
      capWindowDays: base?.capWindowDays ?? null,
      expiresAfterDays: base?.expiresAfterDays ?? null,
    };
    for (const f of NULLABLE) if (p[f] !== undefined) (draft as Record<string, unknown>)[f] = p[f];
    const problem = validateRule(draft);
    if (problem) return { problem: { field: `${at}.${problem.field}`, message: problem.message } };
    if (p.active !== false) rules.push({ ...draft, id: base?.id ?? `new-${i}`, existing: !!base });
  }
  return { rules };
}
