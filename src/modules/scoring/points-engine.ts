/**
 * The points engine: the score model of the contract (fit rules plus
 * behaviour rules with caps, windows and expiry), stored incrementally.
 * New activities are scored inside the ingestion transaction; only the cap
 * state of the capped rules they match is read, and a backdated activity
 * that would change earlier cap decisions recomputes that one contact.
 */
import { type EntityManager } from 'typeorm';
import { type Rule, fitScore, needsFullRescore, scoreActivity } from './scorer';
import { type ScoreEngine, type ScoringRun } from './score-engine';
import { type ScoringRules } from './rules.service';
import { APP_COLUMNS, appRow, fileChange, scoredState, settleTemperature, writeContactScores } from './score-writes';
import { type ScoringPass, applyNewActivity, touchActivity } from './scoring-pass';
import { activityFacts, loadCapStates } from './cap-states';
import { recomputeContacts } from './recompute';
import type { Contact, Activity, StageTransition, Policy } from '../../model';
import type { LifecycleService } from '../lifecycle';
import type { ChangeSet } from '../realtime';
import { type SqlValue, insertRows } from '../../db/bulk';

/** A run of the points engine under one rule set. */
class PointsRun implements ScoringRun {
  readonly scoresActivities: boolean;

  constructor(
    private readonly em: EntityManager,
    private readonly rules: Rule[],
    private readonly lifecycle: LifecycleService,
  ) {
    this.scoresActivities = rules.some((r) => r.kind === 'BEHAVIOR');
  }

  fitScore(contact: Contact): number {
    return fitScore(contact, this.rules);
  }

  private async pass(now: Date, log?: ChangeSet): Promise<ScoringPass> {
    const policy = await this.lifecycle.policy(this.em);
    const changes = { rescored: [], moved: [], events: [] };
    return { em: this.em, lifecycle: this.lifecycle, rules: this.rules, policy, now, transitions: [], changes, log };
  }

  async addActivities(
    contacts: Contact[],
    activitiesByContact: Map<string, Activity[]>,
    now: Date,
    log?: ChangeSet,
  ): Promise<StageTransition[]> {
    const pass = await this.pass(now, log);
    const behavior = this.rules.filter((r) => r.kind === 'BEHAVIOR');
    const nowMs = now.getTime();
    const windowDays = pass.policy.temperatureWindowDays;
    const capStates = await loadCapStates(this.em, activitiesByContact, behavior);
    const appRows: SqlValue[][] = [];
    // Contacts whose backdated activities would change earlier cap decisions: recomputed in full.
    const recompute: Contact[] = [];
    for (const contact of contacts) {
      const activities = activitiesByContact.get(contact.id) ?? [];
      if (activities.length === 0) continue;
      const capState = capStates.get(contact.id) ?? new Map();
      const facts = activities.map(activityFacts);
      if (facts.some((f) => needsFullRescore(f, behavior, capState))) {
        recompute.push(contact);
        continue;
      }
      const before = scoredState(contact);
      touchActivity(contact, activities);
      for (let i = 0; i < activities.length; i++) {
        const apps = scoreActivity(facts[i], behavior, capState);
        for (const a of apps) appRows.push(appRow(a, contact.id, nowMs, windowDays));
        await applyNewActivity(pass, contact, activities[i], apps);
      }
      settleTemperature(contact, pass.policy, log);
      // Only a contact whose columns moved is written (activities that earned nothing may still move lastActivityAt).
      fileChange(pass.changes, contact, before, now);
    }
    await insertRows(this.em, 'score_applications', APP_COLUMNS, appRows);
    await recomputeContacts(pass, recompute, activitiesByContact);
    await writeContactScores(this.em, pass.changes, log);
    return pass.transitions;
  }

  async recompute(contacts: Contact[], now: Date, log: ChangeSet): Promise<StageTransition[]> {
    const pass = await this.pass(now, log);
    await recomputeContacts(pass, contacts, new Map());
    await writeContactScores(this.em, pass.changes, log);
    return pass.transitions;
  }
}

/** The points engine (see the module comment). */
export class PointsEngine implements ScoreEngine {
  private scoredLast = true;

  constructor(
    private readonly rules: ScoringRules,
    private readonly lifecycle: LifecycleService,
  ) {}

  async open(em: EntityManager, opts: { hot?: boolean } = {}): Promise<ScoringRun> {
    const rules = opts.hot ? await this.rules.rulesUnderLock(em) : await this.rules.activeRules(em);
    const run = new PointsRun(em, rules, this.lifecycle);
    this.scoredLast = run.scoresActivities;
    return run;
  }

  likelyScoresActivities(): boolean {
    return this.scoredLast;
  }

  /**
   * New thresholds re-derive every stored temperature in one set-based
   * UPDATE; a new window moves which applications count, so every contact's
   * window points are recomputed by a rescore (a RescoreJob, with progress).
   */
  async policyChanged(em: EntityManager, before: Policy, after: Policy): Promise<void> {
    if (before.hotThreshold !== after.hotThreshold || before.warmThreshold !== after.warmThreshold) {
      const value = "CASE WHEN window_points >= ? THEN 'HOT' WHEN window_points >= ? THEN 'WARM' ELSE 'COLD' END";
      const thresholds = [after.hotThreshold, after.warmThreshold];
      await em.query(`UPDATE contacts SET temperature = ${value} WHERE temperature <> ${value}`, [
        ...thresholds,
        ...thresholds,
      ]);
    }
    if (before.temperatureWindowDays !== after.temperatureWindowDays) await this.rules.requestRescore(em);
  }
}
