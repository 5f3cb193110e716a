/**
 * contactChanged over graphql-ws: what changed, filters before and after, partner scope, resume from the durable log.
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { createContact, createKey, createPartner, createRule, uniqueEmail } from '../helpers/factories';
import { collect, sleep, wsClient } from '../helpers/ws';

let t: TestApp;
let viewerKey: string;
beforeAll(async () => {
  t = await startTestApp();
  await createRule(t, {
    name: 'cc demo',
    kind: 'BEHAVIOR',
    activityType: 'demo_request',
    points: 60,
    expiresAfterDays: 30,
  });
  await createRule(t, {
    name: 'cc fit',
    kind: 'FIT',
    points: 5,
    conditions: [{ field: 'jobTitle', operator: 'EQ', value: 'CTO' }],
  });
  await t.app.services.rescore.idle();
  viewerKey = await createKey(t, 'VIEWER');
});
afterAll(() => t.stop());

const SUB = `subscription($filter: ContactFilter, $after: String) { contactChanged(filter: $filter, after: $after) {
  cursor changes contactId matchesFilter contact { email stage score temperature ownerId } } }`;

const events = (c: { events: any[] }, contactId: string) =>
  c.events.map((e) => e.contactChanged).filter((e) => e.contactId === contactId);

it('tells what changed on each write, with the contact as it is, in commit order', async () => {
  const client = wsClient(t.app.url, viewerKey);
  const all = collect(client, SUB);
  await sleep(300);
  const c = await createContact(t, { source: 'cc-all' });
  await t.ok(`mutation($id: ID!) { recordActivity(input: { contactId: $id, type: "demo_request" }) { id } }`, {
    id: c.id,
  });
  await t.ok(`mutation($id: ID!) { updateContact(id: $id, input: { firstName: "Zed", jobTitle: "CTO" }) { id } }`, {
    id: c.id,
  });
  const toRep9 = `mutation($id: ID!) { updateContact(id: $id, input: { ownerId: "rep-9" }) { id } }`;
  await t.ok(toRep9, { id: c.id });
  await t.ok(toRep9, { id: c.id }); // no change: no event
  await t.ok(`mutation($id: ID!) { deleteContact(id: $id) }`, { id: c.id });
  await all.waitFor(5);
  await sleep(300);
  const mine = events(all, c.id);
  expect(mine.map((e) => e.changes)).toEqual([
    ['CREATED'],
    ['SCORE', 'STAGE', 'TEMPERATURE'],
    ['FIELDS', 'SCORE'],
    ['OWNER'],
    ['DELETED'],
  ]);
  // Each event is resolved when delivered: the contact is already gone by then for late ones, so only check what must
  // hold.
  expect(mine[4].contact).toBeNull();
  expect(mine[4].matchesFilter).toBe(false);
  expect(mine.slice(0, 4).every((e) => e.matchesFilter)).toBe(true);
  const cursors = mine.map((e) => e.cursor);
  expect(new Set(cursors).size).toBe(5);
  void client.dispose();
});

it('sends a filtered subscriber the changes that bring a contact in or take it out, and nothing else', async () => {
  const client = wsClient(t.app.url, viewerKey);
  const mql = collect(client, SUB, { filter: { stages: ['MQL'] } });
  await sleep(300);
  const c = await createContact(t);
  await t.ok(`mutation($id: ID!) { updateContact(id: $id, input: { lastName: "Before" }) { id } }`, { id: c.id });
  await t.ok(`mutation($id: ID!) { recordActivity(input: { contactId: $id, type: "demo_request" }) { id } }`, {
    id: c.id,
  });
  await t.ok(`mutation($id: ID!) { updateContact(id: $id, input: { lastName: "Inside" }) { id } }`, { id: c.id });
  await t.ok(`mutation($id: ID!) { transitionContact(id: $id, toStage: SQL, reason: "call booked") { id } }`, {
    id: c.id,
  });
  await t.ok(`mutation($id: ID!) { updateContact(id: $id, input: { lastName: "After" }) { id } }`, { id: c.id });
  await mql.waitFor(3);
  await sleep(400);
  const mine = events(mql, c.id);
  expect(mine.map((e) => [e.changes, e.matchesFilter])).toEqual([
    [['SCORE', 'STAGE', 'TEMPERATURE'], true],
    [['FIELDS'], true],
    [['STAGE'], false],
  ]);
  void client.dispose();
});

it('resumes after a cursor with every later change exactly once, from the durable log', async () => {
  const client = wsClient(t.app.url, viewerKey);
  const source = `cc-resume-${Date.now()}`;
  const first = collect(client, SUB, { filter: { source } });
  await sleep(300);
  const a = await createContact(t, { source });
  await first.waitFor(1);
  first.dispose();
  await sleep(100);
  const b = await createContact(t, { source });
  await t.ok(`mutation($id: ID!) { recordActivity(input: { contactId: $id, type: "demo_request" }) { id } }`, {
    id: a.id,
  });
  await createContact(t, { source: 'elsewhere' });
  const resumed = collect(client, SUB, { filter: { source }, after: first.events[0].contactChanged.cursor });
  await resumed.waitFor(2);
  const c = await createContact(t, { source });
  await resumed.waitFor(3);
  await sleep(300);
  expect(resumed.events.map((e) => [e.contactChanged.contactId, e.contactChanged.changes])).toEqual([
    [b.id, ['CREATED']],
    [a.id, ['SCORE', 'STAGE', 'TEMPERATURE']],
    [c.id, ['CREATED']],
  ]);
  const bad = collect(client, SUB, { after: 'nope' });
  await sleep(300);
  expect(JSON.stringify(bad.errors)).toContain('BAD_USER_INPUT');
  void client.dispose();
});

it("scopes a PARTNER key to its partner's contacts", async () => {
  const partner = await createPartner(t);
  const key = await createKey(t, 'PARTNER', partner.id);
  const client = wsClient(t.app.url, key);
  const sub = collect(client, SUB);
  await sleep(300);
  const theirs = await createContact(t, {}, key);
  const other = await createContact(t);
  await sub.waitFor(1);
  await sleep(400);
  expect(sub.events.map((e) => e.contactChanged.contactId)).toEqual([theirs.id]);
  expect(sub.events.some((e) => e.contactChanged.contactId === other.id)).toBe(false);
  void client.dispose();
});

it('reports expiring points and a prospect created by ingestion, nothing for a batch that rolls back', async () => {
  const client = wsClient(t.app.url, viewerKey);
  const sub = collect(client, SUB);
  await sleep(300);
  const email = uniqueEmail('cc-ingest');
  const failed = await t.gql(
    `mutation($inputs: [ActivityInput!]!) { recordActivities(inputs: $inputs) { duplicates } }`,
    {
      inputs: [
        { contactEmail: uniqueEmail('cc-rollback'), type: 'page_view' },
        { contactId: 'missing', type: 'page_view' },
      ],
    },
  );
  expect(failed.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  const { contactId } = (
    await t.ok(
      `mutation($e: String!) { recordActivity(input: { contactEmail: $e, type: "demo_request" }) { contactId } }`,
      { e: email },
    )
  ).recordActivity;
  // Every earlier contact's points expire too; only this one's changes are checked.
  await t.app.services.scoring.sweepExpired(new Date(Date.now() + 31 * 86_400_000));
  await sub.waitFor(2);
  await sleep(400);
  const changes = events(sub, contactId);
  expect(changes.map((e) => e.changes)).toEqual([
    ['CREATED', 'SCORE', 'STAGE', 'TEMPERATURE'],
    ['SCORE', 'TEMPERATURE'],
  ]);
  // The rolled-back batch's prospect was never announced: the only creation is this one.
  expect(
    sub.events.filter((e) => e.contactChanged.changes.includes('CREATED')).map((e) => e.contactChanged.contactId),
  ).toEqual([contactId]);
  void client.dispose();
});
