/**
 * Scoring rules: CRUD, the rule set applySimulation writes, and the rule
 * set's version, which every change bumps first so scoring can hold the
 * rules steady for a whole transaction (see `rulesUnderLock`).
 */
import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager } from 'typeorm';
import { ScoringRule } from './scoring-rule.entity';
import { type Rule, type RuleCondition } from './scorer';
import { type RuleDraft, validateRule } from './rule-validation';
import { type Viewer, assertCan } from '../access';
import { badInput, notFound } from '../../graphql/errors';
import { dialectOf, forShare, incrementCounter, lockRows, transaction } from '../../db/portable';
import { selectEntities } from '../../db/hydrate';

/** Input of createScoringRule. */
export type RuleInput = Omit<RuleDraft, 'activityType' | 'maxApplications' | 'capWindowDays' | 'expiresAfterDays'> & {
  activityType?: string | null;
  maxApplications?: number | null;
  capWindowDays?: number | null;
  expiresAfterDays?: number | null;
  active?: boolean | null;
};
/** Input of updateScoringRule: omitted fields keep their value. */
export type RulePatch = Partial<Omit<RuleInput, 'kind' | 'conditions'>> & { conditions?: RuleCondition[] | null };

/** Starts (or queues) a rescore after a rule change. */
export interface RescoreTrigger {
  requestRescore(em?: EntityManager): Promise<unknown>;
}

/** Converts a stored rule to the pure scorer's shape. */
export function toRule(r: ScoringRule): Rule {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    activityType: r.activityType,
    conditions: r.conditions ?? [],
    points: r.points,
    maxApplications: r.maxApplications,
    capWindowDays: r.capWindowDays,
    expiresAfterDays: r.expiresAfterDays,
  };
}

/** The scoring rules and their version. */
export class ScoringRules {
  private rescore: RescoreTrigger | null = null;
  /** The active rules last read under the version's lock, and the version they are of. */
  private held: { version: number; rules: Rule[] } | null = null;

  constructor(private readonly ds: DataSource) {}

  /** Wired after construction: the rescore service depends on the engine, which depends on this. */
  setRescoreTrigger(trigger: RescoreTrigger): void {
    this.rescore = trigger;
  }

  /** Queues a rescore inside the caller's transaction (rule changes, a window change). */
  requestRescore(em: EntityManager): Promise<unknown> | undefined {
    return this.rescore?.requestRescore(em);
  }

  /** Active rules, in a stable order. */
  async activeRules(em: EntityManager = this.ds.manager): Promise<Rule[]> {
    const rows = await selectEntities(
      em,
      ScoringRule,
      'SELECT * FROM scoring_rules WHERE active = 1 ORDER BY created_at, id',
    );
    return rows.map(toRule);
  }

  /**
   * The active rules for a scoring transaction. The rule set's version is
   * read under a shared lock held until the caller commits, and every rule
   * change bumps it first, under the row's write lock (`ruleSetChanging`):
   * no rule change commits while the transaction scores, so these rules hold
   * until it commits, and the rescore a later change starts sees its writes.
   * The rules themselves are read again only when the version moved.
   */
  async rulesUnderLock(em: EntityManager): Promise<Rule[]> {
    const [row]: { version: number | string }[] = await em.query(
      `SELECT version FROM scoring_rule_set WHERE id = 1${forShare(dialectOf(em))}`,
    );
    const version = Number(row.version);
    const held = this.held;
    if (held?.version === version) return held.rules;
    const rules = await this.activeRules(em);
    this.held = { version, rules };
    return rules;
  }

  /**
   * First statement of every rule change: bumps the rule set's version and holds its write lock until commit (see
   * rulesUnderLock).
   */
  private async ruleSetChanging(em: EntityManager): Promise<void> {
    await incrementCounter(em, 'scoring_rule_set', 'version', 1);
  }

