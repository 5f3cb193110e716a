/** Contact.scoreHistory: every change of the stored score, replayed against it, over HTTP and graphql-ws. */
import { startTestApp, type TestApp } from '../helpers/app';
import { createContact, createKey, createRule } from '../helpers/factories';
import { collect, sleep, wsClient } from '../helpers/ws';

let t: TestApp;
let demoRule: { id: string };
beforeAll(async () => {
  t = await startTestApp();
  await createRule(t, {
    name: 'in Germany',
    kind: 'FIT',
    points: 10,
    conditions: [{ field: 'country', operator: 'EQ', value: 'DE' }],
  });
  await createRule(t, { name: 'view', kind: 'BEHAVIOR', activityType: 'page_view', points: 5, expiresAfterDays: 1 });
  demoRule = await createRule(t, { name: 'demo', kind: 'BEHAVIOR', activityType: 'demo_request', points: 30 });
  await t.app.services.rescore.idle();
});
afterAll(() => t.stop());

const HISTORY = `query($id: ID!, $first: Int, $after: String, $from: DateTime, $to: DateTime) { contact(id: $id) {
                  score fitScore engagementScore
  scoreHistory(first: $first, after: $after, from: $from, to: $to) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id at cause delta score fitScore engagementScore ruleId activityId rule { name }
      activity { type } } } } } }`;

/** The whole history through pages of 2, and the stored scores. */
async function history(id: string): Promise<{ contact: any; changes: any[] }> {
  const changes: any[] = [];
  let after: string | null = null;
  let contact: any;
  for (;;) {
    contact = (await t.ok(HISTORY, { id, first: 2, after })).contact;
    changes.push(...contact.scoreHistory.edges.map((e: any) => e.node));
    if (!contact.scoreHistory.pageInfo.hasNextPage) break;
    after = contact.scoreHistory.pageInfo.endCursor;
  }
  expect(changes).toHaveLength(contact.scoreHistory.totalCount);
  return { contact, changes };
}

/** Replays a history from zero: each step adds its delta, and the last step is the stored score. */
function replay(changes: any[], contact: any): void {
  let score = 0;
  let at = 0;
  for (const c of changes) {
    score += c.delta;
    expect(c.score).toBe(score);
    expect(c.score).toBe(c.fitScore + c.engagementScore);
    expect(Date.parse(c.at)).toBeGreaterThanOrEqual(at);
    at = Date.parse(c.at);
  }
  expect(score).toBe(contact.score);
  expect(changes.at(-1)?.fitScore ?? 0).toBe(contact.fitScore);
  expect(changes.at(-1)?.engagementScore ?? 0).toBe(contact.engagementScore);
}

const record = (id: string, type: string, occurredAt?: string) =>
  t.ok(`mutation($input: ActivityInput!) { recordActivity(input: $input) { id } }`, {
    input: { contactId: id, type, occurredAt },
  });

it('records every cause with its rule and activity, and agrees with the stored score after each step', async () => {
  const c = await createContact(t, { country: 'DE' });
  const steps: (() => Promise<unknown>)[] = [
    () => record(c.id, 'page_view', new Date(Date.now() - 3 * 86_400_000).toISOString()), // already expired: no change
    () => record(c.id, 'page_view'),
    () => record(c.id, 'demo_request'),
    () => t.ok(`mutation($id: ID!) { updateContact(id: $id, input: { country: "FR" }) { id } }`, { id: c.id }),
    async () => {
      await t.ok(`mutation($id: ID!) { updateScoringRule(id: $id, input: { points: 40 }) { id } }`, {
        id: demoRule.id,
      });
      await t.app.services.rescore.idle();
    },
    () => t.app.services.scoring.sweepExpired(new Date(Date.now() + 2 * 86_400_000)),
  ];
  replay((await history(c.id)).changes, (await history(c.id)).contact);
  for (const step of steps) {
    await step();
    const { contact, changes } = await history(c.id);
    replay(changes, contact);
  }
  const { changes, contact } = await history(c.id);
  expect(contact).toMatchObject({ score: 40, fitScore: 0, engagementScore: 40 });
  expect(changes.map((x) => [x.cause, x.delta, x.score, x.rule?.name ?? null, x.activity?.type ?? null])).toEqual([
    ['FIT_CHANGED', 10, 10, null, null],
    ['ACTIVITY_SCORED', 5, 15, 'view', 'page_view'],
    ['ACTIVITY_SCORED', 30, 45, 'demo', 'demo_request'],
    ['FIT_CHANGED', -10, 35, null, null],
    ['RESCORED', 10, 45, null, null],
    ['POINTS_EXPIRED', -5, 40, 'view', 'page_view'],
  ]);
  await t.ok(`mutation($id: ID!) { updateScoringRule(id: $id, input: { points: 30 }) { id } }`, { id: demoRule.id });
  await t.app.services.rescore.idle();
});

it('filters by [from, to), pages with stable ids and rejects bad arguments', async () => {
  const c = await createContact(t);
  await record(c.id, 'demo_request', new Date(Date.now() - 2 * 3_600_000).toISOString());
  await record(c.id, 'demo_request');
  const all = (await t.ok(HISTORY, { id: c.id })).contact.scoreHistory;
  expect(all.edges).toHaveLength(2);
  const recent = (await t.ok(HISTORY, { id: c.id, from: new Date(Date.now() - 3_600_000).toISOString() })).contact
    .scoreHistory;
  expect(recent.totalCount).toBe(1);
  expect(recent.edges[0].node.id).toBe(all.edges[1].node.id);
  const older = (await t.ok(HISTORY, { id: c.id, to: new Date(Date.now() - 3_600_000).toISOString() })).contact
    .scoreHistory;
  expect(older.edges.map((e: any) => e.node.id)).toEqual([all.edges[0].node.id]);
  expect((await t.gql(HISTORY, { id: c.id, after: 'junk' })).errors?.[0].extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    field: 'after',
  });
  expect((await t.gql(HISTORY, { id: c.id, first: -1 })).errors?.[0].extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    field: 'first',
  });
  const backwards = await t.gql(HISTORY, {
    id: c.id,
    from: new Date().toISOString(),
    to: new Date(Date.now() - 1000).toISOString(),
  });
  expect(backwards.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
});

it('reaches a graphql-ws subscriber with the promoted contact', async () => {
  const client = wsClient(t.app.url, await createKey(t, 'VIEWER'));
  const sub = collect(
    client,
    `subscription { leadPromoted(stages: [LEAD]) { transition { contact { score scoreHistory { edges { node { ` +
      `cause score } } } } } } }`,
  );
  await sleep(300);
  const c = await createContact(t);
  await record(c.id, 'demo_request');
  const [event] = await sub.waitFor(1);
  expect(event.leadPromoted.transition.contact).toEqual({
    score: 30,
    scoreHistory: { edges: [{ node: { cause: 'ACTIVITY_SCORED', score: 30 } }] },
  });
  void client.dispose();
});
