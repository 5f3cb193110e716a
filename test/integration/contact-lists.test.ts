/**
 * lastActivityAt, the NAME / COMPANY / EMAIL / LAST_ACTIVITY sorts and hasOwner, over HTTP and graphql-ws, with their
 * indexes.
 */
import { startTestApp, type TestApp, TEST_DB } from '../helpers/app';
import { createContact, createKey, createRule } from '../helpers/factories';
import { collect, sleep, wsClient } from '../helpers/ws';

let t: TestApp;
let source: string;
let ids: Record<string, string>;
beforeAll(async () => {
  t = await startTestApp();
  source = `lists-${Date.now()}`;
  const people: [string, Record<string, unknown>][] = [
    ['ada', { firstName: 'Ada', lastName: 'lovelace', company: 'Analytical', ownerId: 'rep-1' }],
    ['alan', { firstName: 'Alan', lastName: 'Turing', company: 'bletchley' }],
    ['grace', { firstName: 'Grace', lastName: 'Hopper', company: 'Navy', ownerId: 'rep-2' }],
    ['anon', {}],
    ['edsger', { firstName: 'Edsger', lastName: 'dijkstra', company: 'ACME' }],
  ];
  ids = {};
  for (const [key, input] of people)
    ids[key] = (await createContact(t, { ...input, source, email: `${key}.${source}@example.org` })).id;
  const day = 86_400_000;
  const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day).toISOString();
  await t.ok(`mutation($inputs: [ActivityInput!]!) { recordActivities(inputs: $inputs) { duplicates } }`, {
    inputs: [
      { contactId: ids.ada, type: 'page_view', occurredAt: at(3) },
      { contactId: ids.ada, type: 'page_view', occurredAt: at(5) },
      { contactId: ids.grace, type: 'page_view', occurredAt: at(1) },
      { contactId: ids.alan, type: 'page_view', occurredAt: at(10) },
    ],
  });
});
afterAll(() => t.stop());

const LIST = `query($filter: ContactFilter, $orderBy: ContactOrder, $first: Int, $after: String) {
  contacts(filter: $filter, orderBy: $orderBy, first: $first, after: $after) { totalCount pageInfo { hasNextPage
    endCursor } edges { node { id lastActivityAt } } } }`;

/** Every id in the order the API gives, through pages of 2. */
async function order(field: string, direction: string, filter: Record<string, unknown> = {}): Promise<string[]> {
  const out: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: any = (
      await t.ok(LIST, { filter: { source, ...filter }, orderBy: { field, direction }, first: 2, after })
    ).contacts;
    out.push(...page.edges.map((e: any) => Object.keys(ids).find((k) => ids[k] === e.node.id)));
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor;
  }
}

it('sorts by NAME, COMPANY, EMAIL ignoring case, contacts without a value first ascending, by cursor', async () => {
  expect(await order('NAME', 'ASC')).toEqual(['anon', 'edsger', 'grace', 'ada', 'alan']);
  expect(await order('NAME', 'DESC')).toEqual(['alan', 'ada', 'grace', 'edsger', 'anon']);
  expect(await order('COMPANY', 'ASC')).toEqual(['anon', 'edsger', 'ada', 'alan', 'grace']);
  expect(await order('COMPANY', 'DESC')).toEqual(['grace', 'alan', 'ada', 'edsger', 'anon']);
  expect(await order('EMAIL', 'ASC')).toEqual(['ada', 'alan', 'anon', 'edsger', 'grace']);
  expect(await order('EMAIL', 'DESC')).toEqual(['grace', 'edsger', 'anon', 'alan', 'ada']);
});

