/**
 * Entities from a plain SELECT, for the hot paths (every ingestion batch and
 * every request's key lookup). The query builder spends more time aliasing
 * columns and walking metadata than the statement takes; this runs the SQL
 * as written and hydrates each column with the driver's own conversion, so
 * dates, JSON and embedded columns come out exactly as the builder gives them.
 */
import { type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { DriverUtils } from 'typeorm/driver/DriverUtils';

/**
 * Runs `sql` (which must select the entity's columns under their database
 * names, e.g. `SELECT * FROM contacts ...`) and returns the rows as entities.
 */
export async function selectEntities<T extends ObjectLiteral>(
  em: EntityManager,
  target: EntityTarget<T>,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return hydrate(em, target, await em.query(sql, params));
}

/**
 * Rows selected with the entity's columns under their database names, as entities (other columns are left out).
 * `key` names a column's value in a row: a query builder's raw rows carry `<alias>_<column>` (hydrateAliased).
 */
export function hydrate<T extends ObjectLiteral>(
  em: EntityManager,
  target: EntityTarget<T>,
  rows: Record<string, unknown>[],
  key: (column: ColumnMetadata) => string = (column) => column.databaseName,
): T[] {
  if (rows.length === 0) return [];
  const metadata = em.connection.getMetadata(target);
  const driver = em.connection.driver;
  // The rows of one statement share their columns: which of the entity's they hold is looked up once.
  const columns = metadata.columns.flatMap((column) =>
    key(column) in rows[0] ? [[column, key(column)] as const] : [],
  );
  return rows.map((row) => {
    const entity = metadata.create() as T;
    for (const [column, name] of columns) column.setEntityValue(entity, driver.prepareHydratedValue(row[name], column));
    return entity;
  });
}

/**
 * The raw rows of a query builder selecting its main alias's entity (`qb.getRawMany()`), as the entities
 * `getMany()` would give, without its per-row transformer.
 */
export function hydrateAliased<T extends ObjectLiteral>(
  em: EntityManager,
  target: EntityTarget<T>,
  alias: string,
  rows: Record<string, unknown>[],
): T[] {
  const driver = em.connection.driver;
  return hydrate(em, target, rows, (column) => DriverUtils.buildAlias(driver, undefined, alias, column.databaseName));
}
