/**
 * The parts of an ingestion batch that need no service: the batch's inputs
 * as validated, its new activities, their scoring order, the lastActivityAt
 * touch of a batch nothing scores, and NOT_FOUND for a missing contact.
 */
import { type EntityManager } from 'typeorm';
import { Activity } from '../../model';
import { type ActivityData } from './activity.validation';
import { newActivityId } from './activity-id';
import { DomainError } from '../../graphql/errors';
import { dbDate, dialectOf, raiseColumnSql } from '../../db/portable';

/** One validated input of a batch. */
export interface Prepared {
  input: ActivityData;
  index: number;
  occurredAt: Date;
  propertiesJson: string | null;
  email: string | null;
}

/**
 * A batch's new activities per contact, each list in occurredAt order (stable: input order breaks ties), as they are
 * scored.
 */
export function inScoringOrder(added: Activity[]): Map<string, Activity[]> {
  const byContact = new Map<string, Activity[]>();
  for (const a of added) {
    const list = byContact.get(a.contactId);
    if (list) list.push(a);
    else byContact.set(a.contactId, [a]);
  }
  for (const list of byContact.values()) list.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  return byContact;
}

/** Contacts per statement of touchLastActivity (two parameters each). */
const TOUCH_CHUNK = 1000;

/**
 * Moves contacts' lastActivityAt forward to their newest new activity when
 * no contact row is read (a batch nothing scores; otherwise the scoring
 * engine writes it with the scores): one statement per batch, in id order
 * (the order every contact locker takes), before the activities' insert
 * share-locks the same rows.
 */
export async function touchLastActivity(em: EntityManager, added: Activity[]): Promise<void> {
  const newest = new Map<string, number>();
  for (const a of added)
    newest.set(a.contactId, Math.max(newest.get(a.contactId) ?? -Infinity, a.occurredAt.getTime()));
  const ids = [...newest.keys()].sort();
  for (let i = 0; i < ids.length; i += TOUCH_CHUNK) {
    const chunk = ids.slice(i, i + TOUCH_CHUNK);
    await em.query(
      raiseColumnSql(dialectOf(em), 'contacts', 'last_activity_at', chunk.length),
      chunk.flatMap((id) => [id, dbDate(newest.get(id)!)]),
    );
  }
}

/** A batch's activities as recorded: the new ones (with their properties' JSON) and every input's result. */
export interface BuiltActivities {
  /** Per input, in input order: the new activity, or the one its idempotency key recorded first. */
  results: Activity[];
  added: Activity[];
  addedJson: (string | null)[];
  duplicates: number;
}

/** Makes the batch's new activities, each for the contact `contactOf` names; idempotent repeats return the first. */
export function buildActivities(
  prepared: Prepared[],
  existing: Map<string, Activity>,
  contactOf: (p: Prepared) => string,
  now: Date,
): BuiltActivities {
  const results: Activity[] = new Array(prepared.length);
  const firstByKey = new Map<string, Activity>();
  const added: Activity[] = [];
  const addedJson: (string | null)[] = [];
  let duplicates = 0;
  for (const p of prepared) {
    const key = p.input.idempotencyKey || null;
    const repeat = key ? (existing.get(key) ?? firstByKey.get(key)) : undefined;
    if (repeat) {
      results[p.index] = repeat;
      duplicates++;
      continue;
    }
    const activity = Object.assign(new Activity(), {
      id: newActivityId(),
      contactId: contactOf(p),
      type: p.input.type,
      occurredAt: p.occurredAt,
      properties: p.input.properties ?? null,
      idempotencyKey: key,
      points: 0,
      createdAt: now,
    });
    if (key) firstByKey.set(key, activity);
    results[p.index] = activity;
    added.push(activity);
    addedJson.push(p.propertiesJson);
  }
  return { results, added, addedJson, duplicates };
}

/** Throws NOT_FOUND for the first of the id-named `inputs` whose contact is not in `found`. */
export function throwIfMissing(inputs: Prepared[], found: Set<string>, single?: string): void {
  const missing = inputs.find((p) => !found.has(p.input.contactId!));
  if (!missing) return;
  const prefix = single ?? `inputs[${missing.index}]`;
  throw new DomainError('NOT_FOUND', `${prefix}.contactId: contact ${missing.input.contactId} not found`, {
    field: `${prefix}.contactId`,
    ...(single ? {} : { index: missing.index }),
  });
}
