/**
 * Score history rows: what changed a contact's stored score, by how much, and
 * the score after it. Built by whatever changes a score, next to the change,
 * and inserted in the same transaction (multi-row), so the history agrees
 * with the stored score at every point.
 */
import { registerEnumType } from 'type-graphql';
import type { EntityManager } from 'typeorm';
import type { Contact } from '../../model';
import { type SqlValue, insertRows } from '../../db/bulk';
import { dbDate } from '../../db/portable';

/** Why a contact's score changed. */
export enum ScoreChangeCause {
  ACTIVITY_SCORED = 'ACTIVITY_SCORED',
  POINTS_EXPIRED = 'POINTS_EXPIRED',
  RESCORED = 'RESCORED',
  FIT_CHANGED = 'FIT_CHANGED',
}
registerEnumType(ScoreChangeCause, {
  name: 'ScoreChangeCause',
  description: "What changed a contact's score.",
  valuesConfig: {
    ACTIVITY_SCORED: { description: 'A rule scored a new activity (rule and activity are set).' },
    POINTS_EXPIRED: {
      description: "An activity's points from a rule passed expiresAfterDays (rule and activity are set).",
    },
    RESCORED: {
      description:
        'A rule changed and the rescore recomputed the contact (also: the points a contact had before history ' +
        'was kept).',
    },
    FIT_CHANGED: { description: "The contact's fields changed its fit score (or it was created with one)." },
  },
});

/** A score_events row before insert. */
export interface ScoreEventRow {
  contactId: string;
  at: Date;
  cause: ScoreChangeCause;
  delta: number;
  score: number;
  fitScore: number;
  engagementScore: number;
  ruleId: string | null;
  activityId: string | null;
}

/** The columns of `score_events` as `scoreEvent` rows fill them. */
export const SCORE_EVENT_COLUMNS = [
  'contact_id',
  'at',
  'cause',
  'delta',
  'score',
  'fit_score',
  'engagement_score',
  'rule_id',
  'activity_id',
];

/**
 * Records a change the caller has just applied to `contact` (its score, fit
 * and engagement are the values after it). Dated `atMs`, but never before the
 * contact's previous change (contact.scoreChangedAt moves with it), so a
 * contact's events are in time order.
 */
export function scoreEvent(
  contact: Contact,
  delta: number,
  cause: ScoreChangeCause,
  atMs: number,
  ruleId: string | null = null,
  activityId: string | null = null,
): ScoreEventRow {
  const at = new Date(Math.max(atMs, contact.scoreChangedAt?.getTime() ?? -Infinity));
  contact.scoreChangedAt = at;
  return {
    contactId: contact.id,
    at,
    cause,
    delta,
    score: contact.score,
    fitScore: contact.fitScore,
    engagementScore: contact.engagementScore,
    ruleId,
    activityId,
  };
}

/** Inserts history rows inside the caller's transaction, in as few statements as the drivers allow. */
export async function insertScoreEvents(em: EntityManager, events: ScoreEventRow[]): Promise<void> {
  const rows: SqlValue[][] = events.map((e) => [
    e.contactId,
    dbDate(e.at),
    e.cause,
    e.delta,
    e.score,
    e.fitScore,
    e.engagementScore,
    e.ruleId,
    e.activityId,
  ]);
  await insertRows(em, 'score_events', SCORE_EVENT_COLUMNS, rows);
}
