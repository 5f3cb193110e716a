/**
 * The scoring engine's face: the one way a contact's scores, its score-driven
 * stage moves and its temperature change. Ingestion, contacts, rescore and
 * lifecycle call only this. A second score model is a second implementation
 * of these two interfaces, wired in ./index.ts.
 */
import type { EntityManager } from 'typeorm';
import type { Contact, Activity, StageTransition, Policy } from '../../model';
import type { ChangeSet } from '../realtime';

/** Scoring inside one transaction, under rules that hold until it commits. */
export interface ScoringRun {
  /** Whether any activity can earn points: without, no score, stage or temperature moves with an activity. */
  readonly scoresActivities: boolean;
  /** The fit score of a contact (new or edited) under these rules. */
  fitScore(contact: Contact): number;
  /**
   * Scores new activities (sorted per contact by occurredAt, id; not yet
   * stored: the caller inserts them with the points set here) of locked,
   * fully loaded contacts, writes the contacts' changed columns (scores,
   * stage, window points, temperature, lastActivityAt) and their
   * applications, and returns the transitions for the caller to insert as
   * its transaction's last write.
   */
  addActivities(
    contacts: Contact[],
    activitiesByContact: Map<string, Activity[]>,
    now: Date,
    log?: ChangeSet,
  ): Promise<StageTransition[]>;
  /**
   * Recomputes locked contacts in full from their stored activities (a rescore), writes what changed, returns the
   * transitions.
   */
  recompute(contacts: Contact[], now: Date, log: ChangeSet): Promise<StageTransition[]>;
}

/** Starts scoring runs; hears of policy changes that move stored scoring state. */
export interface ScoreEngine {
  /**
   * Opens a run in the caller's transaction on the active rules, read
   * afresh. With `hot` (ingestion) the rules hold until the transaction
   * commits (no rule change commits meanwhile), and the rules read last are
   * reused while the rule set has not changed.
   */
  open(em: EntityManager, opts?: { hot?: boolean }): Promise<ScoringRun>;
  /**
   * Whether the last run opened scored activities: the guess for the next one (ingestion binds its insert early when
   * not).
   */
  likelyScoresActivities(): boolean;
  /** Brings stored state to a changed policy inside the caller's transaction (see docs/scoring.md, "Temperature"). */
  policyChanged(em: EntityManager, before: Policy, after: Policy): Promise<void>;
}
