/**
 * Scoring rules and the stored side of scoring: which rules are active, fit
 * scores, incremental scoring of new activities inside the ingestion
 * transaction, the expiry sweep and what reads (temperature, breakdown) need.
 * The arithmetic itself lives in the pure scorer.
 */
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { ScoringRule } from './scoring-rule.entity';
import { ScoreApplication } from './score-application.entity';
import {
  ActivityFacts,
  RuleCondition,
  Application,
  CapState,
  Contribution,
  DAY_MS,
  Rule,
  engagementScore,
  fitContributions,
  fitScore,
  isExpired,
  needsFullRescore,
  scoreActivity,
  scoreAllActivities,
  scoreBreakdown,
} from './scorer';
import { RuleDraft, validateRule } from './rule-validation';
import { Contact } from '../contacts/contact.entity';
import { Activity } from '../activities/activity.entity';
import { StageTransition } from '../lifecycle/stage-transition.entity';
import type { LifecycleService } from '../lifecycle/lifecycle.service';
import type { Policy } from '../lifecycle/lifecycle';
import { Viewer, assertCan } from '../access/viewer';
import { badInput, notFound } from '../../graphql/errors';
import { dbDate, lockRows, parseDbDate, transaction } from '../../db/portable';
import { SqlValue, insertRows, updateRowsById, upsertRows } from '../../db/bulk';

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

const APP_COLUMNS = ['activity_id', 'rule_id', 'contact_id', 'points', 'occurred_at', 'expires_at', 'expired'];
const CONTACT_SCORE_COLUMNS = ['score', 'fit_score', 'engagement_score', 'last_engaged_at', 'last_transition_at', 'stage', 'stage_changed_at', 'updated_at'];

function appRow(a: Application, contactId: string, now: number): SqlValue[] {
  return [a.activityId, a.ruleId, contactId, a.points, dbDate(a.occurredAt), a.expiresAt === null ? null : dbDate(a.expiresAt), isExpired(a, now) ? 1 : 0];
}

export class ScoringService {
  private rescore: RescoreTrigger | null = null;

  constructor(
    private readonly ds: DataSource,
    private readonly lifecycle: LifecycleService,
  ) {}

  /** Wired after construction: the rescore service depends on this one. */
  setRescoreTrigger(trigger: RescoreTrigger): void {
    this.rescore = trigger;
  }

