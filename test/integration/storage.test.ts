import { statSync } from 'node:fs';
import { startTestApp, type TestApp, TEST_DB } from '../helpers/app';
import { createContact, recordActivities, uniqueEmail } from '../helpers/factories';
import { sleep } from '../helpers/ws';
import { dbDate, indexNames } from '../../src/db/portable';
import { RuleSetVersion1769000000000 } from '../../migrations/1769000000000-RuleSetVersion';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

it('creates the same named indexes on every store', async () => {
  const names = await indexNames(t.app.ds);
  expect(names).toEqual(
    expect.arrayContaining([
      'ix_activities_contact_occurred',
      'ix_contacts_score',
      'ix_score_apps_expiry',
      'ix_transitions_stays',
      'uq_activities_idempotency_key',
      'uq_api_keys_secret_hash',
      'uq_contacts_email',
      'uq_partners_name',
    ]),
  );
  expect(names.every((n) => /^(ix|uq)_/.test(n))).toBe(true);
});

it('round-trips timestamps (UTC, milliseconds) and JSON documents unchanged', async () => {
  const attributes = { plan: 'pro', seats: 12, tags: ['a', 'b'], nested: { ok: true, none: null }, text: 'żółw 🐢' };
  const c = await createContact(t, { attributes });
  const occurredAt = '2024-02-29T23:59:59.999Z';
  await t.ok(
    `mutation($id: ID!, $at: DateTime!, $p: JSONObject) { recordActivity(input: { contactId: $id, type: ` +
      `"page_view", occurredAt: $at, properties: $p }) { id } }`,
    {
      id: c.id,
      at: occurredAt,
      p: attributes,
    },
  );
  const read = await t.ok(
    `query($id: ID!) { contact(id: $id) { attributes createdAt activities { edges { node { occurredAt ` +
      `properties } } } } }`,
    { id: c.id },
  );
  expect(read.contact.attributes).toEqual(attributes);
  expect(read.contact.createdAt).toBe(c.createdAt);
  expect(read.contact.activities.edges[0].node).toEqual({ occurredAt, properties: attributes });
});

it('applies migrations once: a second start on the same database changes nothing', async () => {
  const before = await t.app.ds.query('SELECT COUNT(*) AS n FROM migrations');
  await t.app.ds.runMigrations({ transaction: 'each' });
  const after = await t.app.ds.query('SELECT COUNT(*) AS n FROM migrations');
  expect(Number(after[0].n)).toBe(Number(before[0].n));
});

(TEST_DB === 'sqlite' ? it : it.skip)(
  'copies committed writes from the WAL into the database file in the background (SQLite)',
  async () => {
    const file = t.db.url.slice('sqlite:'.length);
    const before = statSync(file).size;
    // ~1 MiB of pages: far below the main connection's own checkpoint threshold, so only the worker copies them back.
    await recordActivities(
      t,
      Array.from({ length: 1000 }, (_, i) => ({
        contactEmail: uniqueEmail('wal'),
        type: 'page_view',
        properties: { url: `/docs/${i}` },
      })),
    );
    for (let waited = 0; statSync(file).size === before && waited < 5000; waited += 50) await sleep(50);
    expect(statSync(file).size).toBeGreaterThan(before);
  },
);

it('every activity has a stored contact: the migration drops strays, the store refuses new ones', async () => {
  const c = await createContact(t);
  await recordActivities(t, [{ contactId: c.id, type: 'page_view' }]);
  const migration = new RuleSetVersion1769000000000();
  const q = t.app.ds.createQueryRunner();
  try {
    // As the migration runner does (SQLite rebuilds a table to change it).
    await q.beforeMigration();
    await migration.down(q);
    // A stray an earlier version could leave: its contact deleted under it.
    await q.query(
      `INSERT INTO activities (id, contact_id, type, occurred_at, properties, idempotency_key, points, ` +
        `created_at) VALUES (?, ?, 'page_view', ?, NULL, NULL, 0, ?)`,
      [
        '00000000-0000-7000-8000-00000000a0a0',
        '00000000-0000-4000-8000-00000000dead',
        dbDate(Date.now()),
        dbDate(Date.now()),
      ],
    );
    await migration.up(q);
    await q.afterMigration();
  } finally {
    await q.release();
  }
  const strays = await t.app.ds.query(
    `SELECT id FROM activities WHERE contact_id = '00000000-0000-4000-8000-00000000dead'`,
  );
  expect(strays).toEqual([]);
  const kept = await t.ok(`query($id: ID!) { contact(id: $id) { activities { totalCount } } }`, { id: c.id });
  expect(kept.contact.activities.totalCount).toBe(1);
  await expect(
    t.app.ds.query(
      `INSERT INTO activities (id, contact_id, type, occurred_at, properties, idempotency_key, points, ` +
        `created_at) VALUES (?, ?, 'page_view', ?, NULL, NULL, 0, ?)`,
      [
        '00000000-0000-7000-8000-00000000a0a1',
        '00000000-0000-4000-8000-00000000dead',
        dbDate(Date.now()),
        dbDate(Date.now()),
      ],
    ),
  ).rejects.toThrow(/foreign key/i);
});
