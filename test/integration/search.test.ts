/**
 * The search prefix on its own in the default order (issue 18, op (e)): answered from the four search indexes
 * (migration 1775300000000), it returns the same contacts, order, cursors and totalCount as the general list, in a
 * fixed number of statements, and each contact once even when its email and names all match.
 */
import { startTestApp, type TestApp, TEST_DB } from '../helpers/app';
import { createContact, createKey, createPartner } from '../helpers/factories';

let t: TestApp;
const run = Date.now().toString(36).slice(-5);
const P = `zq${run}`;

const Q =
  `query($first: Int!, $after: String, $filter: ContactFilter, $orderBy: ContactOrder) { contacts(first: $first, ` +
  `after: $after, filter: $filter, orderBy: $orderBy) { totalCount edges { cursor node { id email } } pageInfo { ` +
  `hasNextPage endCursor } } }`;

beforeAll(async () => {
  t = await startTestApp();
  const partner = await createPartner(t);
  for (let i = 0; i < 30; i++) {
    // Matches by email, by first name, by last name, by company, by several at once, or not at all.
    const hit = i % 6;
    await createContact(t, {
      email: hit === 0 || hit === 4 ? `${P}.${i}@example.com` : `other.${run}.${i}@example.com`,
      firstName: hit === 1 || hit === 4 ? `${P.toUpperCase()}ina` : 'Grace',
      lastName: hit === 2 || hit === 4 ? `${P}son` : 'Hopper',
      company: hit === 3 ? `${P} Ltd` : null,
      partnerId: i % 2 ? partner.id : null,
    });
  }
}, 120_000);
afterAll(() => t.stop());

/** Every page of a list, first `first` at a time, with the statements each page took. */
async function pages(variables: Record<string, unknown>, first: number, key?: string) {
  const edges: { cursor: string; node: { id: string } }[] = [];
  const counts: number[] = [];
  const statements: number[] = [];
  let after: string | null = null;
  for (;;) {
    const res: any = await t.gql(Q, { ...variables, first, after }, key);
    expect(res.errors).toBeUndefined();
    const page: any = res.data.contacts;
    edges.push(...page.edges);
    counts.push(page.totalCount);
    statements.push(res.sql);
    if (!page.pageInfo.hasNextPage) return { edges, counts, statements };
    after = page.pageInfo.endCursor;
  }
}

describe('search prefix alone, newest first', () => {
  it.each(['DESC', 'ASC'])('pages like the general list (%s): same contacts, order and cursors', async (direction) => {
    const orderBy = { field: 'CREATED_AT', direction };
    const plain = await pages({ filter: { search: P.toUpperCase() }, orderBy }, 4);
    // A filter that keeps every contact takes the general list's path (the OR of the four ranges).
    const general = await pages({ filter: { search: P, minScore: -1_000_000 }, orderBy }, 4);
    const expected: { id: string }[] = await t.app.ds.query(
      `SELECT id FROM contacts WHERE email LIKE ? OR first_name_key LIKE ? OR last_name_key LIKE ? OR sort_company ` +
        `LIKE ? ORDER BY created_at ${direction}, id ${direction}`,
      [`${P}%`, `${P}%`, `${P}%`, `${P}%`],
    );
    expect(expected).toHaveLength(25);
    expect(plain.edges.map((e) => e.node.id)).toEqual(expected.map((r) => r.id));
    expect(plain.edges).toEqual(general.edges);
    expect(new Set(plain.counts)).toEqual(new Set([25]));
    expect(new Set(general.counts)).toEqual(new Set([25]));
  });

  it('takes two statements with totalCount and one without, whatever the page size', async () => {
    const filter = { search: P };
    const small = await t.gql(Q, { first: 2, filter });
    const large = await t.gql(Q, { first: 25, filter });
    expect(small.data.contacts.edges).toHaveLength(2);
    expect(large.data.contacts.edges).toHaveLength(25);
    expect(large.sql).toBe(small.sql);
    const bare = await t.gql(
      `query($filter: ContactFilter) { contacts(first: 25, filter: $filter) { edges { node { id } } } }`,
      {
        filter,
      },
    );
    expect(bare.data.contacts.edges).toHaveLength(25);
    expect(large.sql - bare.sql).toBe(1);
  });

  it('keeps a PARTNER key to its own contacts', async () => {
    const [partner] = await t.app.ds.query('SELECT id FROM partners LIMIT 1');
    const key = await createKey(t, 'PARTNER', partner.id);
    const mine = await pages({ filter: { search: P } }, 5, key);
    const expected = await t.app.ds.query(
      `SELECT COUNT(*) AS n FROM contacts WHERE partner_id = ? AND (email LIKE ? OR first_name_key LIKE ? OR ` +
        `last_name_key LIKE ? OR sort_company LIKE ?)`,
      [partner.id, `${P}%`, `${P}%`, `${P}%`, `${P}%`],
    );
    expect(mine.edges).toHaveLength(Number(expected[0].n));
    expect(mine.edges.length).toBeGreaterThan(0);
    expect(mine.counts[0]).toBe(mine.edges.length);
  });

  it('refuses a foreign cursor and an overlong prefix with BAD_USER_INPUT', async () => {
    const cursor = Buffer.from(JSON.stringify(['x', 'y'])).toString('base64url');
    const bad = await t.gql(Q, { first: 2, after: cursor, filter: { search: P } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const long = await t.gql(Q, { first: 2, filter: { search: 'a'.repeat(192) } });
    expect(long.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('search indexes', () => {
  const sqliteOnly = TEST_DB === 'sqlite' ? it : it.skip;
  // SQLite plans by its rules alone (no statistics): what it picks here it picks at a million rows.
  sqliteOnly('answer each column of the search from its index alone', async () => {
    const plan = await t.app.ds.query(
      'EXPLAIN QUERY PLAN ' +
        ['email', 'first_name_key', 'last_name_key', 'sort_company']
          .map((c) => `SELECT id, created_at FROM contacts WHERE (${c} >= 'ada' AND ${c} < 'adb')`)
          .join(' UNION '),
    );
    const text = plan.map((p: { detail: string }) => p.detail).join(' | ');
    for (const ix of ['email', 'first_name', 'last_name', 'company'])
      expect(text).toContain(`USING COVERING INDEX ix_contacts_${ix}_search`);
  });
});