it('keeps lastActivityAt at the newest occurredAt and sorts by it', async () => {
  const read = (await t.ok(LIST, { filter: { source }, first: 10 })).contacts.edges.map((e: any) => e.node);
  const ada = read.find((n: any) => n.id === ids.ada);
  const anon = read.find((n: any) => n.id === ids.anon);
  expect(Date.now() - Date.parse(ada.lastActivityAt)).toBeGreaterThan(3 * 86_400_000 - 60_000);
  expect(Date.now() - Date.parse(ada.lastActivityAt)).toBeLessThan(3 * 86_400_000 + 60_000);
  expect(anon.lastActivityAt).toBeNull();
  // An older activity leaves it; a newer one moves it.
  await t.ok(
    `mutation($id: ID!, $at: DateTime) { recordActivity(input: { contactId: $id, type: "page_view", ` +
      `occurredAt: $at }) { id } }`,
    { id: ids.ada, at: new Date(Date.now() - 20 * 86_400_000).toISOString() },
  );
  expect(
    (await t.ok(`query($id: ID!) { contact(id: $id) { lastActivityAt } }`, { id: ids.ada })).contact.lastActivityAt,
  ).toBe(ada.lastActivityAt);
  // Contacts without activity (edsger, anon) form one block, by id: last descending, first ascending.
  const byIdDesc = ['edsger', 'anon'].sort((a, b) => (ids[a] < ids[b] ? 1 : -1));
  expect(await order('LAST_ACTIVITY', 'DESC')).toEqual(['grace', 'ada', 'alan', ...byIdDesc]);
  expect(await order('LAST_ACTIVITY', 'ASC')).toEqual([...byIdDesc].reverse().concat(['alan', 'ada', 'grace']));
});

it('filters on hasOwner, alone and with other filters', async () => {
  expect(await order('EMAIL', 'ASC', { hasOwner: true })).toEqual(['ada', 'grace']);
  expect(await order('EMAIL', 'ASC', { hasOwner: false })).toEqual(['alan', 'anon', 'edsger']);
  expect((await t.ok(LIST, { filter: { source, hasOwner: false, search: 'tur' } })).contacts.totalCount).toBe(1);
});

it('rejects a cursor from another list shape', async () => {
  const res = await t.gql(LIST, {
    filter: { source },
    orderBy: { field: 'NAME', direction: 'ASC' },
    after: 'bm90LWEtY3Vyc29y',
  });
  expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
});

it('gives lastActivityAt to a graphql-ws subscriber', async () => {
  await createRule(t, { name: 'list demo', kind: 'BEHAVIOR', activityType: 'demo_request', points: 60 });
  await t.app.services.rescore.idle();
  const client = wsClient(t.app.url, await createKey(t, 'VIEWER'));
  const sub = collect(
    client,
    `subscription { leadPromoted(stages: [MQL]) { transition { contact { id lastActivityAt } } } }`,
  );
  await sleep(300);
  const occurredAt = new Date(Date.now() - 60_000).toISOString();
  await t.ok(
    `mutation($id: ID!, $at: DateTime) { recordActivity(input: { contactId: $id, type: "demo_request", ` +
      `occurredAt: $at }) { id } }`,
    { id: ids.anon, at: occurredAt },
  );
  const [event] = await sub.waitFor(1);
  expect(event.leadPromoted.transition.contact).toEqual({ id: ids.anon, lastActivityAt: occurredAt });
  void client.dispose();
});

(TEST_DB === 'sqlite' ? it : it.skip)(
  'walks an index for every sort, without a sort step (SQLite query plan)',
  async () => {
    for (const field of ['NAME', 'COMPANY', 'EMAIL', 'LAST_ACTIVITY']) {
      for (const direction of ['ASC', 'DESC']) {
        const column = {
          NAME: 'sort_name',
          COMPANY: 'sort_company',
          EMAIL: 'email',
          LAST_ACTIVITY: 'last_activity_at',
        }[field];
        const plan: { detail: string }[] = await t.app.ds.query(
          `EXPLAIN QUERY PLAN SELECT id FROM contacts c ORDER BY c.${column} ${direction}, c.id ${direction} LIMIT 21`,
        );
        const text = plan.map((p) => p.detail).join(' | ');
        expect(text).toMatch(/USING (COVERING )?INDEX/);
        expect(text).not.toContain('TEMP B-TREE');
      }
    }
    const owned: { detail: string }[] = await t.app.ds.query(
      'EXPLAIN QUERY PLAN SELECT COUNT(*) FROM contacts c WHERE c.owner_id IS NULL',
    );
    expect(owned.map((p) => p.detail).join(' ')).toContain('ix_contacts_owner');
  },
);
