/**
 * Reads at scale (issue 18): statements per request constant in the page
 * size for a contacts list with every nested list and for a contact page,
 * totalCount counted only when selected, keyset paging over every order, and
 * a PARTNER key's lookups within its partner.
 */
import { startTestApp, type TestApp, TEST_DB } from '../helpers/app';
import { prefixRange } from '../../src/db/portable';
import { createContact, createKey, createPartner, createRule, recordActivities } from '../helpers/factories';

let t: TestApp;
let big: string[];
let small: string[];
let busy: string;
let partners: { id: string; key: string; contacts: { id: string; email: string }[] }[];
const run = Date.now().toString(36);

const LAST_NAMES = ['Lovelace', 'turing', null, 'Hopper', 'Ada'];

/**
 * Contacts of one source; the i-th gets i % 3 page views (scores 0, 30, 60: many ties), some names and companies left
 * out.
 */
async function seed(source: string, n: number, partnerOf: (i: number) => string | null): Promise<string[]> {
  const ids: string[] = [];
  const views: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const c = await createContact(t, {
      source,
      firstName: i % 5 === 0 ? null : `Ada${i % 7}`,
      lastName: LAST_NAMES[i % LAST_NAMES.length],
      company: i % 4 === 0 ? null : `Co${i % 6}`,
      partnerId: partnerOf(i),
    });
    ids.push(c.id);
    for (let k = 0; k < i % 3; k++) views.push({ contactId: c.id, type: 'page_view' });
  }
  for (let i = 0; i < views.length; i += 100) await recordActivities(t, views.slice(i, i + 100));
  return ids;
}

beforeAll(async () => {
  t = await startTestApp();
  await createRule(t, { name: 'views', kind: 'BEHAVIOR', activityType: 'page_view', points: 30 });
  partners = [];
  for (const n of [0, 1]) {
    const p = await createPartner(t, `Reads partner ${n} ${run}`);
    partners.push({ id: p.id, key: await createKey(t, 'PARTNER', p.id), contacts: [] });
  }
  big = await seed(`big-${run}`, 200, (i) => (i % 10 === 0 ? partners[0].id : i % 10 === 1 ? partners[1].id : null));
  small = await seed(`small-${run}`, 10, (i) => (i % 2 === 0 ? partners[0].id : null));
  busy = big[0];
  const at = (i: number) => new Date(Date.now() - (i + 1) * 60_000).toISOString();
  await recordActivities(
    t,
    Array.from({ length: 30 }, (_, i) => ({
      contactId: busy,
      type: i % 2 ? 'page_view' : 'email_open',
      occurredAt: at(i),
    })),
  );
  await t.ok(
    `mutation($id: ID!) { qualifyContact(id: $id, input: { budget: true, authority: true, need: false, ` +
      `timeline: false }) { id } }`,
    { id: big[5] },
  );
  for (const p of partners) {
    const rows = await t.app.ds.query('SELECT id, email FROM contacts WHERE partner_id = ?', [p.id]);
    p.contacts = rows.map((r: { id: string; email: string }) => ({ id: r.id, email: r.email }));
  }
}, 120_000);
afterAll(() => t.stop());

const NESTED: Record<string, string> = {
  activities: 'activities(first: 3) { edges { cursor node { id type occurredAt } } pageInfo { hasNextPage } }',
  transitions: 'transitions { toStage occurredAt }',
  scoreBreakdown: 'scoreBreakdown { ruleName points }',
  qualification: 'qualification { budget authority }',
  partner: 'partner { name }',
  owner: 'owner { name }',
  temperature: 'temperature',
};

const list = (fields: string) => `query($source: String, $first: Int) {
  contacts(first: $first, filter: { source: $source }, orderBy: { field: SCORE, direction: DESC }) {
    edges { node { id score ${fields} } } } }`;

