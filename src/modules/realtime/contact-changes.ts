/**
 * The contact change log: what a transaction changed on each contact
 * (created, fields, owner, score, stage, temperature, deleted), written as
 * the transaction's last rows with its epoch, like its transitions
 * (LifecycleService.insertTransitions), so contactChanged replays, resumes
 * and is delivered exactly as leadPromoted is. Each row keeps the contact's
 * filterable values before and after, so a filtered subscriber also hears of
 * a contact that leaves its filter.
 */
import { registerEnumType } from 'type-graphql';
import type { EntityManager } from 'typeorm';
import { type Contact, type StageTransition, type ContactValues, type Policy, temperatureOf } from '../../model';
import { type SqlValue, insertRows, updateRowsById } from '../../db/bulk';
import { dbDate, parseDbDate, valuesPlaceholders } from '../../db/portable';

/** What changed on a contact. */
export enum ContactChangeKind {
  CREATED = 'CREATED',
  FIELDS = 'FIELDS',
  OWNER = 'OWNER',
  SCORE = 'SCORE',
  STAGE = 'STAGE',
  TEMPERATURE = 'TEMPERATURE',
  DELETED = 'DELETED',
}
registerEnumType(ContactChangeKind, {
  name: 'ContactChangeKind',
  description: 'What a change altered on a contact.',
  valuesConfig: {
    CREATED: { description: 'createContact, or ingestion creating a PROSPECT for a new email.' },
    FIELDS: { description: 'updateContact changed a field other than ownerId.' },
    OWNER: { description: 'ownerId changed (updateContact or routing).' },
    SCORE: { description: 'score, fitScore or engagementScore changed (see scoreHistory).' },
    STAGE: { description: 'The stage changed (see transitions).' },
    TEMPERATURE: {
      description: 'The temperature changed with the points of this change (not when time alone moves it).',
    },
    DELETED: { description: 'deleteContact erased it; contact is null.' },
  },
});

/** A logged change as it travels between instances and to subscribers. */
export interface WireChange {
  seq: number;
  id: string;
  contactId: string;
  kinds: ContactChangeKind[];
  partnerId: string | null;
  before: ContactValues;
  after: ContactValues;
  occurredAt: string;
}

/** A contact's filterable values now. */
export function contactValues(c: Contact): ContactValues {
  return {
    stage: c.stage,
    score: c.score,
    temperature: c.temperature,
    ownerId: c.ownerId,
    partnerId: c.partnerId,
    source: c.source,
    email: c.email,
    firstName: c.firstName,
    lastName: c.lastName,
    company: c.company,
    createdAt: c.createdAt.getTime(),
  };
}

/** Contacts per statement (the grouped read and the read-back bind one value each). */
const CHUNK = 1000;
const COLUMNS = ['seq', 'contact_id', 'kinds', 'partner_id', 'before_values', 'after_values', 'occurred_at'];
/** Columns a reader selects, in the shape `fromChangeRow` maps. */
export const CHANGE_SELECT = 'id, seq, contact_id, kinds, partner_id, before_values, after_values, occurred_at';

/** A contact_changes row as the drivers return it. */
export interface ChangeRow {
  id: string | number;
  seq: string | number;
  contact_id: string;
  kinds: string;
  partner_id: string | null;
  before_values: unknown;
  after_values: unknown;
  occurred_at: unknown;
}

const json = (v: unknown): ContactValues => (typeof v === 'string' ? JSON.parse(v) : v) as ContactValues;

export function fromChangeRow(r: ChangeRow): WireChange {
  return {
    seq: Number(r.seq),
    id: String(r.id),
    contactId: r.contact_id,
    kinds: r.kinds.split(',') as ContactChangeKind[],
    partnerId: r.partner_id,
    before: json(r.before_values),
    after: json(r.after_values),
    occurredAt: parseDbDate(r.occurred_at).toISOString(),
  };
}

/**
 * Changes logged with transitions, by the first of them: PromotionBus.publish finds them from the transitions alone.
 */
