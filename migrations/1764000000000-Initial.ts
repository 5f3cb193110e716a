import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { columns, dialectOf } from '../src/db/portable';

/** The whole schema: same tables and named indexes on SQLite and MySQL/MariaDB. */
export class Initial1764000000000 implements MigrationInterface {
  name = 'Initial1764000000000';

  async up(q: QueryRunner): Promise<void> {
    const c = columns(dialectOf(q));
    const table = async (
      name: string,
      cols: ReturnType<typeof c.id>[],
      indices: { name: string; columnNames: string[]; isUnique?: boolean }[] = [],
    ) => {
      await q.createTable(new Table({ name, columns: cols }));
      for (const idx of indices) await q.createIndex(name, new TableIndex(idx));
    };

    await table(
      'partners',
      [c.id(), c.str('name', 191, false), c.datetime('created_at')],
      [{ name: 'uq_partners_name', columnNames: ['name'], isUnique: true }],
    );

    await table(
      'api_keys',
      [
        c.id(),
        c.str('name', 191, false),
        c.str('role', 16, false),
        c.ref('partner_id', true),
        c.str('secret_hash', 64, false),
        c.datetime('created_at'),
        c.datetime('last_used_at', true),
        c.datetime('revoked_at', true),
      ],
      [{ name: 'uq_api_keys_secret_hash', columnNames: ['secret_hash'], isUnique: true }],
    );

    await table(
      'contacts',
      [
        c.id(),
        c.str('email', 191, false),
        c.str('first_name'),
        c.str('last_name'),
        c.str('company'),
        c.str('job_title'),
        c.str('industry'),
        c.int('company_size', true),
        c.str('country'),
        c.str('source'),
        c.str('owner_id'),
        c.ref('partner_id', true),
        c.json('attributes'),
        c.str('stage', 16, false),
        c.int('score', false, 0),
        c.int('fit_score', false, 0),
        c.int('engagement_score', false, 0),
        c.datetime('last_engaged_at', true),
        c.datetime('last_transition_at', true),
        c.datetime('stage_changed_at'),
        c.datetime('created_at'),
        c.datetime('updated_at'),
      ],
      [
        { name: 'uq_contacts_email', columnNames: ['email'], isUnique: true },
        { name: 'ix_contacts_score', columnNames: ['score', 'id'] },
        { name: 'ix_contacts_created_at', columnNames: ['created_at', 'id'] },
        { name: 'ix_contacts_updated_at', columnNames: ['updated_at', 'id'] },
        { name: 'ix_contacts_stage_changed_at', columnNames: ['stage_changed_at', 'id'] },
        { name: 'ix_contacts_stage', columnNames: ['stage', 'score'] },
        { name: 'ix_contacts_partner', columnNames: ['partner_id', 'created_at'] },
        { name: 'ix_contacts_owner', columnNames: ['owner_id'] },
        { name: 'ix_contacts_source', columnNames: ['source'] },
      ],
    );

    await table(
      'activities',
      [
        c.id(),
        c.ref('contact_id'),
        c.str('type', 64, false),
        c.datetime('occurred_at'),
        c.json('properties'),
        c.str('idempotency_key'),
        c.int('points', false, 0),
        c.datetime('created_at'),
      ],
      [
        { name: 'uq_activities_idempotency_key', columnNames: ['idempotency_key'], isUnique: true },
        { name: 'ix_activities_contact_occurred', columnNames: ['contact_id', 'occurred_at', 'id'] },
      ],
    );

    await table(
      'score_applications',
      [
        { ...c.ref('activity_id'), isPrimary: true },
        { ...c.ref('rule_id'), isPrimary: true },
        c.ref('contact_id'),
        c.int('points'),
        c.datetime('occurred_at'),
        c.datetime('expires_at', true),
        c.bool('expired', false),
      ],
      [
        { name: 'ix_score_apps_contact_rule', columnNames: ['contact_id', 'rule_id', 'occurred_at'] },
        { name: 'ix_score_apps_expiry', columnNames: ['expired', 'expires_at'] },
      ],
    );

    await table(
      'scoring_rules',
      [
        c.id(),
        c.str('name', 191, false),
        c.str('kind', 16, false),
        c.str('activity_type', 64),
        c.json('conditions', false),
        c.int('points'),
        c.int('max_applications', true),
        c.int('cap_window_days', true),
        c.int('expires_after_days', true),
        c.bool('active', true),
        c.datetime('created_at'),
        c.datetime('updated_at'),
      ],
      [{ name: 'ix_scoring_rules_active', columnNames: ['active', 'kind'] }],
    );

    await table(
      'stage_transitions',
      [
        c.serial(),
        c.ref('contact_id'),
        c.str('from_stage', 16),
        c.str('to_stage', 16, false),
        c.str('trigger', 16, false),
        c.str('reason', 1000),
        c.int('score'),
        c.str('actor'),
        c.datetime('occurred_at'),
        c.ref('partner_id', true),
        c.str('owner_id'),
        c.datetime('created_at'),
      ],
      [
        { name: 'ix_transitions_contact', columnNames: ['contact_id', 'id'] },
        { name: 'ix_transitions_to_stage_occurred', columnNames: ['to_stage', 'occurred_at', 'contact_id'] },
        { name: 'ix_transitions_occurred', columnNames: ['occurred_at'] },
        { name: 'ix_transitions_contact_to_stage', columnNames: ['contact_id', 'to_stage', 'occurred_at'] },
      ],
    );

    await table(
      'qualifications',
      [
        c.id(),
        c.ref('contact_id'),
        c.bool('budget', false),
        c.bool('authority', false),
        c.bool('need', false),
        c.bool('timeline', false),
        c.text('notes'),
        c.datetime('qualified_at'),
        c.str('qualified_by'),
      ],
      [{ name: 'ix_qualifications_contact', columnNames: ['contact_id', 'qualified_at'] }],
    );

    await table('qualification_policy', [
      { ...c.int('id'), isPrimary: true },
      c.int('lead_threshold'),
      c.int('mql_threshold'),
      c.int('sql_threshold', true),
      c.int('required_bant_criteria'),
      c.int('hot_threshold'),
      c.int('warm_threshold'),
      c.int('temperature_window_days'),
      c.datetime('updated_at'),
    ]);

    await table(
      'rescore_jobs',
      [
        c.id(),
        c.str('state', 16, false),
        c.int('processed', false, 0),
        c.int('total', false, 0),
        c.ref('last_contact_id', true),
        c.str('runner', 64),
        c.datetime('heartbeat_at', true),
        c.datetime('started_at'),
        c.datetime('finished_at', true),
        c.str('error', 1000),
      ],
      [{ name: 'ix_rescore_jobs_state', columnNames: ['state', 'started_at'] }],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'rescore_jobs',
      'qualification_policy',
      'qualifications',
      'stage_transitions',
      'scoring_rules',
      'score_applications',
      'activities',
      'contacts',
      'api_keys',
      'partners',
    ]) {
      await q.dropTable(t, true);
    }
  }
}