describe('statements per request', () => {
  it('are the same for a list of 10 and of 200 contacts with every nested list selected', async () => {
    const all = Object.values(NESTED).join(' ');
    // The first breakdown after a rule change also reads the FIT rules (once per rule-set version).
    await t.gql(list(all), { source: `small-${run}`, first: 1 });
    const ten = await t.gql(list(all), { source: `small-${run}`, first: 200 });
    const many = await t.gql(list(all), { source: `big-${run}`, first: 200 });
    expect(ten.errors).toBeUndefined();
    expect(many.errors).toBeUndefined();
    expect(ten.data.contacts.edges).toHaveLength(10);
    expect(many.data.contacts.edges).toHaveLength(200);
    // The relations are really there: 2 views (60 points) make an MQL with a 60-point breakdown and 2 activities.
    const mql = many.data.contacts.edges.find((e: any) => e.node.id === big[2]).node;
    expect(mql.transitions.map((x: any) => x.toStage)).toEqual(['LEAD', 'MQL']);
    expect(mql.scoreBreakdown).toEqual([{ ruleName: 'views', points: 60 }]);
    expect(mql.activities.edges).toHaveLength(2);
    expect(many.data.contacts.edges.find((e: any) => e.node.id === big[5]).node.qualification).toEqual({
      budget: true,
      authority: true,
    });
    expect(many.data.contacts.edges.filter((e: any) => e.node.partner).length).toBe(40);
    expect(ten.sql).toBeGreaterThan(0);
    expect(many.sql).toBe(ten.sql);
  });

  it.each(['activities', 'transitions', 'qualification', 'partner', 'scoreBreakdown'])(
    'add one statement for %s, whatever the page size',
    async (field) => {
      // The breakdown reads the FIT rules once per rule-set version: warm that first.
      await t.gql(list(NESTED[field]), { source: `small-${run}`, first: 1 });
      for (const [source, first] of [
        [`small-${run}`, 10],
        [`big-${run}`, 200],
      ] as const) {
        const bare = await t.gql(list(''), { source, first });
        const nested = await t.gql(list(NESTED[field]), { source, first });
        expect(nested.errors).toBeUndefined();
        expect(nested.sql - bare.sql).toBe(1);
      }
    },
  );

  it('are the same for a contact page with 2 and with 30 activities', async () => {
    const PAGE = `query($id: ID!) { contact(id: $id) { id email firstName lastName company stage score temperature
      activities(first: 20) { totalCount edges { node { id type occurredAt points } } pageInfo { hasNextPage
        endCursor } }
      transitions { fromStage toStage trigger occurredAt } scoreBreakdown { ruleName points } qualification {
        budget } } }`;
    const quiet = await t.gql(PAGE, { id: big[2] });
    const loud = await t.gql(PAGE, { id: busy });
    expect(quiet.errors).toBeUndefined();
    expect(loud.errors).toBeUndefined();
    expect(quiet.data.contact.activities.totalCount).toBe(2);
    expect(loud.data.contact.activities.totalCount).toBe(30);
    expect(loud.data.contact.activities.edges).toHaveLength(20);
    expect(loud.data.contact.activities.pageInfo.hasNextPage).toBe(true);
    expect(loud.sql).toBe(quiet.sql);
  });
});

describe('totalCount', () => {
  const COUNTED =
    `query($source: String) { contacts(first: 5, filter: { source: $source }) { totalCount edges { node { id } ` +
    `} } }`;
  const UNCOUNTED =
    'query($source: String) { contacts(first: 5, filter: { source: $source }) { edges { node { id } } } }';

  it('costs a statement only when selected', async () => {
    const counted = await t.gql(COUNTED, { source: `big-${run}` });
    const uncounted = await t.gql(UNCOUNTED, { source: `big-${run}` });
    expect(counted.data.contacts.totalCount).toBe(200);
    expect(uncounted.data.contacts.edges).toEqual(counted.data.contacts.edges);
    expect(counted.sql - uncounted.sql).toBe(1);
  });

  it("of a contact's activities counts them all, before and after a cursor", async () => {
    const Q =
      `query($id: ID!, $after: String) { contact(id: $id) { activities(first: 20, after: $after) { totalCount ` +
      `edges { node { id } } pageInfo { endCursor } } } }`;
    const first = (await t.ok(Q, { id: busy })).contact.activities;
    const rest = (await t.ok(Q, { id: busy, after: first.pageInfo.endCursor })).contact.activities;
    expect([first.totalCount, rest.totalCount]).toEqual([30, 30]);
    expect(rest.edges).toHaveLength(10);
    const beyond = (await t.ok(Q, { id: busy, after: rest.pageInfo.endCursor })).contact.activities;
    expect(beyond).toEqual({ totalCount: 30, edges: [], pageInfo: { endCursor: null } });
    const ids = [...first.edges, ...rest.edges].map((e: any) => e.node.id);
    expect(new Set(ids).size).toBe(30);
  });
});

