/**
 * Scoring rules and the stored side of scoring: which rules are active, fit
 * scores, incremental scoring of new activities inside the ingestion
 * transaction, the expiry sweep and what reads (temperature, breakdown) need.
 * The arithmetic itself lives in the pure scorer.
 */
import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager } from 'typeorm';
import { ScoringRule } from './scoring-rule.entity';
import {
  type ActivityFacts,
  type RuleCondition,
  type Application,
  type CapState,
  type Contribution,
  DAY_MS,
  type Rule,
  engagementScore,
  fitContributions,
  fitScore,
  isExpired,
  needsFullRescore,
  ruleMatchesActivity,
  scoreActivity,
  scoreAllActivities,
  scoreBreakdown,
} from './scorer';
import { type RuleDraft, validateRule } from './rule-validation';
import { ScoreChangeCause, type ScoreEventRow, insertScoreEvents, scoreEvent } from './score-history';
import { ChangeSet, ContactChangeKind } from '../realtime/contact-changes';
import { Contact } from '../contacts/contact.entity';
import { type Activity } from '../activities/activity.entity';
import { type StageTransition } from '../lifecycle/stage-transition.entity';
import type { LifecycleService } from '../lifecycle/lifecycle.service';
import type { Policy } from '../lifecycle/lifecycle';
import { type Viewer, assertCan } from '../access';
import { badInput, notFound } from '../../graphql/errors';
import {
  MAX_PARAMS,
  dbDate,
  dialectOf,
  forShare,
  forceIndex,
  incrementCounter,
  lockRows,
  parseDbDate,
  transaction,
} from '../../db/portable';
import { selectEntities } from '../../db/hydrate';
import { type SqlValue, deleteWhereIn, insertRows, updateRowsById, updateWhereIn, upsertRows } from '../../db/bulk';

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
const CONTACT_SCORE_COLUMNS = ['score', 'fit_score', 'engagement_score', 'last_engaged_at', 'score_changed_at'];
const CONTACT_STAGE_COLUMNS = ['last_transition_at', 'stage', 'stage_changed_at', 'updated_at'];

/**
 * Contacts a scoring pass changed: `rescored` in their score columns only,
 * `moved` in their stage too. Only a stage move sets `updatedAt` (as a field
 * edit does): score-only changes, like expiry, leave it and its index alone.
 */
export interface ScoreChanges {
  rescored: Contact[];
  moved: Contact[];
  /** The score history of the changes, in the order they were applied. */
  events: ScoreEventRow[];
}

/** The stored columns of a contact scoring may change, taken before scoring so `fileChange` can tell what changed. */
interface ScoredState {
  score: string;
  stage: string;
}

function scoredState(c: Contact): ScoredState {
  return {
    score: `${c.score}|${c.fitScore}|${c.engagementScore}|${c.lastEngagedAt?.getTime()}`,
    stage: `${c.stage}|${c.stageChangedAt.getTime()}|${c.lastTransitionAt?.getTime()}`,
  };
}

/** Files a scored contact under what changed since `before`; a contact with no change is left out (not written). */
function fileChange(changes: ScoreChanges, c: Contact, before: ScoredState, now: Date): void {
  const after = scoredState(c);
  if (after.stage !== before.stage) {
    c.updatedAt = now;
    changes.moved.push(c);
  } else if (after.score !== before.score) changes.rescored.push(c);
}

/** Notes SCORE, with the score before, for each contact with score history in `changes` (the change log, realtime/contact-changes.ts). */
function noteScoreChanges(log: ChangeSet, changes: ScoreChanges): void {
  const contacts = new Map([...changes.rescored, ...changes.moved].map((c) => [c.id, c]));
  const first = new Map<string, ScoreEventRow>();
  for (const e of changes.events) if (!first.has(e.contactId)) first.set(e.contactId, e);
  for (const [id, e] of first) {
    const c = contacts.get(id);
    if (c) log.note(c, [ContactChangeKind.SCORE], { score: e.score - e.delta });
  }
}