  /** Active rules, in a stable order. */
  async activeRules(em: EntityManager = this.ds.manager): Promise<Rule[]> {
    const rows = await em.getRepository(ScoringRule).find({ where: { active: true }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(toRule);
  }

  fitScore(contact: Contact, rules: Rule[]): number {
    return fitScore(contact, rules);
  }

  async listRules(includeInactive: boolean): Promise<ScoringRule[]> {
    return this.ds.getRepository(ScoringRule).find({ where: includeInactive ? {} : { active: true }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async createRule(viewer: Viewer, input: RuleInput): Promise<ScoringRule> {
    assertCan(viewer, 'manageScoring');
    const draft = this.draft(input);
    const now = new Date();
    const rule = Object.assign(new ScoringRule(), { id: randomUUID(), ...draft, name: draft.name.trim(), active: input.active ?? true, createdAt: now, updatedAt: now });
    return transaction(this.ds, async (em) => {
      await em.getRepository(ScoringRule).save(rule);
      if (rule.active) await this.rescore?.requestRescore(em);
      return rule;
    });
  }

  async updateRule(viewer: Viewer, id: string, patch: RulePatch): Promise<ScoringRule> {
    assertCan(viewer, 'manageScoring');
    return transaction(this.ds, async (em) => {
      const rule = await lockRows(em.getRepository(ScoringRule).createQueryBuilder('r').where('r.id = :id', { id })).getOne();
      if (!rule) throw notFound('Scoring rule', id);
      const merged: RuleInput = { ...rule, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
      if (patch.active === null) throw badInput('input.active', 'must not be null');
      const draft = this.draft(merged);
      Object.assign(rule, draft, { name: draft.name.trim(), active: merged.active ?? rule.active, updatedAt: new Date() });
      await em.getRepository(ScoringRule).save(rule);
      await this.rescore?.requestRescore(em);
      return rule;
    });
  }

  /** Deactivates the rule; its points stop counting after the rescore this starts. */
  async deleteRule(viewer: Viewer, id: string): Promise<boolean> {
    assertCan(viewer, 'manageScoring');
    return transaction(this.ds, async (em) => {
      const rule = await em.getRepository(ScoringRule).findOne({ where: { id } });
      if (!rule) throw notFound('Scoring rule', id);
      if (rule.active) {
        await em.getRepository(ScoringRule).update({ id }, { active: false, updatedAt: new Date() });
        await this.rescore?.requestRescore(em);
      }
      return true;
    });
  }

  private draft(input: RuleInput): RuleDraft {
    const draft: RuleDraft = {
      name: input.name,
      kind: input.kind,
      activityType: input.activityType ?? null,
      conditions: (input.conditions ?? []).map((c) => ({ field: c.field, operator: c.operator, ...(c.value === undefined ? {} : { value: c.value }) })),
      points: input.points,
      maxApplications: input.maxApplications ?? null,
      capWindowDays: input.capWindowDays ?? null,
      expiresAfterDays: input.expiresAfterDays ?? null,
    };
    const problem = validateRule(draft);
    if (problem) throw badInput(`input.${problem.field}`, problem.message);
    return draft;
  }

  /**
   * Scores new activities (already sorted per contact by occurredAt, id) for
   * locked contacts inside the caller's transaction: sets each activity's
   * points, stores the applications, updates the contacts' scores and stages,
   * and returns the transitions (inserted, in order). Only the cap state of
   * capped rules is read; a backdated activity that would change earlier cap
   * decisions triggers a full recompute of that one contact.
   */
  async scoreNewActivities(em: EntityManager, contacts: Contact[], activitiesByContact: Map<string, Activity[]>, policy: Policy, now: Date): Promise<StageTransition[]> {
    const allRules = await this.activeRules(em);
    const rules = allRules.filter((r) => r.kind === 'BEHAVIOR');
    const nowMs = now.getTime();
    const capStates = await this.loadCapStates(em, contacts, activitiesByContact, rules);
    const appRows: SqlValue[][] = [];
    const transitions: StageTransition[] = [];
    const changed: Contact[] = [];
    // Contacts whose backdated activities would change earlier cap decisions: recomputed in full.
    const recompute: Contact[] = [];
    for (const contact of contacts) {
      const activities = activitiesByContact.get(contact.id) ?? [];
      if (activities.length === 0) continue;
      const before = `${contact.score}|${contact.engagementScore}|${contact.stage}|${contact.lastEngagedAt?.getTime()}`;
      const capState = capStates.get(contact.id) ?? new Map();
      const facts = activities.map(activityFacts);
      if (facts.some((f) => needsFullRescore(f, rules, capState))) {
        recompute.push(contact);
        continue;
      }
      for (let i = 0; i < activities.length; i++) {
        const activity = activities[i];
        const apps = scoreActivity(facts[i], rules, capState);
        activity.points = apps.reduce((s, a) => s + a.points, 0);
        for (const a of apps) {
          appRows.push(appRow(a, contact.id, nowMs));
          if (!isExpired(a, nowMs)) contact.engagementScore += a.points;
        }
        if (activity.points > 0 && (!contact.lastEngagedAt || contact.lastEngagedAt < activity.occurredAt)) contact.lastEngagedAt = activity.occurredAt;
        contact.score = contact.fitScore + contact.engagementScore;
        await this.lifecycle.promote(em, contact, { at: activity.occurredAt, engagedNow: false, policy, write: false }, transitions);
      }
      // Activities that earned nothing leave the contact row alone (no write, updatedAt kept).
      if (`${contact.score}|${contact.engagementScore}|${contact.stage}|${contact.lastEngagedAt?.getTime()}` !== before) {
        contact.updatedAt = now;
        changed.push(contact);
      }
    }
    await insertRows(em, 'score_applications', APP_COLUMNS, appRows);
    const latest = (c: Contact) => new Date(Math.max(...activitiesByContact.get(c.id)!.map((a) => a.occurredAt.getTime())));
    await this.recomputeContacts(em, recompute, activitiesByContact, allRules, policy, now, latest, transitions);
    await this.writeContactScores(em, [...changed, ...recompute]);
    await this.lifecycle.insertTransitions(em, transitions);
    return transitions;
  }

  /** Cap state (counted application times per capped rule) of each contact, in one query. */
  private async loadCapStates(em: EntityManager, contacts: Contact[], byContact: Map<string, Activity[]>, rules: Rule[]): Promise<Map<string, CapState>> {
    const states = new Map<string, CapState>();
    const capped = rules.filter((r) => r.maxApplications !== null);
    if (capped.length === 0 || contacts.length === 0) return states;
    let earliest = Number.MAX_SAFE_INTEGER;
    for (const list of byContact.values()) for (const a of list) earliest = Math.min(earliest, a.occurredAt.getTime());
    // Two index range scans on (contact_id, rule_id, occurred_at): rules capped for ever need all their
    // counted applications, windowed ones only those that can still share a window with the new activities.
    const inContacts = contacts.map(() => '?').join(', ');
    const parts: string[] = [];
    const params: SqlValue[] = [];
    const forever = capped.filter((r) => r.capWindowDays === null);
    const windowed = capped.filter((r) => r.capWindowDays !== null);
    if (forever.length) {
      parts.push(`SELECT contact_id, rule_id, occurred_at FROM score_applications WHERE contact_id IN (${inContacts}) AND rule_id IN (${forever.map(() => '?').join(', ')})`);
      params.push(...contacts.map((c) => c.id), ...forever.map((r) => r.id));
    }
    if (windowed.length) {
      const widest = Math.max(...windowed.map((r) => r.capWindowDays!));
      parts.push(`SELECT contact_id, rule_id, occurred_at FROM score_applications WHERE contact_id IN (${inContacts}) AND rule_id IN (${windowed.map(() => '?').join(', ')}) AND occurred_at > ?`);
      params.push(...contacts.map((c) => c.id), ...windowed.map((r) => r.id), dbDate(earliest - widest * DAY_MS));
    }
    const rows: { contact_id: string; rule_id: string; occurred_at: unknown }[] = await em.query(parts.join(' UNION ALL '), params);
    for (const row of rows) {
      let state = states.get(row.contact_id);
      if (!state) states.set(row.contact_id, (state = new Map()));
      const times = state.get(row.rule_id) ?? [];
      times.push(parseDbDate(row.occurred_at).getTime());
      state.set(row.rule_id, times);
    }
    for (const state of states.values()) for (const times of state.values()) times.sort((a, b) => a - b);
    return states;
  }

  /**
   * Recomputes locked contacts from all their stored activities plus `added`
   * (new, not yet stored) against the active `rules`: fit score, applications
   * (replaced), changed activity points, engagement, then promotions dated
   * `at(contact)`. Used by ingestion for backdated activities and by rescore jobs.
   * The caller writes the contacts (writeContactScores) and the transitions.
   */
  async recomputeContacts(
    em: EntityManager,
    contacts: Contact[],
    added: Map<string, Activity[]>,
    rules: Rule[],
    policy: Policy,
    now: Date,
    at: (contact: Contact) => Date,
    transitions: StageTransition[],
  ): Promise<void> {
    if (contacts.length === 0) return;
    const ids = contacts.map((c) => c.id);
    // Raw rows, not entities: a rescore batch reads ~10k activities and hydration would dominate.
    const raw: { id: string; contact_id: string; type: string; occurred_at: unknown; properties: unknown; points: number | string; created_at: unknown }[] = await em.query(
      `SELECT id, contact_id, type, occurred_at, properties, points, created_at FROM activities WHERE contact_id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    const stored = raw.map((r) =>
      Object.assign(new Activity(), {
        id: r.id,
        contactId: r.contact_id,
        type: r.type,
        occurredAt: parseDbDate(r.occurred_at),
        properties: typeof r.properties === 'string' ? JSON.parse(r.properties) : (r.properties ?? null),
        points: Number(r.points),
        createdAt: parseDbDate(r.created_at),
      }),
    );
    const byContact = new Map<string, Activity[]>(ids.map((id) => [id, [...(added.get(id) ?? [])]]));
    for (const a of stored) byContact.get(a.contactId)!.push(a);
    const behavior = rules.filter((r) => r.kind === 'BEHAVIOR');
    const nowMs = now.getTime();
    const appRows: SqlValue[][] = [];
    const changedActivities: Activity[] = [];
    const addedIds = new Set([...added.values()].flat().map((a) => a.id));
    for (const contact of contacts) {
      const all = byContact.get(contact.id)!;
      const apps = scoreAllActivities(all.map(activityFacts), behavior);
      const pointsById = new Map<string, number>();
      for (const a of apps) {
        pointsById.set(a.activityId, (pointsById.get(a.activityId) ?? 0) + a.points);
        appRows.push(appRow(a, contact.id, nowMs));
      }
      let lastEngaged = -Infinity;
      for (const a of all) {
        const points = pointsById.get(a.id) ?? 0;
        if (points > 0) lastEngaged = Math.max(lastEngaged, a.occurredAt.getTime());
        if (points === a.points) continue;
        a.points = points;
        if (!addedIds.has(a.id)) changedActivities.push(a);
      }
      contact.fitScore = fitScore(contact, rules);
      contact.engagementScore = engagementScore(apps, nowMs);
      contact.score = contact.fitScore + contact.engagementScore;
      contact.lastEngagedAt = Number.isFinite(lastEngaged) ? new Date(lastEngaged) : null;
      contact.updatedAt = now;
      await this.lifecycle.promote(em, contact, { at: at(contact), engagedNow: false, policy, write: false }, transitions);
    }
    // Only the NOT NULL columns an insert needs plus points: the properties documents stay where they are.
    await upsertRows(
      em,
      'activities',
      ['id', 'contact_id', 'type', 'occurred_at', 'created_at', 'points'],
      ['points'],
      changedActivities.map((a) => [a.id, a.contactId, a.type, dbDate(a.occurredAt), dbDate(a.createdAt), a.points]),
    );
    await em.query(`DELETE FROM score_applications WHERE contact_id IN (${ids.map(() => '?').join(', ')})`, ids);
    await insertRows(em, 'score_applications', APP_COLUMNS, appRows);
  }

  /** Writes score and stage columns of many (locked, fully loaded) contacts with one upsert per chunk. */
  async writeContactScores(em: EntityManager, contacts: Contact[]): Promise<void> {
    // Only the NOT NULL columns an insert needs plus those rewritten: less to send and parse.
    if (contacts.length) {
      await upsertRows(
        em,
        'contacts',
        ['id', 'email', 'created_at', ...CONTACT_SCORE_COLUMNS],
        CONTACT_SCORE_COLUMNS,
        contacts.map((c) => [
          c.id, c.email, dbDate(c.createdAt), c.score, c.fitScore, c.engagementScore, c.lastEngagedAt ? dbDate(c.lastEngagedAt) : null,
          c.lastTransitionAt ? dbDate(c.lastTransitionAt) : null, c.stage, dbDate(c.stageChangedAt), dbDate(c.updatedAt),
        ]),
      );
    }
  }

  /**
   * Takes expired points off engagement scores. Safe with several instances:
   * contacts are locked first and only rows still unexpired under that lock are
   * flipped, so no point is subtracted twice. Returns how many applications expired.
   */
  async sweepExpired(now: Date = new Date(), limit = 2000): Promise<number> {
    const due: { contact_id: string }[] = await this.ds.query(
      `SELECT DISTINCT contact_id FROM score_applications WHERE expired = 0 AND expires_at < ? LIMIT ${Math.floor(limit)}`,
      [dbDate(now)],
    );
    if (due.length === 0) return 0;
    const ids = due.map((r) => r.contact_id).sort();
    return transaction(this.ds, async (em) => {
      const contacts = await lockRows(em.getRepository(Contact).createQueryBuilder('c').where('c.id IN (:...ids)', { ids }).orderBy('c.id')).getMany();
      const rows: { contact_id: string; activity_id: string; rule_id: string; points: number }[] = await em.query(
        `SELECT contact_id, activity_id, rule_id, points FROM score_applications WHERE contact_id IN (${ids.map(() => '?').join(', ')}) AND expired = 0 AND expires_at < ?`,
        [...ids, dbDate(now)],
      );
      if (rows.length === 0) return 0;
      const lost = new Map<string, number>();
      for (const r of rows) lost.set(r.contact_id, (lost.get(r.contact_id) ?? 0) + Number(r.points));
      await em.query(
        `UPDATE score_applications SET expired = 1 WHERE contact_id IN (${ids.map(() => '?').join(', ')}) AND expired = 0 AND expires_at < ?`,
        [...ids, dbDate(now)],
      );
      const changed = contacts.filter((c) => lost.has(c.id));
      for (const c of changed) {
        c.engagementScore -= lost.get(c.id)!;
        c.score = c.fitScore + c.engagementScore;
      }
      await updateRowsById(em, 'contacts', ['engagement_score', 'score'], changed.map((c) => ({ id: c.id, values: [c.engagementScore, c.score] })));
      return rows.length;
    });
  }

  /**
   * SQL for a contact's temperature points (non-expired engagement points of
   * activities inside the policy window), for filters; `contactIdExpr` is the outer contact id.
   */
  async temperaturePointsSql(contactIdExpr: string): Promise<{ sql: string; params: Record<string, unknown>; policy: Policy }> {
    const policy = await this.lifecycle.policy();
    const since = dbDate(Date.now() - policy.temperatureWindowDays * DAY_MS);
    return {
      sql: `(SELECT COALESCE(SUM(sa.points), 0) FROM score_applications sa WHERE sa.contact_id = ${contactIdExpr} AND sa.expired = 0 AND sa.occurred_at > :tempSince)`,
      params: { tempSince: since },
      policy,
    };
  }

  /** Temperature points of many contacts in one grouped query. */
  async temperaturePoints(contactIds: readonly string[], windowDays: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (contactIds.length === 0) return out;
    const rows: { contact_id: string; pts: number | string }[] = await this.ds.query(
      `SELECT contact_id, SUM(points) AS pts FROM score_applications WHERE contact_id IN (${contactIds.map(() => '?').join(', ')}) AND expired = 0 AND occurred_at > ? GROUP BY contact_id`,
      [...contactIds, dbDate(Date.now() - windowDays * DAY_MS)],
    );
    for (const r of rows) out.set(r.contact_id, Number(r.pts));
    return out;
  }

  /**
   * Score breakdowns of many contacts: stored (unexpired) applications grouped
   * per rule plus the FIT rules that hold, so each sums to the stored score.
   */
  async breakdowns(contacts: readonly Contact[]): Promise<Map<string, Contribution[]>> {
    const out = new Map<string, Contribution[]>();
    if (contacts.length === 0) return out;
    const allRules = (await this.ds.getRepository(ScoringRule).find()).map(toRule);
    const active = (await this.activeRules()).filter((r) => r.kind === 'FIT');
    const rows: { contact_id: string; activity_id: string; rule_id: string; points: number; occurred_at: unknown }[] = await this.ds.query(
      `SELECT contact_id, activity_id, rule_id, points, occurred_at FROM score_applications WHERE contact_id IN (${contacts.map(() => '?').join(', ')}) AND expired = 0`,
      contacts.map((c) => c.id),
    );
    const apps = new Map<string, Application[]>();
    for (const r of rows) {
      const list = apps.get(r.contact_id) ?? [];
      list.push({ activityId: r.activity_id, ruleId: r.rule_id, points: Number(r.points), occurredAt: parseDbDate(r.occurred_at).getTime(), expiresAt: null });
      apps.set(r.contact_id, list);
    }
    for (const c of contacts) out.set(c.id, scoreBreakdown(fitContributions(c, active), apps.get(c.id) ?? [], allRules, 0));
    return out;
  }
}

/** An activity as the pure scorer reads it. */
export function activityFacts(a: Activity): ActivityFacts {
  return { id: a.id, type: a.type, occurredAt: a.occurredAt.getTime(), properties: a.properties };
}
