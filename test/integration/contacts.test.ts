import { startTestApp, type TestApp } from '../helpers/app';
import { CONTACT_FIELDS, createContact, uniqueEmail } from '../helpers/factories';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

const LIST = `query($filter: ContactFilter, $orderBy: ContactOrder, $first: Int, $after: String) {
  contacts(filter: $filter, orderBy: $orderBy, first: $first, after: $after) { totalCount pageInfo { hasNextPage
    endCursor } edges { cursor node { id email score } } }
}`;

describe('createContact', () => {
  it('creates a PROSPECT with zero scores and a lower-cased email', async () => {
    const email = uniqueEmail('Mixed.Case').replace('acme', 'ACME');
    const c = await createContact(t, { email, firstName: ' Ada ', companySize: 250, attributes: { plan: 'pro' } });
    expect(c).toMatchObject({
      email: email.toLowerCase(),
      firstName: 'Ada',
      stage: 'PROSPECT',
      score: 0,
      fitScore: 0,
      engagementScore: 0,
      temperature: 'COLD',
      companySize: 250,
      attributes: { plan: 'pro' },
    });
    expect(new Date(c.createdAt).toISOString()).toBe(c.createdAt);
    const again = await t.ok(`query($id: ID!) { contact(id: $id) { id transitions { toStage } } }`, { id: c.id });
    expect(again.contact).toEqual({ id: c.id, transitions: [] });
  });

  it('rejects a second contact with the same email in any case as CONFLICT and keeps one', async () => {
    const email = uniqueEmail();
    await createContact(t, { email });
    const res = await t.gql(`mutation($e: String!) { createContact(input: { email: $e }) { id } }`, {
      e: email.toUpperCase(),
    });
    expect(res.errors?.[0].extensions?.code).toBe('CONFLICT');
    const list = await t.ok(LIST, { filter: { search: email } });
    expect(list.contacts.totalCount).toBe(1);
  });

  it.each(['not-an-email', 'a@b', '@acme.com', 'x y@acme.com', `${'a'.repeat(190)}@acme.com`])(
    'rejects invalid email %p with BAD_USER_INPUT naming the field',
    async (email) => {
      const res = await t.gql(`mutation($e: String!) { createContact(input: { email: $e }) { id } }`, { e: email });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.email' });
    },
  );

  it('rejects a wrong variable type with BAD_USER_INPUT', async () => {
    const res = await t.gql(
      `mutation($s: Int) { createContact(input: { email: "x@acme.com", companySize: $s }) { id } }`,
      { s: 'many' },
    );
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('rejects an unknown partnerId', async () => {
    const res = await t.gql(
      `mutation { createContact(input: { email: "${uniqueEmail()}", partnerId: "nope" }) { id } }`,
    );
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.partnerId' });
  });
});

describe('updateContact / deleteContact / reads', () => {
  it('updates given fields only and bumps updatedAt', async () => {
    const c = await createContact(t, { firstName: 'Grace', company: 'Navy' });
    const res = await t.ok(
      `mutation($id: ID!) { updateContact(id: $id, input: { jobTitle: "CTO", company: null }) { ${CONTACT_FIELDS} } }`,
      { id: c.id },
    );
    expect(res.updateContact).toMatchObject({ firstName: 'Grace', jobTitle: 'CTO', company: null });
    expect(Date.parse(res.updateContact.updatedAt)).toBeGreaterThanOrEqual(Date.parse(c.updatedAt));
  });

  it('is NOT_FOUND for an unknown id and CONFLICT when taking another email', async () => {
    const missing = await t.gql(
      `mutation { updateContact(id: "00000000-0000-0000-0000-000000000000", input: { firstName: "x" }) { id } }`,
    );
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const a = await createContact(t);
    const b = await createContact(t);
    const clash = await t.gql(
      `mutation($id: ID!, $e: String!) { updateContact(id: $id, input: { email: $e }) { id } }`,
      { id: b.id, e: a.email },
    );
    expect(clash.errors?.[0].extensions?.code).toBe('CONFLICT');
    const still = await t.ok(`query($id: ID!) { contact(id: $id) { email } }`, { id: b.id });
    expect(still.contact.email).toBe(b.email);
  });

  it('finds by email in any case and deletes the contact with its activities', async () => {
    const c = await createContact(t);
    await t.ok(`mutation($id: ID!) { recordActivity(input: { contactId: $id, type: "page_view" }) { id } }`, {
      id: c.id,
    });
    const found = await t.ok(`query($e: String!) { contactByEmail(email: $e) { id activities { totalCount } } }`, {
      e: c.email.toUpperCase(),
    });
    expect(found.contactByEmail).toEqual({ id: c.id, activities: { totalCount: 1 } });
    expect((await t.ok(`mutation($id: ID!) { deleteContact(id: $id) }`, { id: c.id })).deleteContact).toBe(true);
    expect((await t.ok(`query($id: ID!) { contact(id: $id) { id } }`, { id: c.id })).contact).toBeNull();
    const rows = await t.app.ds.query('SELECT COUNT(*) AS n FROM activities WHERE contact_id = ?', [c.id]);
    expect(Number(rows[0].n)).toBe(0);
    const again = await t.gql(`mutation($id: ID!) { deleteContact(id: $id) }`, { id: c.id });
    expect(again.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('contacts list', () => {
  const tag = `lst${Date.now().toString(36)}`;
  let ids: string[] = [];
  beforeAll(async () => {
    ids = [];
    for (let i = 0; i < 7; i++) {
      const c = await createContact(t, {
        email: `${tag}.${i}@acme-corp.com`,
        source: i % 2 ? 'webinar' : 'organic',
        ownerId: i < 3 ? 'owner-a' : 'owner-b',
        company: i === 5 ? 'Zebra Labs' : 'Acme',
        lastName: i === 6 ? 'Zulu' : 'Smith',
      });
      ids.push(c.id);
    }
  });

  it('filters by source, owner, search prefix (case-insensitive) and dates, with totalCount', async () => {
    const bySource = await t.ok(LIST, { filter: { search: tag, source: 'webinar' }, first: 100 });
    expect(bySource.contacts.totalCount).toBe(3);
    const byOwner = await t.ok(LIST, { filter: { search: tag, ownerId: 'owner-a' } });
    expect(byOwner.contacts.totalCount).toBe(3);
    const byCompany = await t.ok(LIST, { filter: { search: 'zEbRa' } });
    expect(byCompany.contacts.edges.map((e: any) => e.node.id)).toEqual([ids[5]]);
    const byLast = await t.ok(LIST, { filter: { search: 'zul' } });
    expect(byLast.contacts.edges.map((e: any) => e.node.id)).toEqual([ids[6]]);
    const future = await t.ok(LIST, {
      filter: { search: tag, createdAfter: new Date(Date.now() + 60_000).toISOString() },
    });
    expect(future.contacts.totalCount).toBe(0);
    const past = await t.ok(LIST, {
      filter: { search: tag, createdBefore: new Date(Date.now() + 60_000).toISOString() },
    });
    expect(past.contacts.totalCount).toBe(7);
    const stages = await t.ok(LIST, { filter: { search: tag, stages: ['MQL'] } });
    expect(stages.contacts.totalCount).toBe(0);
    const scores = await t.ok(LIST, { filter: { search: tag, minScore: 0, maxScore: 0, temperatures: ['COLD'] } });
    expect(scores.contacts.totalCount).toBe(7);
    const hot = await t.ok(LIST, { filter: { search: tag, temperatures: ['HOT', 'WARM'] } });
    expect(hot.contacts.totalCount).toBe(0);
  });

  it('counts matches only when totalCount is asked (a statement less without, also @include(if: false))', async () => {
    const rows =
      `query($f: ContactFilter, $count: Boolean!) { contacts(filter: $f, first: 3) { totalCount @include(if: ` +
      `$count) edges { node { id } } } }`;
    const plain = `query($f: ContactFilter) { contacts(filter: $f, first: 3) { edges { node { id } } } }`;
    const viaFragment =
      `query($f: ContactFilter) { contacts(filter: $f, first: 3) { ...C } } fragment C on ContactConnection { ` +
      `totalCount edges { node { id } } }`;
    const f = { search: tag };
    const counted = await t.gql(rows, { f, count: true });
    const skipped = await t.gql(rows, { f, count: false });
    const without = await t.gql(plain, { f });
    const fragment = await t.gql(viaFragment, { f });
    expect(counted.data.contacts.totalCount).toBe(7);
    expect(fragment.data.contacts.totalCount).toBe(7);
    expect(skipped.data.contacts).toEqual({ edges: counted.data.contacts.edges });
    expect(without.data.contacts.edges).toEqual(counted.data.contacts.edges);
    expect(skipped.sql).toBe(counted.sql - 1);
    expect(without.sql).toBe(counted.sql - 1);
    expect(fragment.sql).toBe(counted.sql);
  });

  it('pages through equal sort keys with stable cursors: every contact once', async () => {
    for (const direction of ['ASC', 'DESC']) {
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 10; page++) {
        const res: any = await t.ok(LIST, {
          filter: { search: tag },
          orderBy: { field: 'SCORE', direction },
          first: 2,
          after,
        });
        seen.push(...res.contacts.edges.map((e: any) => e.node.id));
        expect(res.contacts.totalCount).toBe(7);
        if (!res.contacts.pageInfo.hasNextPage) break;
        after = res.contacts.pageInfo.endCursor;
      }
      expect(seen.sort()).toEqual([...ids].sort());
    }
  });

  it('orders by createdAt both ways', async () => {
    const asc = await t.ok(LIST, {
      filter: { search: tag },
      orderBy: { field: 'CREATED_AT', direction: 'ASC' },
      first: 10,
    });
    const desc = await t.ok(LIST, {
      filter: { search: tag },
      orderBy: { field: 'CREATED_AT', direction: 'DESC' },
      first: 10,
    });
    expect(asc.contacts.edges.map((e: any) => e.node.id)).toEqual(
      desc.contacts.edges.map((e: any) => e.node.id).reverse(),
    );
    expect(asc.contacts.edges[0].node.id).toBe(ids[0]);
  });

  it('rejects a malformed cursor and a page size over the cap with BAD_USER_INPUT', async () => {
    const bad = await t.gql(LIST, { after: 'garbage' });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const big = await t.gql(LIST, { first: 501 });
    expect(big.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const neg = await t.gql(LIST, { first: -1 });
    expect(neg.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