/** A score_applications row as a recompute compares it. */
interface StoredApplication {
  activity_id: string;
  rule_id: string;
  points: number | string;
  expires_at: unknown;
  expired: number | string | boolean;
}

/** Runs `select` + ` WHERE contact_id IN (...)` in chunks the drivers' parameter limits allow. */
async function selectByContacts<T>(em: EntityManager, select: string, contactIds: string[]): Promise<T[]> {
  let out: T[] = [];
  for (let i = 0; i < contactIds.length; i += MAX_PARAMS) {
    const chunk = contactIds.slice(i, i + MAX_PARAMS);
    out = out.concat(await em.query(`${select} WHERE contact_id IN (${chunk.map(() => '?').join(', ')})`, chunk));
  }
  return out;
}

function appRow(a: Application, contactId: string, now: number): SqlValue[] {
  return [
    a.activityId,
    a.ruleId,
    contactId,
    a.points,
    dbDate(a.occurredAt),
    a.expiresAt === null ? null : dbDate(a.expiresAt),
    isExpired(a, now) ? 1 : 0,
  ];
}

export class ScoringService {
  private rescore: RescoreTrigger | null = null;
  /** The active rules ingestion last read, and the rule set's version they are of. */
  private ingestRules: { version: number; rules: Rule[] } | null = null;

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
    const rows = await selectEntities(
      em,
      ScoringRule,
      'SELECT * FROM scoring_rules WHERE active = 1 ORDER BY created_at, id',
    );
    return rows.map(toRule);
  }

  /**
   * The active rules for an ingestion transaction. The rule set's version is
   * read under a shared lock held until the caller commits, and every rule
   * change bumps it first, under the row's write lock (`ruleSetChanging`):
   * no rule change commits while the batch is recorded, so these rules hold
   * for the whole batch, and the rescore a later change starts sees it. The
   * rules themselves are read again only when the version moved.
   */
  async rulesForIngest(em: EntityManager): Promise<Rule[]> {
    const [row]: { version: number | string }[] = await em.query(
      `SELECT version FROM scoring_rule_set WHERE id = 1${forShare(dialectOf(em))}`,
    );
    const version = Number(row.version);
    const held = this.ingestRules;
    if (held?.version === version) return held.rules;
    const rules = await this.activeRules(em);
    this.ingestRules = { version, rules };
    return rules;
  }

  /** First statement of every rule change: bumps the rule set's version and holds its write lock until commit (see rulesForIngest). */
  private async ruleSetChanging(em: EntityManager): Promise<void> {
    await incrementCounter(em, 'scoring_rule_set', 'version', 1);
  }

  fitScore(contact: Contact, rules: Rule[]): number {
    return fitScore(contact, rules);
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

  /**
   * Scores new activities (already sorted per contact by occurredAt, id) for
   * locked contacts inside the caller's transaction: sets each activity's
   * points, stores the applications, updates the contacts' scores and stages,
   * and returns the transitions in order, for the caller to insert
   * (insertTransitions) as its transaction's last write. `allRules` are the
   * active rules. Only the cap state of the capped rules the new activities
   * match is read; a backdated activity that would change earlier cap
   * decisions triggers a full recompute of that one contact.
   */
  async scoreNewActivities(
    em: EntityManager,
    contacts: Contact[],
    activitiesByContact: Map<string, Activity[]>,
    allRules: Rule[],
    policy: Policy,
    now: Date,
    log?: ChangeSet,
  ): Promise<StageTransition[]> {
    const rules = allRules.filter((r) => r.kind === 'BEHAVIOR');
    const nowMs = now.getTime();
    const capStates = await this.loadCapStates(em, activitiesByContact, rules);
    const appRows: SqlValue[][] = [];
    const transitions: StageTransition[] = [];
    const changes: ScoreChanges = { rescored: [], moved: [], events: [] };
    // Contacts whose backdated activities would change earlier cap decisions: recomputed in full.
    const recompute: Contact[] = [];
    for (const contact of contacts) {
      const activities = activitiesByContact.get(contact.id) ?? [];
      if (activities.length === 0) continue;
      const before = scoredState(contact);
      const capState = capStates.get(contact.id) ?? new Map();
      const facts = activities.map(activityFacts);
      if (facts.some((f) => needsFullRescore(f, rules, capState))) {
        recompute.push(contact);
        continue;
      }
      for (let i = 0; i < activities.length; i++) {
        const apps = scoreActivity(facts[i], rules, capState);
        for (const a of apps) appRows.push(appRow(a, contact.id, nowMs));
        await this.applyNewActivity(em, contact, activities[i], apps, nowMs, policy, transitions, changes.events);
      }
      // Activities that earned nothing leave the contact row alone.
      fileChange(changes, contact, before, now);
    }
    await insertRows(em, 'score_applications', APP_COLUMNS, appRows);
    const recomputed = await this.recomputeContacts(
      em,
      recompute,
      activitiesByContact,
      allRules,
      policy,
      now,
      transitions,
    );
    await this.writeContactScores(
      em,
      {
        rescored: [...changes.rescored, ...recomputed.rescored],
        moved: [...changes.moved, ...recomputed.moved],
        events: [...changes.events, ...recomputed.events],
      },
      log,
    );
    return transitions;
  }

  /**
   * Adds one new activity's applications to the contact's scores (expired
   * points left out) and runs the lifecycle dated by that activity, as the
   * contract scores a batch: one activity at a time, in occurredAt order.
   */
  private async applyNewActivity(
    em: EntityManager,
    contact: Contact,
    activity: Activity,
    apps: Application[],
    nowMs: number,
    policy: Policy,
    transitions: StageTransition[],
    events: ScoreEventRow[],
  ): Promise<void> {
    activity.points = apps.reduce((s, a) => s + a.points, 0);
    // One history row per application that counts (expired points never reach the score): rule and activity behind each step.
    for (const app of apps) {
      const delta = engagementScore([app], nowMs);
      if (delta === 0) continue;
      contact.engagementScore += delta;
      contact.score = contact.fitScore + contact.engagementScore;
      events.push(
        scoreEvent(
          contact,
          delta,
          ScoreChangeCause.ACTIVITY_SCORED,
          activity.occurredAt.getTime(),
          app.ruleId,
          activity.id,
        ),
      );
    }
    if (activity.points > 0 && (!contact.lastEngagedAt || contact.lastEngagedAt < activity.occurredAt))
      contact.lastEngagedAt = activity.occurredAt;
    await this.lifecycle.promote(em, contact, { at: activity.occurredAt, engagedNow: false, policy }, transitions);
  }

  /**
   * Cap state (counted application times) of the capped rules each contact's
   * new activities match, in one statement: one index range on (contact_id,
   * rule_id, occurred_at) per such pair, windowed rules only back to where a
   * window can still reach the earliest new activity.
   */
  private async loadCapStates(
    em: EntityManager,
    byContact: Map<string, Activity[]>,
    rules: Rule[],
  ): Promise<Map<string, CapState>> {
    const states = new Map<string, CapState>();
    const parts: { sql: string; params: SqlValue[] }[] = [];
    for (const rule of rules) {
      if (rule.maxApplications === null) continue;
      const contactIds: string[] = [];
      let earliest = Number.MAX_SAFE_INTEGER;
      for (const [contactId, list] of byContact) {
        const matching = list.filter((a) => ruleMatchesActivity(rule, activityFacts(a)));
        if (matching.length === 0) continue;
        contactIds.push(contactId);
        earliest = Math.min(earliest, ...matching.map((a) => a.occurredAt.getTime()));
      }
      if (contactIds.length === 0) continue;
      const inContacts = `contact_id IN (${contactIds.map(() => '?').join(', ')})`;
      const select = `SELECT contact_id, rule_id, occurred_at FROM score_applications WHERE rule_id = ? AND ${inContacts}`;
      parts.push(
        rule.capWindowDays === null
          ? { sql: select, params: [rule.id, ...contactIds] }
          : {
              sql: `${select} AND occurred_at > ?`,
              params: [rule.id, ...contactIds, dbDate(earliest - rule.capWindowDays * DAY_MS)],
            },
      );
    }
    // One statement, unless the parameters outgrow the drivers' limit.
    const rows: { contact_id: string; rule_id: string; occurred_at: unknown }[] = [];
    for (let i = 0; i < parts.length;) {
      const group = [parts[i++]];
      let size = group[0].params.length;
      while (i < parts.length && size + parts[i].params.length <= MAX_PARAMS) {
        size += parts[i].params.length;
        group.push(parts[i++]);
      }
      for (const row of await em.query(
        group.map((p) => p.sql).join(' UNION ALL '),
        group.flatMap((p) => p.params),
      ))
        rows.push(row);
    }
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
   * (new, not yet stored; the caller inserts them with the points set here)
   * against the active `rules`: fit score, applications, activity points,
   * engagement, then promotions. Contacts with added activities are promoted
   * after each of them in occurredAt order, dated by it (as in incremental
   * scoring); the others once, dated `now` (a rescore happens at that
   * moment). Only what changed is written: applications and activity points
   * are diffed against the stored ones. Returns the contacts whose score or
   * stage columns changed, by kind; the caller writes them
   * (writeContactScores) and the transitions.
   */
  async recomputeContacts(
    em: EntityManager,
    contacts: Contact[],
    added: Map<string, Activity[]>,
    rules: Rule[],
    policy: Policy,
    now: Date,
    transitions: StageTransition[],
  ): Promise<ScoreChanges> {
    const changes: ScoreChanges = { rescored: [], moved: [], events: [] };
    if (contacts.length === 0) return changes;
    const ids = contacts.map((c) => c.id);
    // Raw rows, not entities: a rescore batch reads ~10k activities and hydration would dominate.
    const raw = await selectByContacts<{
      id: string;
      contact_id: string;
      type: string;
      occurred_at: unknown;
      properties: unknown;
      points: number | string;
    }>(em, 'SELECT id, contact_id, type, occurred_at, properties, points FROM activities', ids);
    const storedApps = await selectByContacts<StoredApplication>(
      em,
      'SELECT activity_id, rule_id, points, expires_at, expired FROM score_applications',
      ids,
    );
    const byContact = new Map<string, { facts: ActivityFacts; points: number }[]>(ids.map((id) => [id, []]));
    for (const r of raw) {
      const properties =
        typeof r.properties === 'string'
          ? JSON.parse(r.properties)
          : ((r.properties as Record<string, unknown>) ?? null);
      byContact.get(r.contact_id)!.push({
        facts: { id: r.id, type: r.type, occurredAt: parseDbDate(r.occurred_at).getTime(), properties },
        points: Number(r.points),
      });
    }
    const behavior = rules.filter((r) => r.kind === 'BEHAVIOR');
    const nowMs = now.getTime();
    const newApps: { app: Application; contactId: string }[] = [];
    // Activity ids by their new points, for one UPDATE per distinct value.
    const repointed = new Map<number, string[]>();
    for (const contact of contacts) {
      const before = scoredState(contact);
      const fresh = added.get(contact.id) ?? [];
      const all = [...byContact.get(contact.id)!.map((s) => s.facts), ...fresh.map(activityFacts)];
      const apps = scoreAllActivities(all, behavior);
      const appsByActivity = new Map<string, Application[]>();
      for (const a of apps) {
        newApps.push({ app: a, contactId: contact.id });
        const list = appsByActivity.get(a.activityId);
        if (list) list.push(a);
        else appsByActivity.set(a.activityId, [a]);
      }
      const pointsOf = (id: string) => (appsByActivity.get(id) ?? []).reduce((s, a) => s + a.points, 0);
      for (const s of byContact.get(contact.id)!) {
        const points = pointsOf(s.facts.id);
        if (points === s.points) continue;
        const list = repointed.get(points);
        if (list) list.push(s.facts.id);
        else repointed.set(points, [s.facts.id]);
      }
      // Everything but the added activities is the baseline; each added one then comes in, in occurredAt order.
      const freshIds = new Set(fresh.map((a) => a.id));
      const baseline = apps.filter((a) => !freshIds.has(a.activityId));
      let lastEngaged = -Infinity;
      for (const s of byContact.get(contact.id)!)
        if (pointsOf(s.facts.id) > 0) lastEngaged = Math.max(lastEngaged, s.facts.occurredAt);
      const was = [contact.score, contact.fitScore, contact.engagementScore];
      contact.fitScore = fitScore(contact, rules);
      contact.engagementScore = engagementScore(baseline, nowMs);
      contact.score = contact.fitScore + contact.engagementScore;
      contact.lastEngagedAt = Number.isFinite(lastEngaged) ? new Date(lastEngaged) : null;
      if (contact.score !== was[0] || contact.fitScore !== was[1] || contact.engagementScore !== was[2]) {
        changes.events.push(scoreEvent(contact, contact.score - was[0], ScoreChangeCause.RESCORED, nowMs));
      }
      if (fresh.length === 0) {
        await this.lifecycle.promote(em, contact, { at: now, engagedNow: false, policy }, transitions);
      } else {
        for (const activity of fresh)
          await this.applyNewActivity(
            em,
            contact,
            activity,
            appsByActivity.get(activity.id) ?? [],
            nowMs,
            policy,
            transitions,
            changes.events,
          );
      }
      fileChange(changes, contact, before, now);
    }
    for (const [points, activityIds] of repointed) await updateWhereIn(em, 'activities', { points }, 'id', activityIds);
    await this.writeApplicationDiff(em, storedApps, newApps, nowMs);
    return changes;
  }

  /**
   * Brings the stored applications of recomputed contacts to `next`: inserts
   * new ones, deletes gone ones, and rewrites changed points or expiry flags
   * with one UPDATE per (rule, points, expired); rows whose expiry time moved
   * are replaced. After a rule change only that rule's rows are touched.
   */
  private async writeApplicationDiff(
    em: EntityManager,
    stored: StoredApplication[],
    next: { app: Application; contactId: string }[],
    nowMs: number,
  ): Promise<void> {
    const old = new Map(stored.map((r) => [`${r.activity_id}|${r.rule_id}`, r]));
    const inserts: SqlValue[][] = [];
    const deletes = new Map<string, string[]>();
    const updates = new Map<string, { ruleId: string; points: number; expired: number; activityIds: string[] }>();
    const group = <T>(map: Map<string, T>, key: string, make: () => T) =>
      map.get(key) ?? (map.set(key, make()), map.get(key)!);
    for (const { app, contactId } of next) {
      const key = `${app.activityId}|${app.ruleId}`;
      const prev = old.get(key);
      old.delete(key);
      const expired = isExpired(app, nowMs) ? 1 : 0;
      const prevExpires =
        prev?.expires_at === null || prev?.expires_at === undefined ? null : parseDbDate(prev.expires_at).getTime();
      if (prev && prevExpires === app.expiresAt) {
        if (Number(prev.points) === app.points && Number(prev.expired) === expired) continue;
        group(updates, `${app.ruleId}|${app.points}|${expired}`, () => ({
          ruleId: app.ruleId,
          points: app.points,
          expired,
          activityIds: [],
        })).activityIds.push(app.activityId);
        continue;
      }
      if (prev) group(deletes, app.ruleId, () => []).push(app.activityId);
      inserts.push(appRow(app, contactId, nowMs));
    }
    for (const r of old.values()) group(deletes, r.rule_id, () => []).push(r.activity_id);
    for (const [ruleId, activityIds] of deletes)
      await deleteWhereIn(em, 'score_applications', 'activity_id', activityIds, { rule_id: ruleId });
    for (const u of updates.values())
      await updateWhereIn(
        em,
        'score_applications',
        { points: u.points, expired: u.expired },
        'activity_id',
        u.activityIds,
        { rule_id: u.ruleId },
      );
    await insertRows(em, 'score_applications', APP_COLUMNS, inserts);
  }

  /**
   * Writes the changed columns of many (locked, fully loaded) contacts: one
   * multi-row upsert per chunk for the rescored ones, one for the moved ones,
   * and their score history.
   */
  async writeContactScores(em: EntityManager, changes: ScoreChanges, log?: ChangeSet): Promise<void> {
    if (log) noteScoreChanges(log, changes);
    // The insert half of the upsert never runs (the rows exist) but must name every NOT NULL column;
    // only the columns after them are rewritten, so only their indexes change.
    const columns = [
      'id',
      'email',
      'created_at',
      'stage',
      'stage_changed_at',
      'updated_at',
      ...CONTACT_SCORE_COLUMNS,
      'last_transition_at',
    ];
    const date = (d: Date | null) => (d ? dbDate(d) : null);
    const row = (c: Contact): SqlValue[] => [
      c.id,
      c.email,
      dbDate(c.createdAt),
      c.stage,
      dbDate(c.stageChangedAt),
      dbDate(c.updatedAt),
      c.score,
      c.fitScore,
      c.engagementScore,
      date(c.lastEngagedAt),
      date(c.scoreChangedAt),
      date(c.lastTransitionAt),
    ];
    await insertScoreEvents(em, changes.events);
    if (changes.rescored.length)
      await upsertRows(em, 'contacts', columns, CONTACT_SCORE_COLUMNS, changes.rescored.map(row));
    if (changes.moved.length)
      await upsertRows(
        em,
        'contacts',
        columns,
        [...CONTACT_SCORE_COLUMNS, ...CONTACT_STAGE_COLUMNS],
        changes.moved.map(row),
      );
  }

  /**
   * Takes expired points off engagement scores, `limit` contacts per
   * transaction until none is due (a backlog never waits for the next tick).
   * Safe with several instances: contacts are locked first and only rows
   * still unexpired under that lock are flipped, so no point is subtracted
   * twice. Returns how many applications expired.
   */
  async sweepExpired(now: Date = new Date(), limit = 2000): Promise<number> {
    let total = 0;
    for (;;) {
      const { due, expired } = await this.sweepBatch(now, limit);
      total += expired;
      if (due < limit) return total;
      // Let requests in between transactions (SQLite calls are synchronous).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async sweepBatch(now: Date, limit: number): Promise<{ due: number; expired: number }> {
    const due: { contact_id: string }[] = await this.ds.query(
      `SELECT DISTINCT contact_id FROM score_applications WHERE expired = 0 AND expires_at < ? LIMIT ${Math.floor(limit)}`,
      [dbDate(now)],
    );
    if (due.length === 0) return { due: 0, expired: 0 };
    const ids = due.map((r) => r.contact_id).sort();
    const { expired, written } = await transaction(this.ds, async (em) => {
      // Made per attempt: transaction() may run this again after a deadlock.
      const log = new ChangeSet();
      const contacts = await lockRows(
        em.getRepository(Contact).createQueryBuilder('c').where('c.id IN (:...ids)', { ids }).orderBy('c.id'),
      ).getMany();
      const rows: { contact_id: string; activity_id: string; rule_id: string; points: number; expires_at: unknown }[] =
        await em.query(
          `SELECT contact_id, activity_id, rule_id, points, expires_at FROM score_applications WHERE contact_id IN (${ids.map(() => '?').join(', ')}) AND expired = 0 AND expires_at < ? ORDER BY expires_at, activity_id, rule_id`,
          [...ids, dbDate(now)],
        );
      if (rows.length === 0) return { expired: 0, written: [] };
      const lost = new Map<string, number>();
      for (const r of rows) lost.set(r.contact_id, (lost.get(r.contact_id) ?? 0) + Number(r.points));
      await em.query(
        `UPDATE score_applications SET expired = 1 WHERE contact_id IN (${ids.map(() => '?').join(', ')}) AND expired = 0 AND expires_at < ?`,
        [...ids, dbDate(now)],
      );
      const byId = new Map(contacts.map((c) => [c.id, c]));
      const events: ScoreEventRow[] = [];
      for (const r of rows) {
        const c = byId.get(r.contact_id)!;
        c.engagementScore -= Number(r.points);
        c.score = c.fitScore + c.engagementScore;
        if (Number(r.points) !== 0)
          events.push(
            scoreEvent(
              c,
              -Number(r.points),
              ScoreChangeCause.POINTS_EXPIRED,
              parseDbDate(r.expires_at).getTime(),
              r.rule_id,
              r.activity_id,
            ),
          );
      }
      const changed = contacts.filter((c) => lost.has(c.id));
      await updateRowsById(
        em,
        'contacts',
        ['engagement_score', 'score', 'score_changed_at'],
        changed.map((c) => ({
          id: c.id,
          values: [c.engagementScore, c.score, c.scoreChangedAt ? dbDate(c.scoreChangedAt) : null],
        })),
      );
      await insertScoreEvents(em, events);
      noteScoreChanges(log, { rescored: changed, moved: [], events });
      await this.lifecycle.insertTransitions(em, [], log);
      return { expired: rows.length, written: log.written };
    });
    this.lifecycle.publish([], written);
    return { due: due.length, expired };
  }

  /**
   * SQL for a contact's temperature points (non-expired engagement points of
   * activities inside the policy window), for filters; `contactIdExpr` is the outer contact id.
   */
  async temperaturePointsSql(
    contactIdExpr: string,
  ): Promise<{ sql: string; params: Record<string, unknown>; policy: Policy }> {
    const policy = await this.lifecycle.policy();
    const since = dbDate(Date.now() - policy.temperatureWindowDays * DAY_MS);
    return {
      sql: `(SELECT COALESCE(SUM(sa.points), 0) FROM ${this.applicationsByContact('sa')} WHERE sa.contact_id = ${contactIdExpr} AND sa.expired = 0 AND sa.occurred_at > :tempSince)`,
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
   * score_applications read by contact: without statistics SQLite would walk
   * the expiry index (`expired = 0` matches most rows) instead of the contact's entries.
   */
  private applicationsByContact(alias: string): string {
    return forceIndex(dialectOf(this.ds), 'score_applications', alias, 'ix_score_apps_contact_rule');
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
    const rows: { contact_id: string; activity_id: string; rule_id: string; points: number; occurred_at: unknown }[] =
      await this.ds.query(
        `SELECT contact_id, activity_id, rule_id, points, occurred_at FROM ${this.applicationsByContact('score_applications')} WHERE contact_id IN (${contacts.map(() => '?').join(', ')}) AND expired = 0`,
        contacts.map((c) => c.id),
      );
    const apps = new Map<string, Application[]>();
    for (const r of rows) {
      const list = apps.get(r.contact_id) ?? [];
      list.push({
        activityId: r.activity_id,
        ruleId: r.rule_id,
        points: Number(r.points),
        occurredAt: parseDbDate(r.occurred_at).getTime(),
        expiresAt: null,
      });
      apps.set(r.contact_id, list);
    }
    for (const c of contacts)
      out.set(c.id, scoreBreakdown(fitContributions(c, active), apps.get(c.id) ?? [], allRules, 0));
    return out;
  }
}

/** An activity as the pure scorer reads it. */
export function activityFacts(a: Activity): ActivityFacts {
  return { id: a.id, type: a.type, occurredAt: a.occurredAt.getTime(), properties: a.properties };
}