const FIELDS = ['SCORE', 'CREATED_AT', 'UPDATED_AT', 'STAGE_CHANGED_AT', 'NAME', 'COMPANY', 'EMAIL', 'LAST_ACTIVITY'];
const PAGED = `query($source: String, $orderBy: ContactOrder, $first: Int, $after: String) {
  contacts(first: $first, after: $after, orderBy: $orderBy, filter: { source: $source }) {
    edges { node { id } } pageInfo { hasNextPage endCursor } } }`;

describe('keyset paging', () => {
  it.each(FIELDS.flatMap((f) => [[f, 'ASC'] as const, [f, 'DESC'] as const]))(
    'over %s %s returns every contact exactly once, in the order of one big page',
    async (field, direction) => {
      const vars = { source: `big-${run}`, orderBy: { field, direction } };
      const whole = (await t.ok(PAGED, { ...vars, first: 200 })).contacts.edges.map((e: any) => e.node.id);
      const paged: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 20; pages++) {
        const page: any = (await t.ok(PAGED, { ...vars, first: 37, after })).contacts;
        paged.push(...page.edges.map((e: any) => e.node.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(paged).toEqual(whole);
      expect([...paged].sort()).toEqual([...big].sort());
    },
  );
});

describe('search prefix', () => {
  it('matches the start of a first name, last name, company or email, ignoring case, wildcards literally', async () => {
    const Q =
      `query($search: String) { contacts(first: 500, filter: { search: $search }) { totalCount edges { node { ` +
      `id firstName lastName company email } } } }`;
    const starts = (s: string | null, p: string) => s !== null && s.toLowerCase().startsWith(p);
    for (const search of ['ADA3', 'lovel', 'co5', 'hopper', '%', 'ada']) {
      const res = (await t.ok(Q, { search })).contacts;
      const p = search.toLowerCase();
      for (const e of res.edges)
        expect([e.node.firstName, e.node.lastName, e.node.company, e.node.email].some((s) => starts(s, p))).toBe(true);
      const expected = await t.app.ds.query(
        `SELECT COUNT(*) AS n FROM contacts WHERE LOWER(first_name) LIKE ? OR LOWER(last_name) LIKE ? OR ` +
          `LOWER(company) LIKE ? OR email LIKE ?`,
        [`${p}%`, `${p}%`, `${p}%`, `${p}%`],
      );
      expect(res.totalCount).toBe(search === '%' ? 0 : Number(expected[0].n));
      expect(res.edges).toHaveLength(res.totalCount);
    }
  });
});

describe('a PARTNER key', () => {
  it("finds its own contacts by email and nobody else's", async () => {
    const Q = `query($email: String!) { contactByEmail(email: $email) { id partnerId } }`;
    const [mine, theirs] = partners;
    const own = mine.contacts[0];
    expect((await t.ok(Q, { email: own.email.toUpperCase() }, mine.key)).contactByEmail).toEqual({
      id: own.id,
      partnerId: mine.id,
    });
    expect((await t.ok(Q, { email: theirs.contacts[0].email }, mine.key)).contactByEmail).toBeNull();
    const [unreferred] = await t.app.ds.query('SELECT email FROM contacts WHERE partner_id IS NULL LIMIT 1');
    expect((await t.ok(Q, { email: unreferred.email }, mine.key)).contactByEmail).toBeNull();
    // The ADMIN key finds any of them.
    expect((await t.ok(Q, { email: theirs.contacts[0].email })).contactByEmail.id).toBe(theirs.contacts[0].id);
  });

  it('lists only its own contacts, whatever the order and filter it asks for', async () => {
    const [mine, theirs] = partners;
    const Q =
      `query($orderBy: ContactOrder, $filter: ContactFilter) { contacts(first: 500, orderBy: $orderBy, filter: ` +
      `$filter) { totalCount edges { node { id partnerId } } } }`;
    for (const field of ['SCORE', 'CREATED_AT', 'EMAIL']) {
      const res = (await t.ok(Q, { orderBy: { field, direction: 'DESC' } }, mine.key)).contacts;
      expect(res.totalCount).toBe(mine.contacts.length);
      expect(res.edges.map((e: any) => e.node.id).sort()).toEqual(mine.contacts.map((c) => c.id).sort());
    }
    const other = (await t.ok(Q, { filter: { partnerId: theirs.id } }, mine.key)).contacts;
    expect(other).toEqual({ totalCount: 0, edges: [] });
    const searched = (await t.ok(Q, { filter: { search: 'ada' } }, mine.key)).contacts;
    expect(searched.edges.every((e: any) => e.node.partnerId === mine.id)).toBe(true);
    expect(small.length).toBe(10);
  });
});

describe('indexes', () => {
  const sqliteOnly = TEST_DB === 'sqlite' ? it : it.skip;
  const plan = async (sql: string) =>
    ((await t.app.ds.query(`EXPLAIN QUERY PLAN ${sql}`)) as { detail: string }[]).map((p) => p.detail).join(' | ');

  // SQLite plans without statistics, by its rules alone: what it picks on a small store it picks at a million rows.
  sqliteOnly.each([
    ["c.stage = 'MQL'", 'created_at'],
    ["c.stage = 'MQL'", 'score'],
    ["c.temperature = 'HOT'", 'created_at'],
    ["c.temperature = 'HOT'", 'score'],
    ["c.stage = 'MQL' AND c.temperature = 'HOT'", 'score'],
    ["c.owner_id = 'o'", 'created_at'],
    ["c.owner_id = 'o'", 'score'],
    ["c.partner_id = 'p'", 'created_at'],
    ["c.partner_id = 'p'", 'score'],
    ["c.partner_id = 'p'", 'email'],
    ["c.source = 's'", 'created_at'],
    ["c.source = 's'", 'score'],
    ['c.score >= 10', 'score'],
    ["c.created_at >= '2026-01-01'", 'created_at'],
  ])('serve %s ordered by %s from one index, without sorting', async (where, column) => {
    const text = await plan(`SELECT c.id FROM contacts c WHERE ${where} ORDER BY c.${column} DESC, c.id DESC LIMIT 21`);
    expect(text).toMatch(/USING (COVERING )?INDEX ix_contacts_|uq_contacts_email/);
    expect(text).not.toContain('TEMP B-TREE');
  });

  sqliteOnly('serve the search prefix with other filters by one index range per column', async () => {
    const columns = ['c.email', 'c.first_name_key', 'c.last_name_key', 'c.sort_company'];
    const where = columns
      .map((c) => prefixRange('sqlite', c, 'ada'))
      .map((r) => {
        const [lo, hi] = r.params;
        return r.sql.replace('?', `'${lo}'`).replace('?', `'${hi}'`);
      });
    const text = await plan(`SELECT c.id FROM contacts c WHERE ${where.join(' OR ')}`);
    expect(text).toContain('MULTI-INDEX OR');
    // One index per column: the search indexes (migration 1775300000000), or the unique email and COMPANY-order ones.
    for (const ix of [/email/, /first_name_search/, /last_name_search/, /company/]) expect(text).toMatch(ix);
    expect(text.match(/USING (COVERING )?INDEX/g)).toHaveLength(4);
  });
});
