import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { columns, dialectOf } from '../src/db/portable';

/**
 * Owners (the sales people contacts are assigned to), the routing policy
 * that assigns an MQL or SQL without an owner, and the record of every
 * assignment. An API key may act for an owner (`api_keys.owner_id`); the
 * transitions and qualifications it makes then name that owner.
 */
export class Owners1771000000000 implements MigrationInterface {
  name = 'Owners1771000000000';

  async up(q: QueryRunner): Promise<void> {
    const c = columns(dialectOf(q));
    await q.createTable(
      new Table({
        name: 'owners',
        columns: [
          c.id(),
          c.str('name', 191, false),
          c.str('email'),
          c.exactStr('team', 191, true),
          c.bool('active', true),
          c.datetime('last_assigned_at', true),
          c.datetime('created_at'),
          c.datetime('updated_at'),
        ],
      }),
    );
    await q.createIndex('owners', new TableIndex({ name: 'uq_owners_email', columnNames: ['email'], isUnique: true }));
    // Round-robin reads the active owners of a team, least recently assigned first.
    await q.createIndex(
      'owners',
      new TableIndex({
        name: 'ix_owners_team_rotation',
        columnNames: ['team', 'active', 'last_assigned_at', 'created_at', 'id'],
      }),
    );
    await q.createTable(
      new Table({
        name: 'routing_policy',
        columns: [
          { ...c.int('id'), isPrimary: true },
          c.bool('enabled', true),
          c.str('assign_at_stage', 16, false),
          c.exactStr('default_team', 191, true),
          c.json('rules'),
          c.datetime('updated_at'),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'owner_assignments',
        columns: [
          c.serial(),
          c.ref('contact_id'),
          c.str('owner_id'),
          c.str('previous_owner_id'),
          c.str('trigger', 16, false),
          c.str('reason', 1000, true),
          c.str('actor'),
          c.ref('actor_owner_id', true),
          c.datetime('assigned_at'),
        ],
      }),
    );
    await q.createIndex(
      'owner_assignments',
      new TableIndex({ name: 'ix_owner_assignments_contact', columnNames: ['contact_id', 'id'] }),
    );
    await q.addColumn('api_keys', new TableColumn(c.ref('owner_id', true)));
    await q.addColumn('stage_transitions', new TableColumn(c.ref('actor_owner_id', true)));
    await q.addColumn('qualifications', new TableColumn(c.ref('qualified_by_owner_id', true)));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('qualifications', 'qualified_by_owner_id');
    await q.dropColumn('stage_transitions', 'actor_owner_id');
    await q.dropColumn('api_keys', 'owner_id');
    await q.dropTable('owner_assignments', true);
    await q.dropTable('routing_policy', true);
    await q.dropTable('owners', true);
  }
}
