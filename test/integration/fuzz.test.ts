/**
 * Thousands of generated malformed requests: each must get a GraphQL error or
 * a valid answer, never a 500 or a hang, and none may change the database.
 */
import { startTestApp, TestApp, ADMIN_KEY } from '../helpers/app';
import { createContact } from '../helpers/factories';
import { prng as rng } from '../../scripts/demo/random';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

const NASTY: unknown[] = [
  null, '', ' ', 'x'.repeat(70_000), '💥🐢\u0000\u202e', -1, 0, 2 ** 53, -(2 ** 31) - 1, 1.5, Number.MAX_VALUE, true, [], [null], {}, { a: { b: { c: [1, 2, 3] } } },
  '2026-13-45T99:00:00Z', 'not-a-date', '../../etc/passwd', "'; DROP TABLE contacts; --", '<script>alert(1)</script>', 'a@b', 'UPPER@ACME',
];

const OPERATIONS = [
  `mutation($v: String!) { createContact(input: { email: $v }) { id } }`,
  `mutation($v: Int) { createContact(input: { email: "fuzz-fixed@acme-corp.com", companySize: $v }) { id } }`,
  `mutation($v: JSONObject) { recordActivity(input: { contactEmail: "not valid", type: "page_view", properties: $v }) { id } }`,
  `mutation($v: String!) { recordActivity(input: { contactId: "missing", type: $v }) { id } }`,
  `mutation($v: DateTime) { recordActivity(input: { contactEmail: "x", type: "Bad", occurredAt: $v }) { id } }`,
  `mutation($v: [ActivityInput!]!) { recordActivities(inputs: $v) { duplicates } }`,
  `mutation($v: ID!) { updateContact(id: $v, input: { firstName: "x" }) { id } }`,
  `mutation($v: ID!) { deleteContact(id: $v) }`,
  `mutation($v: LifecycleStage!) { transitionContact(id: "missing", toStage: $v, reason: "r") { id } }`,
  `mutation($v: QualificationPolicyInput!) { updateQualificationPolicy(input: { warmThreshold: 99, hotThreshold: 1, mqlThreshold: 1 }) { mqlThreshold } }`,
  `mutation($v: ScoringRuleInput!) { createScoringRule(input: $v) { id } }`,
  `mutation($v: String!) { createPartner(name: "") { id } }`,
  `query($v: String) { contacts(after: $v) { totalCount } }`,
  `query($v: Int) { contacts(first: $v) { totalCount } }`,
  `query($v: ContactFilter) { contacts(filter: $v) { totalCount } }`,
  `query($v: DateTime!) { conversionMetrics(from: $v, to: $v) { stages { entered } } }`,
  `query($v: String!) { contactByEmail(email: $v) { id } }`,
];

const BROKEN_DOCUMENTS = [
  '{', '}', 'query {', '{ contacts { edges { node { id } } }', 'mutation { createContact }', '{ __typename @skip }', 'subscription { leadPromoted { cursor } }',
  `{ ${'contacts { edges { node { activities { edges { node { contact { '.repeat(20)} id ${'} } } } } } } '.repeat(20)} }`,
  `query { ${Array.from({ length: 300 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`,
  '{ viewer { id ...F } } fragment F on ApiKey { ...F }', '\u0000\u0001', 'query q($a: Int = "x") { viewer { id } }', '{ contacts(first: "ten") { totalCount } }',
];

async function snapshot(): Promise<string> {
  const tables = ['contacts', 'activities', 'stage_transitions', 'scoring_rules', 'partners', 'qualifications'];
  const counts = [];
  for (const table of tables) counts.push(Number((await t.app.ds.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n));
  const policy = await t.app.ds.query('SELECT * FROM qualification_policy');
  return JSON.stringify({ counts, policy });
}

it('answers thousands of malformed requests with GraphQL errors, never a 500, without changing data', async () => {
  await createContact(t, { email: 'fuzz-fixed@acme-corp.com' });
  const before = await snapshot();
  const rand = rng(42);
  const pick = <T,>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const statuses = new Map<number, number>();
  let answered = 0;
  for (let i = 0; i < 2000; i++) {
    let body: unknown;
    const mode = rand();
    if (mode < 0.6) body = { query: pick(OPERATIONS), variables: { v: pick(NASTY) } };
    else if (mode < 0.8) body = { query: pick(BROKEN_DOCUMENTS), variables: rand() < 0.5 ? { v: pick(NASTY) } : pick(NASTY) };
    else if (mode < 0.9) body = pick(NASTY);
    else body = { query: pick(OPERATIONS), variables: { v: [pick(NASTY), { contactId: pick(NASTY), type: pick(NASTY), occurredAt: pick(NASTY) }] } };
    const res = await t.http
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .send(JSON.stringify(body));
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    expect(res.status).toBeLessThan(500);
    const errors = res.body?.errors;
    if (errors) {
      for (const e of errors) expect(['BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'FORBIDDEN']).toContain(e.extensions?.code);
    } else answered++;
  }
  expect(await snapshot()).toBe(before);
  expect(statuses.get(200)).toBeGreaterThan(0);
  expect(answered).toBeGreaterThanOrEqual(0);
}, 300_000);