const LOGGED = new WeakMap<StageTransition, WireChange[]>();

/** The changes a transaction logged with these transitions (none when it logged none). */
export function loggedWith(transitions: StageTransition[]): WireChange[] {
  return (transitions.length && LOGGED.get(transitions[0])) || [];
}

interface Entry {
  contact: Contact;
  kinds: Set<ContactChangeKind>;
  before: Partial<ContactValues>;
}

/**
 * What one transaction changed, per contact; written once, by LifecycleService.insertTransitions, with the
 * transaction's epoch.
 */
export class ChangeSet {
  private readonly entries = new Map<string, Entry>();
  /** The rows written, in id order, once `write` ran. */
  written: WireChange[] = [];

  get size(): number {
    return this.entries.size;
  }

  /**
   * Notes that `contact` (as it is now, after the change) changed in `kinds`;
   * `before` holds the values the change replaced (the first note of a value wins).
   */
  note(contact: Contact, kinds: ContactChangeKind[], before: Partial<ContactValues> = {}): void {
    let e = this.entries.get(contact.id);
    if (!e) this.entries.set(contact.id, (e = { contact, kinds: new Set(), before: {} }));
    e.contact = contact;
    for (const k of kinds) e.kinds.add(k);
    for (const [key, value] of Object.entries(before) as [keyof ContactValues, never][])
      if (!(key in e.before)) e.before[key] = value;
  }

  /**
   * Writes the rows with epoch `seq` inside the caller's transaction, 1000
   * contacts per statement, and reads the rows' ids back (their contacts'
   * row locks make the newest rows of these contacts ours). Scoring keeps
   * the stored temperature and notes TEMPERATURE when its points move it;
   * here a contact whose temperature disagrees with its window points under
   * `policy` (a new contact when warmThreshold is 0) is brought in line too.
   */
  async write(
    em: EntityManager,
    seq: number,
    policy: Policy,
    now: Date,
    transitions: StageTransition[],
  ): Promise<void> {
    const all = [...this.entries.values()];
    this.written = [];
    for (let i = 0; i < all.length; i += CHUNK)
      this.written.push(...(await this.writeChunk(em, all.slice(i, i + CHUNK), seq, policy, now)));
    if (transitions.length) LOGGED.set(transitions[0], this.written);
  }

  private async writeChunk(
    em: EntityManager,
    entries: Entry[],
    seq: number,
    policy: Policy,
    now: Date,
  ): Promise<WireChange[]> {
    const moved: { id: string; values: SqlValue[] }[] = [];
    const rows: SqlValue[][] = entries.map((e) => {
      const c = e.contact;
      // A contact read without its score columns (none is noted so today) has nothing to compare.
      if (!e.kinds.has(ContactChangeKind.DELETED) && c.windowPoints !== undefined) {
        const logged = c.temperature;
        const temperature = temperatureOf(c.windowPoints, policy);
        if (temperature !== logged) {
          e.kinds.add(ContactChangeKind.TEMPERATURE);
          e.before.temperature ??= logged;
          c.temperature = temperature;
          moved.push({ id: c.id, values: [temperature] });
        }
      }
      const after = contactValues(c);
      return [
        seq,
        c.id,
        [...e.kinds].sort().join(','),
        c.partnerId,
        JSON.stringify({ ...after, ...e.before }),
        JSON.stringify(after),
        dbDate(now),
      ];
    });
    await updateRowsById(em, 'contacts', ['temperature'], moved);
    await insertRows(em, 'contact_changes', COLUMNS, rows);
    const ids = entries.map((e) => e.contact.id);
    const stored: ChangeRow[] = await em.query(
      `SELECT ${CHANGE_SELECT} FROM contact_changes WHERE contact_id IN ${valuesPlaceholders(1, ids.length)} ` +
        `ORDER BY id DESC LIMIT ${rows.length}`,
      ids,
    );
    return stored.reverse().map(fromChangeRow);
  }
}
