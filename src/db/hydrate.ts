/**
 * Entities from a plain SELECT, for the hot paths (every ingestion batch and
 * every request's key lookup). The query builder spends more time aliasing
 * columns and walking metadata than the statement takes; this runs the SQL
 * as written and hydrates each column with the driver's own conversion, so
 * dates, JSON and embedded columns come out exactly as the builder gives them.
 */
import { type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';

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

/** Rows selected with the entity's columns under their database names, as entities (other columns are left out). */
export function hydrate<T extends ObjectLiteral>(
  em: EntityManager,
  target: EntityTarget<T>,
  rows: Record<string, unknown>[],
): T[] {
  const metadata = em.connection.getMetadata(target);
  const driver = em.connection.driver;
  return rows.map((row) => {
    const entity = metadata.create() as T;
    for (const column of metadata.columns) {
      if (column.databaseName in row)
        column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
    }
    return entity;
  });
}
