import { startTestApp, type TestApp } from '../helpers/app';
import { createContact, recordActivities } from '../helpers/factories';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  // Rules so contacts have transitions, breakdowns and temperatures to load.
  await t.ok(
    `mutation { createScoringRule(input: { name: "views", kind: BEHAVIOR, activityType: "page_view", points: ` +
      `30 }) { id } }`,
  );
});
afterAll(() => t.stop());

const QUERY = `query($first: Int, $source: String) { contacts(first: $first, filter: { source: $source }) { edges
                { node {
  id temperature qualification { budget } scoreBreakdown { ruleName points }
  activities(first: 5) { totalCount edges { node { type contact { id } } } }
  transitions { toStage contact { email } }
  owner { name } partner { name } assignments { reason }
  scoreHistory(first: 5) { totalCount edges { node { cause score rule { name } activity { type } } } }
} } } }`;

async function seed(source: string, n: number): Promise<void> {
  const inputs = [];
  for (let i = 0; i < n; i++) {
    const c = await createContact(t, { source });
    inputs.push({ contactId: c.id, type: 'page_view' }, { contactId: c.id, type: 'page_view' });
  }
  await recordActivities(t, inputs);
}

it('issues the same number of SQL statements for 10 and for 100 contacts', async () => {
  await seed('ten', 10);
  await seed('hundred', 100);
  // The first breakdown after a rule change also reads the FIT rules (once per rule-set version).
  await t.gql(QUERY, { first: 1, source: 'ten' });
  const ten = await t.gql(QUERY, { first: 100, source: 'ten' });
  const hundred = await t.gql(QUERY, { first: 100, source: 'hundred' });
  expect(ten.errors).toBeUndefined();
  expect(hundred.errors).toBeUndefined();
  expect(ten.data.contacts.edges).toHaveLength(10);
  expect(hundred.data.contacts.edges).toHaveLength(100);
  // Every contact really has its relations loaded.
  for (const e of hundred.data.contacts.edges) {
    expect(e.node.activities.totalCount).toBe(2);
    expect(e.node.transitions.map((x: any) => x.toStage)).toEqual(['LEAD', 'MQL']);
    expect(e.node.scoreHistory.edges.map((x: any) => x.node.score)).toEqual([30, 60]);
    expect(e.node.scoreHistory.edges[0].node.rule.name).toBe('views');
  }
  expect(ten.sql).toBeGreaterThan(0);
  expect(hundred.sql).toBe(ten.sql);
});
