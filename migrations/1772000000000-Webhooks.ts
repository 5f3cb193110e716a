import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { columns, dialectOf } from '../src/db/portable';

/**
 * Webhooks (src/modules/webhooks): endpoints, the stages each one takes (a
 * table of its own, so the outbox is filled by one INSERT ... SELECT join in
 * the transition's transaction), the outbox of messages with their leases
 * and retry state, and every delivery attempt.
 */
export class Webhooks1772000000000 implements MigrationInterface {
  name = 'Webhooks1772000000000';

  async up(q: QueryRunner): Promise<void> {
    const c = columns(dialectOf(q));
    await q.createTable(
      new Table({
        name: 'webhook_endpoints',
        columns: [
          c.id(),
          c.str('url', 2048, false),
          c.str('description', 500, true),
          c.ref('partner_id', true),
          c.str('secret', 100, false),
          c.str('previous_secret', 100, true),
          c.datetime('previous_secret_expires_at', true),
          c.bool('enabled', true),
          c.text('disabled_reason'),
          c.datetime('created_at'),
          c.datetime('updated_at'),
        ],
        indices: [new TableIndex({ name: 'ix_webhook_endpoints_partner', columnNames: ['partner_id', 'created_at'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'webhook_endpoint_stages',
        columns: [
          { ...c.ref('endpoint_id'), isPrimary: true },
          { ...c.str('stage', 16, false), isPrimary: true },
        ],
        indices: [new TableIndex({ name: 'ix_webhook_stages_stage', columnNames: ['stage', 'endpoint_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'webhook_messages',
        columns: [
          c.serial(),
          c.ref('endpoint_id'),
          c.str('kind', 32, false),
          { name: 'transition_id', type: 'bigint', isNullable: true },
          c.str('state', 16, false),
          c.int('attempts', false, 0),
          c.datetime('next_attempt_at'),
          c.datetime('first_attempt_at', true),
          c.str('lease_owner', 64, true),
          c.datetime('lease_until', true),
          c.text('payload'),
          c.datetime('created_at'),
          c.datetime('delivered_at', true),
        ],
        indices: [
          // The head of each endpoint's queue: MIN(id) per endpoint among pending rows.
          new TableIndex({ name: 'ix_webhook_messages_pending', columnNames: ['state', 'endpoint_id', 'id'] }),
          new TableIndex({ name: 'ix_webhook_messages_endpoint', columnNames: ['endpoint_id', 'id'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'webhook_attempts',
        columns: [
          c.serial(),
          { name: 'message_id', type: 'bigint', isNullable: false },
          c.ref('endpoint_id'),
          c.datetime('attempted_at'),
          c.int('status_code', true),
          c.int('duration_ms'),
          c.text('error'),
          c.bool('ok', false),
        ],
        indices: [new TableIndex({ name: 'ix_webhook_attempts_message', columnNames: ['message_id', 'id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['webhook_attempts', 'webhook_messages', 'webhook_endpoint_stages', 'webhook_endpoints'])
      await q.dropTable(t, true);
  }
}