  async listRules(includeInactive: boolean): Promise<ScoringRule[]> {
    return this.ds
      .getRepository(ScoringRule)
      .find({ where: includeInactive ? {} : { active: true }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async createRule(viewer: Viewer, input: RuleInput): Promise<ScoringRule> {
    assertCan(viewer, 'manageScoring');
    const draft = this.draft(input);
    const now = new Date();
    const rule = Object.assign(new ScoringRule(), {
      id: randomUUID(),
      ...draft,
      name: draft.name.trim(),
      active: input.active ?? true,
      createdAt: now,
      updatedAt: now,
    });
    return transaction(this.ds, async (em) => {
      await this.ruleSetChanging(em);
      await em.getRepository(ScoringRule).save(rule);
      if (rule.active) await this.rescore?.requestRescore(em);
      return rule;
    });
  }

  async updateRule(viewer: Viewer, id: string, patch: RulePatch): Promise<ScoringRule> {
    assertCan(viewer, 'manageScoring');
    return transaction(this.ds, async (em) => {
      await this.ruleSetChanging(em);
      const rule = await lockRows(
        em.getRepository(ScoringRule).createQueryBuilder('r').where('r.id = :id', { id }),
      ).getOne();
      if (!rule) throw notFound('Scoring rule', id);
      const merged: RuleInput = {
        ...rule,
        ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
      };
      if (patch.active === null) throw badInput('input.active', 'must not be null');
      const draft = this.draft(merged);
      Object.assign(rule, draft, {
        name: draft.name.trim(),
        active: merged.active ?? rule.active,
        updatedAt: new Date(),
      });
      await em.getRepository(ScoringRule).save(rule);
      await this.rescore?.requestRescore(em);
      return rule;
    });
  }

  /** Deactivates the rule; its points stop counting after the rescore this starts. */
  async deleteRule(viewer: Viewer, id: string): Promise<boolean> {
    assertCan(viewer, 'manageScoring');
    return transaction(this.ds, async (em) => {
      await this.ruleSetChanging(em);
      const rule = await em.getRepository(ScoringRule).findOne({ where: { id } });
      if (!rule) throw notFound('Scoring rule', id);
      if (rule.active) {
        await em.getRepository(ScoringRule).update({ id }, { active: false, updatedAt: new Date() });
        await this.rescore?.requestRescore(em);
      }
      return true;
    });
  }

  /**
   * Makes `rules` (already validated) the whole active rule set inside the
   * caller's transaction: existing ones take the given fields, new ones are
   * created, active rules not listed are deactivated; then one rescore.
   * applySimulation's write.
   */
  async replaceRuleSet(em: EntityManager, rules: (Rule & { existing: boolean })[]): Promise<void> {
    await this.ruleSetChanging(em);
    const repo = em.getRepository(ScoringRule);
    const now = new Date();
    const keep = new Set(rules.filter((r) => r.existing).map((r) => r.id));
    for (const stored of await repo.find({ where: { active: true } })) {
      if (!keep.has(stored.id)) await repo.update({ id: stored.id }, { active: false, updatedAt: now });
    }
    for (const { existing, id, ...draft } of rules) {
      if (existing)
        await repo.save(
          Object.assign((await repo.findOne({ where: { id } }))!, draft, { active: true, updatedAt: now }),
        );
      else
        await repo.save(
          Object.assign(new ScoringRule(), {
            id: randomUUID(),
            ...draft,
            active: true,
            createdAt: now,
            updatedAt: now,
          }),
        );
    }
    await this.rescore?.requestRescore(em);
  }

  private draft(input: RuleInput): RuleDraft {
    const draft: RuleDraft = {
      name: input.name,
      kind: input.kind,
      activityType: input.activityType ?? null,
      conditions: (input.conditions ?? []).map((c) => ({
        field: c.field,
        operator: c.operator,
        ...(c.value === undefined ? {} : { value: c.value }),
      })),
      points: input.points,
      maxApplications: input.maxApplications ?? null,
      capWindowDays: input.capWindowDays ?? null,
      expiresAfterDays: input.expiresAfterDays ?? null,
    };
    const problem = validateRule(draft);
    if (problem) throw badInput(`input.${problem.field}`, problem.message);
    return draft;
  }
}
