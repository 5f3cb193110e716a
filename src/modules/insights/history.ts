/**
 * Reads contacts' stored histories for the insights, in keyset batches by
 * contact id: a batch's contacts, their activities up to the window's end
 * and their transitions, three statements per batch whatever the batch
 * holds. Memory stays that of one batch, whatever the window.
 */
import { type DataSource } from 'typeorm';
import type { ContactFacts } from '../scoring';
import type { Stage } from '../../model';
import { MAX_PARAMS, dbDate, parseDbDate, valuesPlaceholders } from '../../db/portable';
import type { ContactHistory, HistoryTransition } from './replay';

/** Rows of `select ... WHERE contact_id IN (...) <tail>`, chunked to the drivers' parameter limit. */
async function byContacts<T>(
  ds: DataSource,
  select: string,
  tail: string,
  ids: string[],
  params: unknown[],
): Promise<T[]> {
  const out: T[] = [];
  const size = MAX_PARAMS - params.length;
  for (let i = 0; i < ids.length; i += size) {
    const chunk = ids.slice(i, i + size);
    for (const row of await ds.query(`${select} WHERE contact_id IN ${valuesPlaceholders(1, chunk.length)} ${tail}`, [
      ...chunk,
      ...params,
    ]))
      out.push(row);
  }
  return out;
}

/** The contact columns a history needs, as stored. */
interface ContactRow {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  job_title: string | null;
  industry: string | null;
  company_size: number | string | null;
  country: string | null;
  source: string | null;
  owner_id: string | null;
  partner_id: string | null;
  attributes: unknown;
  created_at: unknown;
}

const CONTACT_FACTS =
  'id, email, first_name, last_name, company, job_title, industry, company_size, country, source, owner_id, ' +
  'partner_id, attributes, created_at';

function contactFacts(c: ContactRow): ContactFacts {
  return {
    email: c.email,
    firstName: c.first_name,
    lastName: c.last_name,
    company: c.company,
    jobTitle: c.job_title,
    industry: c.industry,
    companySize: c.company_size === null ? null : Number(c.company_size),
    country: c.country,
    source: c.source,
    ownerId: c.owner_id,
    partnerId: c.partner_id,
    attributes: json(c.attributes),
  };
}

function json(v: unknown): Record<string, unknown> | null {
  return typeof v === 'string' ? JSON.parse(v) : ((v as Record<string, unknown>) ?? null);
}

/**
 * One batch of histories after contact id `after` (ordered by id); empty when done. Activities up to `until`, every
 * transition.
 */
export async function historyBatch(
  ds: DataSource,
  after: string,
  size: number,
  until: number,
): Promise<ContactHistory[]> {
  // Raw rows of the columns FIT rules read: entity hydration of every column cost more than the statement.
  const contacts: ContactRow[] = await ds.query(
    `SELECT ${CONTACT_FACTS} FROM contacts WHERE id > ? ORDER BY id LIMIT ?`,
    [after, size],
  );
  if (contacts.length === 0) return [];
  const ids = contacts.map((c) => c.id);
  const end = dbDate(until);
  const [activities, transitions] = await Promise.all([
    byContacts<{
      id: string;
      contact_id: string;
      type: string;
      occurred_at: unknown;
      properties: unknown;
      created_at: unknown;
    }>(
      ds,
      'SELECT id, contact_id, type, occurred_at, properties, created_at FROM activities',
      'AND occurred_at <= ?',
      ids,
      [end],
    ),
    byContacts<{
      id: string | number;
      contact_id: string;
      from_stage: string;
      to_stage: string;
      trigger: string;
      occurred_at: unknown;
      created_at: unknown;
    }>(
      ds,
      'SELECT id, contact_id, from_stage, to_stage, `trigger`, occurred_at, created_at FROM stage_transitions',
      'ORDER BY id',
      ids,
      [],
    ),
  ]);
  const byId = new Map<string, ContactHistory>(
    contacts.map((c) => [
      c.id,
      {
        id: c.id,
        facts: contactFacts(c),
        createdAt: parseDbDate(c.created_at).getTime(),
        activities: [],
        transitions: [],
      },
    ]),
  );
  for (const a of activities) {
    byId.get(a.contact_id)!.activities.push({
      id: a.id,
      type: a.type,
      occurredAt: parseDbDate(a.occurred_at).getTime(),
      properties: json(a.properties),
      recordedAt: parseDbDate(a.created_at).getTime(),
    });
  }
  for (const t of transitions) {
    const h = byId.get(t.contact_id)!;
    h.transitions.push({
      from: t.from_stage as Stage,
      to: t.to_stage as Stage,
      trigger: t.trigger as HistoryTransition['trigger'],
      at: parseDbDate(t.occurred_at).getTime(),
      recordedAt: parseDbDate(t.created_at).getTime(),
      order: h.transitions.length,
    });
  }
  return [...byId.values()];
}

/** Calls `each` with every batch of histories, in contact id order, yielding to the event loop between batches. */
export async function forEachHistoryBatch(
  ds: DataSource,
  size: number,
  until: number,
  each: (batch: ContactHistory[]) => Promise<void> | void,
): Promise<void> {
  for (let after = ''; ;) {
    const batch = await historyBatch(ds, after, size, until);
    if (batch.length === 0) return;
    await each(batch);
    after = batch[batch.length - 1].id;
    // SQLite calls are synchronous: let requests and timers in between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
