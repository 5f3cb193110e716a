/**
 * Group keys: the contact columns conversion metrics break down by (source,
 * owner, partner) as small integers, ids of their exact string values in
 * `group_values`. Contacts hold their keys and each transition a copy of its
 * contact's (kept in step by LifecycleService.syncGroupKeys), so a grouped
 * stage statement reads one covering index range and sorts integers instead
 * of looking up every counted contact and sorting its strings (on MariaDB
 * that halved a SOURCE breakdown; docs/metrics.md).
 *
 * A value's id never changes once stored, and values are never deleted: a
 * value no contact uses any more costs one row.
 */
import { Column, EntityManager } from 'typeorm';
import { dialectOf, forShare, insertIgnorePrefix, valuesPlaceholders } from './portable';

/** The contact fields with a group key (field and contacts column), and the key's field and column. */
export const GROUP_KEYS = [
  { field: 'source', valueColumn: 'source', keyField: 'sourceKey', keyColumn: 'source_key' },
  { field: 'ownerId', valueColumn: 'owner_id', keyField: 'ownerKey', keyColumn: 'owner_key' },
  { field: 'partnerId', valueColumn: 'partner_id', keyField: 'partnerKey', keyColumn: 'partner_key' },
] as const;

/** The key columns, in GROUP_KEYS order, as contacts and stage_transitions hold them. */
export const GROUP_KEY_COLUMNS = GROUP_KEYS.map((k) => k.keyColumn);

/**
 * The three keys, embedded (unprefixed) in Contact and in StageTransition,
 * which holds a copy of its contact's. Null where the value is.
 */
export class GroupKeys {
  @Column({ name: 'source_key', type: 'int', nullable: true })
  sourceKey: number | null = null;

  @Column({ name: 'owner_key', type: 'int', nullable: true })
  ownerKey: number | null = null;

  @Column({ name: 'partner_key', type: 'int', nullable: true })
  partnerKey: number | null = null;
}

/** What a contact carries: its grouped values and their keys. */
export interface Grouped {
  source: string | null;
  ownerId: string | null;
  partnerId: string | null;
  keys: GroupKeys;
}

/** Group keys as row values, in GROUP_KEY_COLUMNS order. */
export function groupKeyValues(keys: GroupKeys): (number | null)[] {
  return GROUP_KEYS.map((k) => keys[k.keyField]);
}

/**
 * The group_values ids of `values`, storing values seen for the first time.
 * Runs inside the caller's transaction. Known values come from a plain read;
 * missing ones are inserted in sorted order (concurrent writers of the same
 * new values queue on the unique index instead of deadlocking; a duplicate
 * is ignored) and read back with a locking read, which sees a concurrent
 * writer's value once it is committed. The first read takes no locks, so no
 * gap lock of it stands in another writer's way.
 */
export async function groupValueIds(em: EntityManager, values: Iterable<string>): Promise<Map<string, number>> {
  const wanted = [...new Set(values)];
  const ids = new Map<string, number>();
  if (wanted.length === 0) return ids;
  const dialect = dialectOf(em);
  const read = async (some: string[], locking: boolean) => {
    const rows: { id: number | string; value: string }[] = await em.query(
      `SELECT id, value FROM group_values WHERE value IN ` +
        `${valuesPlaceholders(1, some.length)}${locking ? forShare(dialect) : ''}`,
      some,
    );
    for (const r of rows) ids.set(r.value, Number(r.id));
  };
  await read(wanted, false);
  const missing = wanted.filter((v) => !ids.has(v)).sort();
  if (missing.length > 0) {
    await em.query(
      `${insertIgnorePrefix(dialect)} group_values (value) VALUES ${valuesPlaceholders(missing.length, 1)}`,
      missing,
    );
    await read(missing, true);
  }
  return ids;
}

/** Sets a contact's group keys from its values and their ids (as groupValueIds returns them). */
export function setGroupKeys(c: Grouped, ids: ReadonlyMap<string, number>): void {
  for (const k of GROUP_KEYS) {
    const value = c[k.field];
    c.keys[k.keyField] = value === null ? null : ids.get(value)!;
  }
}

/** Sets the group keys of `contacts` from their values, storing values seen for the first time. */
export async function assignGroupKeys(em: EntityManager, contacts: Grouped[]): Promise<void> {
  const ids = await groupValueIds(
    em,
    contacts.flatMap((c) => GROUP_KEYS.map((k) => c[k.field])).filter((v): v is string => v !== null),
  );
  for (const c of contacts) setGroupKeys(c, ids);
}
