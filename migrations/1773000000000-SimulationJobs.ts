import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { columns, dialectOf } from '../src/db/portable';

/**
 * Scoring simulations (src/modules/insights): `simulation_jobs` holds each
 * job's proposed rule set and policy, its progress and its summary;
 * `simulation_differences` the contacts whose MQL status the proposal would
 * change, written batch by batch (a job's memory stays that of one batch)
 * and paged by contact id.
 */
export class SimulationJobs1773000000000 implements MigrationInterface {
  name = 'SimulationJobs1773000000000';

  async up(q: QueryRunner): Promise<void> {
    const c = columns(dialectOf(q));
    await q.createTable(
      new Table({
        name: 'simulation_jobs',
        columns: [
          c.id(),
          c.str('state', 16, false),
          c.int('processed', false, 0),
          c.int('total', false, 0),
          c.json('input', false),
          c.json('result'),
          c.str('created_by', 191, false),
          c.str('runner', 64),
          c.datetime('heartbeat_at', true),
          c.datetime('started_at'),
          c.datetime('finished_at', true),
          c.datetime('applied_at', true),
          c.str('error', 1000),
        ],
        indices: [{ name: 'ix_simulation_jobs_started', columnNames: ['started_at'] }],
      }),
    );
    await q.createTable(
      new Table({
        name: 'simulation_differences',
        columns: [
          { ...c.ref('job_id'), isPrimary: true },
          { ...c.ref('contact_id'), isPrimary: true },
          c.bool('simulated_mql', false),
          c.bool('actual_mql', false),
          c.json('rules', false),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('simulation_differences', true);
    await q.dropTable('simulation_jobs', true);
  }
}
