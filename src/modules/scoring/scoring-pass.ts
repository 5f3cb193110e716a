/**
 * One scoring pass of the points engine: what a pass carries (rules, policy,
 * the transitions and history it collects) and the step both incremental
 * scoring and a recompute take for each new activity.
 */
import { type EntityManager } from 'typeorm';
import { type Application, type Rule, engagementScore, inWindow } from './scorer';
import { ScoreChangeCause, scoreEvent } from './score-history';
import { type ScoreChanges } from './score-writes';
import type { Contact, Activity, StageTransition, Policy } from '../../model';
import type { LifecycleService } from '../lifecycle';
import type { ChangeSet } from '../realtime';

/** What a scoring pass works with and collects. */
export interface ScoringPass {
  em: EntityManager;
  lifecycle: LifecycleService;
  /** The active rules. */
  rules: Rule[];
  policy: Policy;
  now: Date;
  /** Transitions, in order, for the caller to insert as its transaction's last write. */
  transitions: StageTransition[];
  changes: ScoreChanges;
  log?: ChangeSet;
}

/** Moves the contact's lastActivityAt forward to the newest of `activities`. */
export function touchActivity(contact: Contact, activities: Activity[]): void {
  for (const a of activities)
    if (!contact.lastActivityAt || contact.lastActivityAt < a.occurredAt) contact.lastActivityAt = a.occurredAt;
}

/**
 * Adds one new activity's applications to the contact's scores and window
 * points (expired points left out) and runs the lifecycle dated by that
 * activity, as the contract scores a batch: one activity at a time, in
 * occurredAt order.
 */
export async function applyNewActivity(
  pass: ScoringPass,
  contact: Contact,
  activity: Activity,
  apps: Application[],
): Promise<void> {
  const nowMs = pass.now.getTime();
  activity.points = apps.reduce((s, a) => s + a.points, 0);
  // One history row per application that counts (expired points never reach the score): rule and activity behind each
  // step.
  for (const app of apps) {
    if (inWindow(app, nowMs, pass.policy.temperatureWindowDays)) contact.windowPoints += app.points;
    const delta = engagementScore([app], nowMs);
    if (delta === 0) continue;
    contact.engagementScore += delta;
    contact.score = contact.fitScore + contact.engagementScore;
    pass.changes.events.push(
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
  await pass.lifecycle.promote(
    pass.em,
    contact,
    { at: activity.occurredAt, engagedNow: false, policy: pass.policy },
    pass.transitions,
  );
}
