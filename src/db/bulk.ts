/**
 * Set-based writes both stores understand: chunked multi-row INSERTs and
 * `UPDATE ... SET col = CASE id WHEN ... END` for many rows at once.
 */
import { type EntityManager } from 'typeorm';
import { MAX_PARAMS, bindParams, insertIgnorePrefix, dialectOf, upsertSuffix, valuesPlaceholders } from './portable';

/** A value as the drivers bind it. */
export type SqlValue = string | number | null;

/** Inserts rows in as few statements as the parameter limit allows; returns the number of statements. */
export async function insertRows(
  em: EntityManager,
  table: string,
  columns: string[],
  rows: SqlValue[][],
  ignoreDuplicates = false,
): Promise<number> {
  return prepareInsert(em, table, columns, rows, ignoreDuplicates).run();
}

/** Statements built ahead of running them (see prepareInsert). */
export interface PreparedInsert {
  /** Sends the statements in order; returns their number. */
  run(): Promise<number>;
}

/**
 * Builds insertRows' statements with their parameters already bound
 * (bindParams), to run later on the same manager: a caller waiting on one
 * statement can build the next meanwhile.
 */
export function prepareInsert(
  em: EntityManager,
  table: string,
  columns: string[],
  rows: SqlValue[][],
  ignoreDuplicates = false,
): PreparedInsert {
  const dialect = dialectOf(em);
  const perChunk = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const verb = ignoreDuplicates ? insertIgnorePrefix(dialect) : 'INSERT INTO';
  const statements: { sql: string; params: SqlValue[] }[] = [];
  for (let i = 0; i < rows.length; i += perChunk) {
    const chunk = rows.slice(i, i + perChunk);
    statements.push(
      bindParams(
        dialect,
        `${verb} ${table} (${columns.join(', ')}) VALUES ${valuesPlaceholders(chunk.length, columns.length)}`,
        chunk.flat(),
      ),
    );
  }
  return {
    async run() {
      for (const s of statements) await em.query(s.sql, s.params);
      return statements.length;
    },
  };
}

/**
 * Rewrites `updateColumns` of existing rows given in full (every NOT NULL
 * column present) with one multi-row upsert per chunk: far cheaper than
 * UPDATE ... CASE for hundreds of rows.
 */
export async function upsertRows(
  em: EntityManager,
  table: string,
  columns: string[],
  updateColumns: string[],
  rows: SqlValue[][],
): Promise<void> {
  const perChunk = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const suffix = upsertSuffix(dialectOf(em), updateColumns);
  for (let i = 0; i < rows.length; i += perChunk) {
    const chunk = rows.slice(i, i + perChunk);
    await em.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ` +
        `${valuesPlaceholders(chunk.length, columns.length)}${suffix}`,
      chunk.flat(),
    );
  }
}

/**
 * Updates several columns of many rows keyed by `id` in one statement per chunk:
 * `UPDATE t SET a = CASE id WHEN ? THEN ? ... END, ... WHERE id IN (...)`.
 */
export async function updateRowsById(
  em: EntityManager,
  table: string,
  columns: string[],
  rows: { id: string; values: SqlValue[] }[],
): Promise<void> {
  if (rows.length === 0) return;
  // CASE is evaluated per row, so cost grows with rows x WHENs: keep chunks small.
  const perChunk = Math.max(1, Math.min(500, Math.floor(MAX_PARAMS / (columns.length * 2 + 1))));
  for (let i = 0; i < rows.length; i += perChunk) {
    const chunk = rows.slice(i, i + perChunk);
    const params: SqlValue[] = [];
    const sets = columns.map((col, c) => {
      const whens = chunk.map((r) => {
        params.push(r.id, r.values[c]);
        return 'WHEN ? THEN ?';
      });
      return `${col} = CASE id ${whens.join(' ')} END`;
    });
    params.push(...chunk.map((r) => r.id));
    await em.query(`UPDATE ${table} SET ${sets.join(', ')} WHERE id IN ${valuesPlaceholders(1, chunk.length)}`, params);
  }
}

/**
 * Sets the same `values` on every row whose `keyColumn` is one of `keys`
 * (and, with `where`, whose columns equal those values too): one statement
 * per chunk of keys. Rewriting many rows to a few distinct values (points
 * after a rule change) this way costs one index range per key, no CASE and
 * no failed insert.
 */
export async function updateWhereIn(
  em: EntityManager,
  table: string,
  values: Record<string, SqlValue>,
  keyColumn: string,
  keys: SqlValue[],
  where: Record<string, SqlValue> = {},
): Promise<void> {
  const sets = Object.keys(values);
  const fixed = Object.keys(where);
  const params = [...sets.map((c) => values[c]), ...fixed.map((c) => where[c])];
  const perChunk = MAX_PARAMS - params.length;
  const clause = fixed.map((c) => `${c} = ? AND `).join('');
  for (let i = 0; i < keys.length; i += perChunk) {
    const chunk = keys.slice(i, i + perChunk);
    await em.query(
      `UPDATE ${table} SET ${sets.map((c) => `${c} = ?`).join(', ')} WHERE ${clause}${keyColumn} IN ` +
        `${valuesPlaceholders(1, chunk.length)}`,
      [...params, ...chunk],
    );
  }
}

/**
 * Deletes every row whose `keyColumn` is one of `keys` (and whose columns equal `where`), one statement per chunk of
 * keys.
 */
export async function deleteWhereIn(
  em: EntityManager,
  table: string,
  keyColumn: string,
  keys: SqlValue[],
  where: Record<string, SqlValue> = {},
): Promise<void> {
  const fixed = Object.keys(where);
  const perChunk = MAX_PARAMS - fixed.length;
  for (let i = 0; i < keys.length; i += perChunk) {
    const chunk = keys.slice(i, i + perChunk);
    await em.query(
      `DELETE FROM ${table} WHERE ${fixed.map((c) => `${c} = ? AND `).join('')}${keyColumn} IN ` +
        `${valuesPlaceholders(1, chunk.length)}`,
      [...fixed.map((c) => where[c]), ...chunk],
    );
  }
}
