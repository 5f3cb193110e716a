/**
 * The deployment's identity: a random id written once into its database
 * (migration 1770), the same for every instance that shares the database and
 * different for every other deployment. Redis channels and keys are
 * namespaced by it (or by REDIS_PREFIX), and events carry it.
 */
import type { DataSource } from 'typeorm';

/** Reads the database's deployment id. */
export async function readDeploymentId(ds: DataSource): Promise<string> {
  const rows: { id: string }[] = await ds.query('SELECT id FROM deployment');
  if (rows.length !== 1) throw new Error(`the deployment table must hold one row, found ${rows.length}`);
  return rows[0].id;
}

/** Prefix of every Redis channel and key of a deployment: `lq:<REDIS_PREFIX or deployment id>:`. */
export function redisNamespace(redisPrefix: string | null, deploymentId: string): string {
  return `lq:${redisPrefix ?? deploymentId}:`;
}
