import { startTestApp, type TestApp, ADMIN_KEY } from '../helpers/app';
import { createKey, createPartner } from '../helpers/factories';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    MAX_QUERY_DEPTH: '6',
    MAX_QUERY_COMPLEXITY: '5000',
    MAX_BODY_BYTES: '20000',
    RATE_LIMIT_PARTNER: '1:3',
  });
});
afterAll(() => t.stop());

it('rejects a query deeper than the limit, naming it', async () => {
  const deep =
    `{ contacts { edges { node { activities { edges { node { contact { transitions { contact { id } } } } } } } ` +
    `} } }`;
  const res = await t.gql(deep);
  expect(res.status).toBe(400);
  expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'depth', max: 6 });
  const ok = await t.gql(`{ contacts { edges { node { id } } } }`);
  expect(ok.errors).toBeUndefined();
});

it('rejects a query whose cost (list sizes from first) exceeds the limit, through fragments too', async () => {
  const res = await t.gql(
    `query { contacts(first: 500) { edges { node { ...A } } } } fragment A on Contact { id email firstName ` +
      `lastName company jobTitle industry country source }`,
  );
  expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'complexity', max: 5000 });
  expect(res.errors?.[0].extensions?.actual).toBeGreaterThan(5000);
  const small = await t.gql(
    `query { contacts(first: 10) { edges { node { id activities(first: 5) { totalCount } } } } }`,
  );
  expect(small.errors).toBeUndefined();
});

it('refuses bodies over the size limit and batched operations', async () => {
  const big = await t.http
    .post('/graphql')
    .set('content-type', 'application/json')
    .set('authorization', `Bearer ${ADMIN_KEY}`)
    .send({ query: `{ viewer { id } }`, variables: { pad: 'x'.repeat(30_000) } });
  expect(big.status).toBe(413);
  expect(big.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 20000 });
  const batch = await t.http
    .post('/graphql')
    .set('content-type', 'application/json')
    .set('authorization', `Bearer ${ADMIN_KEY}`)
    .send([{ query: '{ viewer { id } }' }, { query: '{ viewer { id } }' }]);
  expect(batch.status).toBe(400);
  expect(JSON.stringify(batch.body)).toMatch(/batch/i);
});

it('rate-limits per key: RATE_LIMITED, retryAfter, a Retry-After header; other keys unaffected', async () => {
  const partner = await createPartner(t);
  const key = await createKey(t, 'PARTNER', partner.id);
  const results = [];
  for (let i = 0; i < 6; i++) results.push(await t.gql('{ contacts { totalCount } }', {}, key));
  const limited = results.filter((r) => r.errors?.[0].extensions?.code === 'RATE_LIMITED');
  expect(results.slice(0, 3).every((r) => r.errors === undefined)).toBe(true);
  expect(limited.length).toBeGreaterThanOrEqual(2);
  expect(limited[0].status).toBe(429);
  expect(limited[0].headers['retry-after']).toBe('1');
  expect(limited[0].errors?.[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: 1 });
  const other = await t.gql('{ contacts { totalCount } }', {}, await createKey(t, 'PARTNER', partner.id));
  expect(other.errors).toBeUndefined();
  await new Promise((r) => setTimeout(r, 1100));
  expect((await t.gql('{ contacts { totalCount } }', {}, key)).errors).toBeUndefined();
});

it('exposes Prometheus metrics: requests, errors by code, ingestion and subscriptions', async () => {
  await t.gql(`mutation { recordActivity(input: { contactEmail: "m@acme-corp.com", type: "page_view" }) { id } }`);
  await t.gql(`{ contact(id: "x") { id } nope }`);
  const res = await t.http.get('/metrics');
  expect(res.status).toBe(200);
  expect(res.text).toMatch(/lq_graphql_requests_total\{type="query"\} \d+/);
  expect(res.text).toMatch(/lq_graphql_errors_total\{code="BAD_USER_INPUT"\} \d+/);
  expect(res.text).toMatch(/lq_activities_recorded [1-9]/);
  expect(res.text).toMatch(/lq_active_subscriptions 0/);
});
