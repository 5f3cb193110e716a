import { startTestApp, type TestApp } from '../helpers/app';
import { createContact, createRule, recordActivities, uniqueEmail } from '../helpers/factories';

let t: TestApp;
beforeAll(async () => {
  // The concurrent-batches test queues ~90 transactions for the pool's connections: longer than the default
  // wait, after which a request would be refused as DATABASE_UNAVAILABLE (tested in the fault tests).
  t = await startTestApp({ DB_CONNECT_TIMEOUT_MS: '120000' });
});
afterAll(() => t.stop());

const RECORD =
  `mutation($input: ActivityInput!) { recordActivity(input: $input) { id contactId type occurredAt properties ` +
  `idempotencyKey points createdAt contact { id email stage } } }`;
const BATCH =
  `mutation($inputs: [ActivityInput!]!) { recordActivities(inputs: $inputs) { duplicates activities { id ` +
  `contactId type } transitions { toStage } } }`;

async function activityCount(): Promise<number> {
  return Number((await t.app.ds.query('SELECT COUNT(*) AS n FROM activities'))[0].n);
}

describe('recordActivity', () => {
  it('records for a contact by id with properties and a millisecond UTC time', async () => {
    const c = await createContact(t);
    const occurredAt = '2026-01-02T03:04:05.678Z';
    const res = await t.ok(RECORD, {
      input: { contactId: c.id, type: 'page_view', occurredAt, properties: { url: '/pricing' } },
    });
    expect(res.recordActivity).toMatchObject({
      contactId: c.id,
      type: 'page_view',
      occurredAt,
      properties: { url: '/pricing' },
      points: 0,
      contact: { id: c.id },
    });
  });

  it('accepts an offset time and serialises it in UTC', async () => {
    const c = await createContact(t);
    const res = await t.ok(RECORD, {
      input: { contactId: c.id, type: 'email_open', occurredAt: '2026-03-01T10:00:00.250+02:00' },
    });
    expect(res.recordActivity.occurredAt).toBe('2026-03-01T08:00:00.250Z');
  });

  it('creates a PROSPECT for an unknown email, and reuses it (any case) afterwards', async () => {
    const email = uniqueEmail('new');
    const first = await t.ok(RECORD, { input: { contactEmail: email, type: 'form_submit' } });
    expect(first.recordActivity.contact).toMatchObject({ email, stage: 'PROSPECT' });
    const second = await t.ok(RECORD, { input: { contactEmail: email.toUpperCase(), type: 'form_submit' } });
    expect(second.recordActivity.contactId).toBe(first.recordActivity.contactId);
  });

  it('rejects bad input with the right code and field, recording nothing', async () => {
    const c = await createContact(t);
    const before = await activityCount();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ contactId: '00000000-0000-0000-0000-000000000000', type: 'page_view' }, 'NOT_FOUND', 'input.contactId'],
      [{ type: 'page_view' }, 'BAD_USER_INPUT', 'input.contactId'],
      [{ contactId: c.id, contactEmail: c.email, type: 'page_view' }, 'BAD_USER_INPUT', 'input.contactId'],
      [{ contactId: c.id, type: 'PageView' }, 'BAD_USER_INPUT', 'input.type'],
      [{ contactId: c.id, type: '1abc' }, 'BAD_USER_INPUT', 'input.type'],
      [{ contactId: c.id, type: 'a'.repeat(65) }, 'BAD_USER_INPUT', 'input.type'],
      [
        { contactId: c.id, type: 'page_view', occurredAt: new Date(Date.now() + 6 * 60_000).toISOString() },
        'BAD_USER_INPUT',
        'input.occurredAt',
      ],
      [
        { contactId: c.id, type: 'page_view', properties: { blob: 'x'.repeat(16 * 1024) } },
        'BAD_USER_INPUT',
        'input.properties',
      ],
      [{ contactEmail: 'not-an-email', type: 'page_view' }, 'BAD_USER_INPUT', 'input.contactEmail'],
      [
        { contactId: c.id, type: 'page_view', idempotencyKey: 'k'.repeat(192) },
        'BAD_USER_INPUT',
        'input.idempotencyKey',
      ],
    ];
    for (const [input, code, field] of cases) {
      const res = await t.gql(RECORD, { input });
      expect({ input, ext: res.errors?.[0].extensions }).toMatchObject({ input, ext: { code, field } });
    }
    const badDate = await t.gql(RECORD, { input: { contactId: c.id, type: 'page_view', occurredAt: 'yesterday' } });
    expect(badDate.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await activityCount()).toBe(before);
  });

  it('accepts a time up to 5 minutes ahead', async () => {
    const c = await createContact(t);
    const res = await t.gql(RECORD, {
      input: { contactId: c.id, type: 'page_view', occurredAt: new Date(Date.now() + 4 * 60_000).toISOString() },
    });
    expect(res.errors).toBeUndefined();
  });

  it('returns the first activity for a repeated idempotency key', async () => {
    const c = await createContact(t);
    const key = `idem-${Date.now()}`;
    const a = await t.ok(RECORD, { input: { contactId: c.id, type: 'page_view', idempotencyKey: key } });
    const b = await t.ok(RECORD, { input: { contactId: c.id, type: 'demo_request', idempotencyKey: key } });
    expect(b.recordActivity.id).toBe(a.recordActivity.id);
    expect(b.recordActivity.type).toBe('page_view');
    const page = await t.ok('query($id: ID!) { contact(id: $id) { activities { totalCount } } }', { id: c.id });
    expect(page.contact.activities.totalCount).toBe(1);
  });

  it('lets racing requests with one idempotency key record it once', async () => {
    const c = await createContact(t);
    const key = `race-${Date.now()}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.ok(RECORD, { input: { contactId: c.id, type: 'page_view', idempotencyKey: key } }),
      ),
    );
    expect(new Set(results.map((r) => r.recordActivity.id)).size).toBe(1);
    const rows = await t.app.ds.query('SELECT COUNT(*) AS n FROM activities WHERE idempotency_key = ?', [key]);
    expect(Number(rows[0].n)).toBe(1);
  });
});

describe('recordActivities', () => {
  it('records a batch in input order, deduplicating keys inside the batch', async () => {
    const c = await createContact(t);
    const email = uniqueEmail('batch');
    const res = await recordActivities(t, [
      { contactId: c.id, type: 'page_view', idempotencyKey: 'b-1' },
      { contactEmail: email, type: 'email_open' },
      { contactId: c.id, type: 'email_click', idempotencyKey: 'b-1' },
    ]);
    expect(res.duplicates).toBe(1);
    expect(res.activities.map((a: any) => a.type)).toEqual(['page_view', 'email_open', 'page_view']);
    expect(res.activities[2].id).toBe(res.activities[0].id);
    const again = await recordActivities(t, [{ contactId: c.id, type: 'page_view', idempotencyKey: 'b-1' }]);
    expect(again.duplicates).toBe(1);
    expect(again.activities[0].id).toBe(res.activities[0].id);
  });

  it('is all or nothing: one bad input records none and names its index', async () => {
    const c = await createContact(t);
    const before = await activityCount();
    const newEmail = uniqueEmail('never');
    const inputs = [
      { contactId: c.id, type: 'page_view', idempotencyKey: `aon-${Date.now()}` },
      { contactEmail: newEmail, type: 'page_view' },
      { contactId: c.id, type: 'Bad Type' },
    ];
    const res = await t.gql(BATCH, { inputs });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs[2].type', index: 2 });
    const missing = await t.gql(BATCH, {
      inputs: [inputs[0], inputs[1], { contactId: 'missing-id', type: 'page_view' }],
    });
    expect(missing.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', index: 2 });
    expect(await activityCount()).toBe(before);
    expect(
      (await t.ok('query($e: String!) { contactByEmail(email: $e) { id } }', { e: newEmail })).contactByEmail,
    ).toBeNull();
  });

  it('records batches naming contacts by id only (foreign key): order, keys, properties, all or nothing', async () => {
    const [a, b] = [await createContact(t), await createContact(t)];
    // A first batch without behaviour rules: the next ones take the path that builds their rows early.
    await recordActivities(t, [{ contactId: a.id, type: 'page_view' }]);
    const key = `ids-${Date.now()}`;
    // Quotes, backslashes, question marks and non-ASCII survive the statement bound ahead of sending.
    const properties = {
      url: '/pricing?plan=pro&x=?',
      note: "it's a \\ back\\slash; -- not a comment",
      name: 'Zoë 漢字 🚀',
      n: 1.5,
    };
    const res = await recordActivities(t, [
      { contactId: a.id, type: 'page_view', idempotencyKey: key, properties },
      { contactId: b.id, type: 'email_open' },
      { contactId: a.id, type: 'email_click', idempotencyKey: key },
      { contactId: b.id, type: 'form_submit', occurredAt: '2026-02-03T04:05:06.007Z' },
    ]);
    expect(res.duplicates).toBe(1);
    expect(res.activities.map((x: any) => [x.contactId, x.type])).toEqual([
      [a.id, 'page_view'],
      [b.id, 'email_open'],
      [a.id, 'page_view'],
      [b.id, 'form_submit'],
    ]);
    expect(res.activities[2].id).toBe(res.activities[0].id);
    expect(res.activities[3].occurredAt).toBe('2026-02-03T04:05:06.007Z');
    const stored = await t.ok(
      `query($id: ID!) { contact(id: $id) { activities(first: 5) { edges { node { id type properties ` +
        `idempotencyKey } } } } }`,
      { id: a.id },
    );
    expect(stored.contact.activities.edges.find((e: any) => e.node.id === res.activities[0].id).node).toMatchObject({
      type: 'page_view',
      properties,
      idempotencyKey: key,
    });

    const before = await activityCount();
    const missing = await t.gql(BATCH, {
      inputs: [
        { contactId: a.id, type: 'page_view' },
        { contactId: '00000000-0000-0000-0000-000000000000', type: 'page_view' },
        { contactId: b.id, type: 'page_view' },
      ],
    });
    expect(missing.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'inputs[1].contactId', index: 1 });
    expect(await activityCount()).toBe(before);
  });

  it('takes 1..1000 inputs', async () => {
    const empty = await t.gql(BATCH, { inputs: [] });
    expect(empty.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs' });
    const c = await createContact(t);
    const tooMany = await t.gql(BATCH, {
      inputs: Array.from({ length: 1001 }, () => ({ contactId: c.id, type: 'page_view' })),
    });
    expect(tooMany.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs' });
    const full = await recordActivities(
      t,
      Array.from({ length: 1000 }, (_, i) => ({
        contactId: c.id,
        type: 'page_view',
        occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      })),
    );
    expect(full.activities).toHaveLength(1000);
  });

  it('writes a batch in one transaction of multi-row statements (count independent of batch size)', async () => {
    const contacts = [await createContact(t), await createContact(t)];
    const run = async (n: number) =>
      (
        await t.gql(BATCH, {
          inputs: Array.from({ length: n }, (_, i) => ({ contactId: contacts[i % 2].id, type: 'page_view' })),
        })
      ).sql;
    const small = await run(10);
    const large = await run(400);
    expect(small).toBeGreaterThan(0);
    expect(large).toBe(small);
  });

  it('records ~90 concurrent batches on shared contacts once each: exact scores, one promotion per stage', async () => {
    // A type of its own keeps these rules from scoring the other tests' activities; the cap never binds but
    // makes backdated activities recompute their contact, the path that rewrites stored rows.
    await createRule(t, { name: 'Race signup', kind: 'BEHAVIOR', activityType: 'race_signup', points: 3 });
    await createRule(t, {
      name: 'Race signup (capped)',
      kind: 'BEHAVIOR',
      activityType: 'race_signup',
      points: 1,
      maxApplications: 1000,
    });
    await t.app.services.rescore.idle();
    const contacts = await Promise.all(Array.from({ length: 40 }, () => createContact(t)));
    const newEmails = Array.from({ length: 8 }, () => uniqueEmail('race'));
    const start = Date.now() - 3 * 86_400_000;
    let n = 0;
    const batches = Array.from({ length: 90 }, (_, b) =>
      [
        ...Array.from({ length: 24 }, (_, i) => ({ contactId: contacts[(b * 7 + i * 13) % contacts.length].id })),
        { contactEmail: newEmails[b % newEmails.length] },
        { contactEmail: contacts[b % contacts.length].email.toUpperCase() },
      ].map((who) => ({
        ...who,
        type: 'race_signup',
        occurredAt: new Date(start + ((n++ * 7919) % 200_000) * 1000).toISOString(),
      })),
    );
    const results = await Promise.all(batches.map((inputs) => t.gql(BATCH, { inputs })));
    expect(results.filter((r) => r.errors)).toEqual([]);

    const expected = new Map<string, number>();
    for (const inputs of batches) {
      for (const a of inputs as { contactId?: string; contactEmail?: string }[]) {
        const who = a.contactId ?? a.contactEmail!.toLowerCase();
        expected.set(who, (expected.get(who) ?? 0) + 1);
      }
    }
    const q =
      `query($e: String!) { contactByEmail(email: $e) { id score engagementScore stage activities(first: 1) { ` +
      `totalCount } transitions { toStage } } }`;
    for (const email of [...contacts.map((c) => c.email), ...newEmails]) {
      const c = (await t.ok(q, { e: email })).contactByEmail;
      const count = (expected.get(email) ?? 0) + (expected.get(c.id) ?? 0);
      expect({
        email,
        count: c.activities.totalCount,
        score: c.engagementScore,
        stages: c.transitions.map((tr: any) => tr.toStage),
      }).toEqual({ email, count, score: 4 * count, stages: 4 * count >= 50 ? ['LEAD', 'MQL'] : ['LEAD'] });
    }
  });
});

describe('Contact.activities', () => {
  it('pages newest first with cursors and filters by type', async () => {
    const c = await createContact(t);
    const base = Date.UTC(2026, 4, 1);
    await recordActivities(
      t,
      Array.from({ length: 5 }, (_, i) => ({
        contactId: c.id,
        type: i % 2 ? 'email_open' : 'page_view',
        occurredAt: new Date(base + i * 60_000).toISOString(),
      })),
    );
    const q =
      `query($id: ID!, $after: String, $type: String) { contact(id: $id) { activities(first: 2, after: $after, ` +
      `type: $type) { totalCount pageInfo { hasNextPage endCursor } edges { node { occurredAt type } } } } }`;
    const p1 = (await t.ok(q, { id: c.id })).contact.activities;
    expect(p1.totalCount).toBe(5);
    expect(p1.edges.map((e: any) => e.node.occurredAt)).toEqual([
      new Date(base + 4 * 60_000).toISOString(),
      new Date(base + 3 * 60_000).toISOString(),
    ]);
    const p2 = (await t.ok(q, { id: c.id, after: p1.pageInfo.endCursor })).contact.activities;
    expect(p2.edges.map((e: any) => e.node.occurredAt)).toEqual([
      new Date(base + 2 * 60_000).toISOString(),
      new Date(base + 60_000).toISOString(),
    ]);
    const p3 = (await t.ok(q, { id: c.id, after: p2.pageInfo.endCursor })).contact.activities;
    expect(p3.edges).toHaveLength(1);
    expect(p3.pageInfo.hasNextPage).toBe(false);
    const opens = (await t.ok(q, { id: c.id, type: 'email_open' })).contact.activities;
    expect(opens.totalCount).toBe(2);
  });
});
