/**
 * The rows of new transitions, written as the last step of their transaction: routing of the contacts
 * they move, the stays they open and close (stays.ts), the transaction's epoch (promotion-log.ts) and
 * the webhook outbox.
 */
import type { EntityManager } from 'typeorm';
import type { Contact, StageTransition } from '../../model';
import { type SqlValue, insertRows, updateRowsById } from '../../db/bulk';
import { dbDate, parseDbDate, valuesPlaceholders } from '../../db/portable';
import { type StayColumns, stayMarks } from './stays';
import { firstTransitionValue } from './stay.rows';
import { TRANSITION_COLUMNS, transitionRow } from './transition.rows';
import { nextEpoch, type ChangeSet, ContactChangeKind } from '../realtime';

/**
 * Writes, in the transaction of the transitions, what must happen because of
 * them (the webhook outbox): called with the ids of the transitions just
 * inserted, after the transaction's epoch is taken.
 */
export interface TransitionOutbox {
  enqueue(em: EntityManager, transitionIds: string[]): Promise<void>;
}

/** Contacts per statement of insertTransitions: their stay updates bind up to ~10 values each. */
const CONTACTS_PER_STATEMENT = 1000;

/** Assigns owners to contacts a transaction's transitions move (owners/OwnersService.route). */
export interface Router {
  route(
    em: EntityManager,
    transitions: StageTransition[],
    subjectOf: (t: StageTransition) => Contact | undefined,
    regrouped: (em: EntityManager, c: Contact) => Promise<void>,
  ): Promise<void>;
}

/** The contact each new transition was built from (newTransition), so routing can update it in memory too. */
export const SUBJECTS = new WeakMap<StageTransition, Contact>();

/** What writeTransitions needs from the lifecycle service. */
export interface TransitionWriteDeps {
  router: Router | null;
  outbox: TransitionOutbox | null;
  /** Keeps a contact's transitions' group keys in step after routing changed its owner. */
  syncGroupKeys: (em: EntityManager, contact: Contact) => Promise<void>;
}

/** insertTransitions for a non-empty list: routing, stays, the epoch and the rows; returns the epoch. */
export async function writeTransitions(
  em: EntityManager,
  transitions: StageTransition[],
  changes: ChangeSet,
  deps: TransitionWriteDeps,
): Promise<number> {
  const byContact = new Map<string, StageTransition[]>();
  for (const t of transitions) {
    const list = byContact.get(t.contactId);
    if (list) list.push(t);
    else byContact.set(t.contactId, [t]);
  }
  // Statements keyed by contact take a bounded IN list (a policy change may promote every contact at once).
  const contactIds = [...byContact.keys()];
  const chunks: { contactIds: string[]; transitions: StageTransition[] }[] = [];
  for (let i = 0; i < contactIds.length; i += CONTACTS_PER_STATEMENT) {
    const ids = contactIds.slice(i, i + CONTACTS_PER_STATEMENT);
    const mine = new Set(ids);
    chunks.push({ contactIds: ids, transitions: transitions.filter((t) => mine.has(t.contactId)) });
  }
  const subjects = transitions.map((t) => SUBJECTS.get(t)).filter((c): c is Contact => c !== undefined);
  const ownersBefore = new Map(subjects.map((c) => [c.id, c.ownerId]));
  await deps.router?.route(em, transitions, (t) => SUBJECTS.get(t), deps.syncGroupKeys);
  for (const t of transitions) {
    const c = SUBJECTS.get(t);
    if (c) changes.note(c, [ContactChangeKind.STAGE], { stage: t.fromStage ?? c.stage });
  }
  for (const c of subjects)
    if (c.ownerId !== ownersBefore.get(c.id))
      changes.note(c, [ContactChangeKind.OWNER], { ownerId: ownersBefore.get(c.id) ?? null });
  const stays = new Map<StageTransition, StayColumns>();
  for (const chunk of chunks) await closeStays(em, chunk.contactIds, byContact, stays);
  const seq = await nextEpoch(em);
  for (const chunk of chunks) {
    for (const t of chunk.transitions) t.seq = seq;
    await insertRows(
      em,
      'stage_transitions',
      TRANSITION_COLUMNS,
      chunk.transitions.map((t) => transitionRow(t, stays.get(t)!)),
    );
    const rows: { id: string | number }[] = await em.query(
      `SELECT id FROM stage_transitions WHERE contact_id IN ` +
        `${valuesPlaceholders(1, chunk.contactIds.length)} ORDER BY id DESC LIMIT ${chunk.transitions.length}`,
      chunk.contactIds,
    );
    const ids = rows.reverse().map((r) => String(r.id));
    chunk.transitions.forEach((t, i) => (t.id = ids[i]));
    await deps.outbox?.enqueue(em, ids);
  }
  return seq;
}

/**
 * The stay bookkeeping of insertTransitions for some contacts: sets the
 * stay columns of their new transitions in `stays` and closes what those
 * end on the stored rows.
 */
async function closeStays(
  em: EntityManager,
  contactIds: string[],
  byContact: Map<string, StageTransition[]>,
  stays: Map<StageTransition, StayColumns>,
): Promise<void> {
  const inContacts = `contact_id IN ${valuesPlaceholders(1, contactIds.length)}`;
  const latest: { contact_id: string; to_stage: string; at: unknown }[] = await em.query(
    `SELECT contact_id, to_stage, MAX(occurred_at) AS at FROM stage_transitions WHERE ${inContacts} GROUP ` +
      `BY contact_id, to_stage`,
    contactIds,
  );
  const histories = new Map(contactIds.map((id) => [id, new Map<string, number>()]));
  for (const r of latest) histories.get(r.contact_id)!.set(r.to_stage, parseDbDate(r.at).getTime());
  const leftWhens: SqlValue[] = [];
  const convertedWhens: SqlValue[] = [];
  const firsts: { id: string; values: SqlValue[] }[] = [];
  for (const contactId of contactIds) {
    const added = byContact.get(contactId)!;
    const marks = stayMarks(
      { latestEntry: histories.get(contactId)! },
      added.map((t) => ({ toStage: t.toStage, occurredAt: t.occurredAt.getTime() })),
    );
    added.forEach((t, i) => stays.set(t, marks.added[i]));
    if (marks.storedLeftAt !== null) leftWhens.push(contactId, dbDate(marks.storedLeftAt));
    for (const [stage, at] of marks.storedConvertedAt) convertedWhens.push(contactId, stage, dbDate(at));
    if (marks.firstTransitionAt !== null)
      firsts.push({ id: contactId, values: [firstTransitionValue(marks.firstTransitionAt)] });
  }
  if (leftWhens.length > 0) {
    const left = `CASE contact_id ${'WHEN ? THEN ? '.repeat(leftWhens.length / 2)}END`;
    const converted = convertedWhens.length
      ? `CASE ${'WHEN contact_id = ? AND to_stage = ? THEN ? '.repeat(convertedWhens.length / 3)}END`
      : 'NULL';
    await em.query(
      `UPDATE stage_transitions SET left_at = COALESCE(left_at, ${left}), converted_at = ` +
        `COALESCE(converted_at, ${converted}) WHERE ${inContacts} AND (left_at IS NULL OR converted_at IS ` +
        `NULL)`,
      [...leftWhens, ...convertedWhens, ...contactIds],
    );
  }
  await updateRowsById(em, 'contacts', ['first_transition_at'], firsts);
}
