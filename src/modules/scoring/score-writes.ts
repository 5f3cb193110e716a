/**
 * The stored side of a scoring pass: which contacts changed, their score
 * columns written with one multi-row upsert per chunk, and the diff that
 * brings a recomputed contact's applications to their new state.
 */
import { type EntityManager } from 'typeorm';
import { type Application, isExpired, inWindow } from './scorer';
import { type ScoreEventRow, insertScoreEvents } from './score-history';
import { type ChangeSet, ContactChangeKind } from '../realtime';
import { type Contact, type Policy, temperatureOf } from '../../model';
import { MAX_PARAMS, dbDate, inList, parseDbDate } from '../../db/portable';
import { type SqlValue, deleteWhereIn, insertRows, updateWhereIn, upsertRows } from '../../db/bulk';

/** Columns of a score_applications row, in `appRow` order. */
export const APP_COLUMNS = [
  'activity_id',
  'rule_id',
  'contact_id',
  'points',
  'occurred_at',
  'expires_at',
  'expired',
  'in_window',
];
const CONTACT_SCORE_COLUMNS = [
  'score',
  'fit_score',
  'engagement_score',
  'last_engaged_at',
  'score_changed_at',
  'window_points',
  'temperature',
  'last_activity_at',
];
const CONTACT_STAGE_COLUMNS = ['last_transition_at', 'stage', 'stage_changed_at', 'updated_at'];

/** A score_applications row for `a`: its expired and in-window flags as of `now`. */
export function appRow(a: Application, contactId: string, now: number, windowDays: number): SqlValue[] {
  return [
    a.activityId,
    a.ruleId,
    contactId,
    a.points,
    dbDate(a.occurredAt),
    a.expiresAt === null ? null : dbDate(a.expiresAt),
    isExpired(a, now) ? 1 : 0,
    inWindow(a, now, windowDays) ? 1 : 0,
  ];
}

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
export interface ScoredState {
  score: string;
  stage: string;
}

/** The state `fileChange` compares: score columns (temperature and lastActivityAt included) and stage columns. */
export function scoredState(c: Contact): ScoredState {
  return {
    score:
      `${c.score}|${c.fitScore}|${c.engagementScore}|${c.lastEngagedAt?.getTime()}|` +
      `${c.windowPoints}|${c.temperature}|${c.lastActivityAt?.getTime()}`,
    stage: `${c.stage}|${c.stageChangedAt.getTime()}|${c.lastTransitionAt?.getTime()}`,
  };
}

/** Files a scored contact under what changed since `before`; a contact with no change is left out (not written). */
export function fileChange(changes: ScoreChanges, c: Contact, before: ScoredState, now: Date): void {
  const after = scoredState(c);
  if (after.stage !== before.stage) {
    c.updatedAt = now;
    changes.moved.push(c);
  } else if (after.score !== before.score) changes.rescored.push(c);
}

/**
 * Sets the contact's temperature from its window points; when the points of
 * this change moved it, notes TEMPERATURE in `log` (time alone logs nothing:
 * the window sweep passes no log).
 */
export function settleTemperature(c: Contact, policy: Policy, log?: ChangeSet): void {
  const temperature = temperatureOf(c.windowPoints, policy);
  if (temperature === c.temperature) return;
  log?.note(c, [ContactChangeKind.TEMPERATURE], { temperature: c.temperature });
  c.temperature = temperature;
}

/**
 * Notes SCORE, with the score before, for each contact with score history in `changes` (the change log,
 * realtime/contact-changes.ts).
 */
export function noteScoreChanges(log: ChangeSet, changes: ScoreChanges): void {
  const contacts = new Map([...changes.rescored, ...changes.moved].map((c) => [c.id, c]));
  const first = new Map<string, ScoreEventRow>();
  for (const e of changes.events) if (!first.has(e.contactId)) first.set(e.contactId, e);
  for (const [id, e] of first) {
    const c = contacts.get(id);
    if (c) log.note(c, [ContactChangeKind.SCORE], { score: e.score - e.delta });
  }
}

/** A score_applications row as a recompute compares it. */
export interface StoredApplication {
  activity_id: string;
  rule_id: string;
  points: number | string;
  expires_at: unknown;
  expired: number | string | boolean;
  in_window: number | string | boolean;
}

/** Runs `select` + ` WHERE contact_id IN (...)` in chunks the drivers' parameter limits allow. */
export async function selectByContacts<T>(em: EntityManager, select: string, contactIds: string[]): Promise<T[]> {
  let out: T[] = [];
  for (let i = 0; i < contactIds.length; i += MAX_PARAMS) {
    const chunk = contactIds.slice(i, i + MAX_PARAMS);
    out = out.concat(await em.query(`${select} WHERE contact_id IN ${inList(chunk.length)}`, chunk));
  }
  return out;
}

/**
 * Brings the stored applications of recomputed contacts to `next`: inserts
 * new ones, deletes gone ones, and rewrites changed points or flags with one
 * UPDATE per (rule, points, expired, in window); rows whose expiry time moved
 * are replaced. After a rule change only that rule's rows are touched.
 */
export async function writeApplicationDiff(
  em: EntityManager,
  stored: StoredApplication[],
  next: { app: Application; contactId: string }[],
  nowMs: number,
  windowDays: number,
): Promise<void> {
  const old = new Map(stored.map((r) => [`${r.activity_id}|${r.rule_id}`, r]));
  const inserts: SqlValue[][] = [];
  const deletes = new Map<string, string[]>();
  const updates = new Map<string, { ruleId: string; values: Record<string, number>; activityIds: string[] }>();
  const group = <T>(map: Map<string, T>, key: string, make: () => T) =>
    map.get(key) ?? (map.set(key, make()), map.get(key)!);
  for (const { app, contactId } of next) {
    const key = `${app.activityId}|${app.ruleId}`;
    const prev = old.get(key);
    old.delete(key);
    const expired = isExpired(app, nowMs) ? 1 : 0;
    const counted = inWindow(app, nowMs, windowDays) ? 1 : 0;
    const prevExpires =
      prev?.expires_at === null || prev?.expires_at === undefined ? null : parseDbDate(prev.expires_at).getTime();
    if (prev && prevExpires === app.expiresAt) {
      const same = Number(prev.expired) === expired && Number(prev.in_window) === counted;
      if (Number(prev.points) === app.points && same) continue;
      group(updates, `${app.ruleId}|${app.points}|${expired}|${counted}`, () => ({
        ruleId: app.ruleId,
        values: { points: app.points, expired, in_window: counted },
        activityIds: [],
      })).activityIds.push(app.activityId);
      continue;
    }
    if (prev) group(deletes, app.ruleId, () => []).push(app.activityId);
    inserts.push(appRow(app, contactId, nowMs, windowDays));
  }
  for (const r of old.values()) group(deletes, r.rule_id, () => []).push(r.activity_id);
  for (const [ruleId, activityIds] of deletes)
    await deleteWhereIn(em, 'score_applications', 'activity_id', activityIds, { rule_id: ruleId });
  for (const u of updates.values())
    await updateWhereIn(em, 'score_applications', u.values, 'activity_id', u.activityIds, { rule_id: u.ruleId });
  await insertRows(em, 'score_applications', APP_COLUMNS, inserts);
}

/**
 * Writes the changed columns of many (locked, fully loaded) contacts: one
 * multi-row upsert per chunk for the rescored ones, one for the moved ones,
 * and their score history.
 */
export async function writeContactScores(em: EntityManager, changes: ScoreChanges, log?: ChangeSet): Promise<void> {
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
    c.windowPoints,
    c.temperature,
    date(c.lastActivityAt),
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
