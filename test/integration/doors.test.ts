/**
 * Issue 16, findings 1, 4 (graphql-ws) and 5 (cost, per-socket caps): every
 * guard applies on both doors, HTTP and graphql-ws, through the one
 * execution path (src/server/execution.ts).
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { createKey, createPartner } from '../helpers/factories';
import { collect, sleep, wsClient, wsRun, type WsOutcome } from '../helpers/ws';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_PARTNER: '1:3', COST_BUDGET_SALES: '100:12000', WS_MAX_OPERATIONS: '5' });
});
afterAll(() => t.stop());

/** The same operation through both doors with one key. */
async function bothDoors(
  query: string,
  key: string,
  variables: Record<string, unknown> = {},
): Promise<{ http: WsOutcome & { status: number }; ws: WsOutcome }> {
  const http = await t.gql(query, variables, key);
  const client = wsClient(t.app.url, key);
  try {
    return {
      http: { status: http.status, data: http.data, errors: http.errors },
      ws: await wsRun(client, query, variables),
    };
  } finally {
    await client.dispose();
  }
}

const nest = (levels: number) =>
  `{ contacts(first: 1) { edges { node { ` +
  `${'transitions { contact { '.repeat(levels)} id ${'} } '.repeat(levels)} } } } }`;

it('1: a query deeper than the limit is refused on both doors, naming the limit', async () => {
  const viewer = await createKey(t, 'VIEWER');
  const { http, ws } = await bothDoors(nest(16), viewer);
  for (const out of [http, ws])
    expect(out.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'depth', max: 12 });
  expect(http.status).toBe(400);
});

it('1: nested lists multiply the cost: the out-of-memory query is refused on a socket, /healthz answers', async () => {
  const viewer = await createKey(t, 'VIEWER');
  const bomb =
    `{ contacts(first: 500) { edges { node { activities(first: 500) { edges { node { contact { ` +
    `activities(first: 500) { edges { node { id } } } } } } } } } } }`;
  const { http, ws } = await bothDoors(bomb, viewer);
  for (const out of [http, ws]) {
    expect(out.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'complexity', max: 200000 });
    expect(out.errors?.[0].extensions?.actual).toBeGreaterThan(1e8);
  }
  expect((await t.http.get('/healthz')).status).toBe(200);
});

it('1: the per-key rate limit counts operations over the socket too', async () => {
  const partner = await createPartner(t);
  const key = await createKey(t, 'PARTNER', partner.id);
  const client = wsClient(t.app.url, key);
  const results = [];
  for (let i = 0; i < 6; i++) results.push(await wsRun(client, '{ contacts { totalCount } }'));
  await client.dispose();
  expect(results.slice(0, 3).every((r) => r.errors === undefined)).toBe(true);
  const limited = results.filter((r) => r.errors?.[0].extensions?.code === 'RATE_LIMITED');
  expect(limited.length).toBeGreaterThanOrEqual(2);
  expect(limited[0].errors?.[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: 1 });
  // One bucket for both doors: the key is out of tokens over HTTP as well.
  expect((await t.gql('{ contacts { totalCount } }', {}, key)).errors?.[0].extensions?.code).toBe('RATE_LIMITED');
});

it('4: over graphql-ws, syntax, validation and variable errors are BAD_USER_INPUT; the socket stays open', async () => {
  const closes: number[] = [];
  const client = wsClient(t.app.url, await createKey(t, 'VIEWER'), { onClose: (code) => closes.push(code) });
  const syntax = await wsRun(client, '{ contacts { ');
  expect(syntax.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' });
  const invalid = await wsRun(client, '{ contacts { nope } }');
  expect(invalid.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' });
  const variables = await wsRun(client, 'query($n: Int) { contacts(first: $n) { totalCount } }', { n: 'ten' });
  expect(variables.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  const ok = await wsRun(client, '{ contacts { totalCount } }');
  expect(ok.errors).toBeUndefined();
  expect(ok.data.contacts.totalCount).toEqual(expect.any(Number));
  expect(closes).toEqual([]);
  await client.dispose();
});

it('5: conversionMetrics costs what it does: 100 aliases are refused on both doors', async () => {
  const viewer = await createKey(t, 'VIEWER');
  const aliases = Array.from(
    { length: 100 },
    (_, i) =>
      `m${i}: conversionMetrics(from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { stages { entered } }`,
  ).join(' ');
  const { http, ws } = await bothDoors(`{ ${aliases} }`, viewer);
  for (const out of [http, ws])
    expect(out.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'complexity' });
  expect(http.errors?.[0].extensions?.actual).toBeGreaterThanOrEqual(100 * 5000);
});

it('5: the cost budget of a key over time is shared by both doors: within its rate, refused once spent', async () => {
  const sales = await createKey(t, 'SALES');
  const two =
    `{ a: conversionMetrics(from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { stages { entered } } b: ` +
    `conversionMetrics(from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { stages { entered } } }`;
  expect((await t.gql(two, {}, sales)).errors).toBeUndefined();
  const client = wsClient(t.app.url, sales);
  const spent = await wsRun(client, two);
  await client.dispose();
  expect(spent.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'budget' });
  const http = await t.gql(two, {}, sales);
  expect(http.status).toBe(429);
  expect(http.errors?.[0].extensions).toMatchObject({
    code: 'RATE_LIMITED',
    limit: 'budget',
    cost: expect.any(Number),
  });
  // Cheap operations still fit what is left.
  expect((await t.gql('{ viewer { id } }', {}, sales)).errors).toBeUndefined();
});

it('5: one socket may run at most WS_MAX_OPERATIONS operations at once', async () => {
  const client = wsClient(t.app.url, await createKey(t, 'VIEWER'));
  const subs = Array.from({ length: 6 }, () => collect(client, 'subscription { leadPromoted { cursor } }'));
  await sleep(500);
  const refused = subs.filter((s) => JSON.stringify(s.errors).includes('operationsPerSocket'));
  expect(refused).toHaveLength(1);
  expect(JSON.stringify(refused[0].errors)).toContain('BAD_USER_INPUT');
  subs.forEach((s) => s.dispose());
  await client.dispose();
});
