/**
 * GraphQL over Server-Sent Events on /graphql/stream (graphql-sse, distinct
 * connections): leadPromoted with the same key and scoping as the other
 * doors, each event's SSE id its cursor, Last-Event-ID resumes with nothing
 * lost or repeated, and every guard applies (auth, rate, size, depth, cost,
 * validation, error format, log and metrics).
 */
import { createClient } from 'graphql-sse';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app';
import { createContact, createKey, createPartner } from '../helpers/factories';
import { openSse, type SseStream } from '../helpers/sse';
import { sleep } from '../helpers/ws';

let t: TestApp;
let stream: string;
beforeAll(async () => {
  t = await startTestApp({
    MAX_QUERY_DEPTH: '6',
    MAX_QUERY_COMPLEXITY: '500',
    MAX_BODY_BYTES: '2000',
    RATE_LIMIT_PARTNER: '1:3',
    KEY_RECHECK_MS: '100',
  });
  stream = t.app.url.replace('/graphql', '/graphql/stream');
});
afterAll(() => t.stop());

const SUB =
  `subscription($after: String) { leadPromoted(stages: [MQL], after: $after) { cursor transition { id toStage ` +
  `contact { email } } } }`;
const open: SseStream[] = [];
afterEach(() => open.splice(0).forEach((s) => s.close()));

async function subscribe(
  key: string | null,
  opts: { lastEventId?: string; get?: boolean; query?: string; variables?: Record<string, unknown> } = {},
): Promise<SseStream> {
  const query = opts.query ?? SUB;
  const headers: Record<string, string> = {};
  if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
  let s: SseStream;
  if (opts.get) {
    // As a browser's EventSource does: GET, the key in the query string, no custom headers but Last-Event-ID.
    const params = new URLSearchParams({
      query,
      variables: JSON.stringify(opts.variables ?? {}),
      ...(key ? { api_key: key } : {}),
    });
    s = await openSse(`${stream}?${params}`, { headers });
  } else {
    if (key) headers.authorization = `Bearer ${key}`;
    s = await openSse(stream, { method: 'POST', body: { query, variables: opts.variables ?? {} }, headers });
  }
  open.push(s);
  return s;
}

async function promote(key = ADMIN_KEY): Promise<string> {
  const c = await createContact(t, {}, key);
  await t.ok(`mutation($id: ID!) { transitionContact(id: $id, toStage: MQL, reason: "sse") { id } }`, { id: c.id });
  return c.email;
}

it('streams promotions, SSE id = cursor; Last-Event-ID resumes with nothing lost or repeated', async () => {
  const viewer = await createKey(t, 'VIEWER');
  const first = await subscribe(viewer);
  expect(first.status).toBe(200);
  expect(first.headers.get('content-type')).toMatch(/text\/event-stream/);
  await sleep(100);
  const emails = [await promote(), await promote()];
  const got = await first.waitFor(2);
  expect(got.map((e) => e.id)).toEqual(first.nexts().map((n) => n.data.leadPromoted.cursor));
  expect(first.nexts().map((n) => n.data.leadPromoted.transition.contact.email)).toEqual(emails);
  first.close();

  // Missed while disconnected.
  emails.push(await promote(), await promote(), await promote());
  const resumed = await subscribe(viewer, { get: true, lastEventId: got[1].id });
  await resumed.waitFor(3);
  emails.push(await promote());
  await resumed.waitFor(4);
  await sleep(200);
  const all = [...first.nexts(), ...resumed.nexts()].map((n) => n.data.leadPromoted.transition.contact.email);
  expect(all).toEqual(emails);
  expect(
    resumed.events
      .filter((e) => e.event === 'next')
      .every((e, i) => e.id === resumed.nexts()[i].data.leadPromoted.cursor),
  ).toBe(true);
});

it('scopes a PARTNER key to its partner, as on the other doors', async () => {
  const [pa, pb] = [await createPartner(t), await createPartner(t)];
  const ka = await createKey(t, 'PARTNER', pa.id);
  const kb = await createKey(t, 'PARTNER', pb.id);
  const s = await subscribe(ka);
  await sleep(100);
  await promote(kb);
  const mine = await promote(ka);
  await s.waitFor(1);
  await sleep(200);
  expect(s.nexts().map((n) => n.data.leadPromoted.transition.contact.email)).toEqual([mine]);
});

it('works with the graphql-sse client in distinct connections mode', async () => {
  const client = createClient({
    url: stream,
    singleConnection: false,
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
    retryAttempts: 0,
  });
  const got: any[] = [];
  const dispose = client.subscribe(
    { query: SUB },
    { next: (v) => got.push(v), error: (e) => got.push({ error: e }), complete: () => undefined },
  );
  await sleep(200);
  const email = await promote();
  const end = Date.now() + 10_000;
  while (got.length === 0 && Date.now() < end) await sleep(10);
  dispose();
  client.dispose();
  expect(got[0].data.leadPromoted.transition.contact.email).toBe(email);
});

describe('every guard applies on the SSE door', () => {
  it('auth: no key or a bad key is UNAUTHENTICATED with 401', async () => {
    const none = await subscribe(null);
    expect(none.status).toBe(401);
    const bad = await subscribe('nope-nope-nope');
    expect(bad.status).toBe(401);
    const body = await (
      await fetch(stream, {
        method: 'POST',
        headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
        body: JSON.stringify({ query: SUB }),
      })
    ).json();
    expect((body as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('validation, depth and cost: 400 BAD_USER_INPUT naming the problem, before anything runs', async () => {
    const post = (query: string) =>
      fetch(stream, {
        method: 'POST',
        headers: {
          accept: 'text/event-stream',
          'content-type': 'application/json',
          authorization: `Bearer ${ADMIN_KEY}`,
        },
        body: JSON.stringify({ query }),
      });
    const invalid = await post(`subscription { leadPromoted { nope } }`);
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as any).errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_VALIDATION_FAILED',
    });
    const syntax = await post(`subscription {`);
    expect(((await syntax.json()) as any).errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_PARSE_FAILED',
    });
    const deep = await post(
      `subscription { leadPromoted { transition { contact { transitions { contact { transitions { contact { ` +
        `id } } } } } } } }`,
    );
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as any).errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      limit: 'depth',
      max: 6,
    });
    const costly = await post(
      `subscription { leadPromoted { transition { contact { activities(first: 500) { totalCount } } } } }`,
    );
    expect(((await costly.json()) as any).errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      limit: 'complexity',
      max: 500,
    });
    const mutation = await post(`mutation { revokeApiKey(id: "x") { id } }`);
    expect(((await mutation.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('size: a body over the limit is 413', async () => {
    const res = await fetch(stream, {
      method: 'POST',
      headers: {
        accept: 'text/event-stream',
        'content-type': 'application/json',
        authorization: `Bearer ${ADMIN_KEY}`,
      },
      body: JSON.stringify({ query: SUB, variables: { pad: 'x'.repeat(3000) } }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 2000 });
  });

  it("rate: RATE_LIMITED with 429 and Retry-After once the key's bucket is empty", async () => {
    const key = await createKey(t, 'PARTNER', (await createPartner(t)).id);
    const statuses: number[] = [];
    let limited: SseStream | null = null;
    for (let i = 0; i < 5; i++) {
      const s = await subscribe(key);
      statuses.push(s.status);
      if (s.status === 429) limited = s;
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(limited?.headers.get('retry-after')).toBe('1');
  });

  it('errors in the stream use the same format: a bad cursor is BAD_USER_INPUT naming `after`', async () => {
    const s = await subscribe(ADMIN_KEY, { variables: { after: 'garbage' } });
    await s.waitFor(1);
    expect(s.nexts()[0].errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    await s.ended;
    expect(s.events.at(-1)?.event).toBe('complete');
  });

  it("a revoked key's open streams end", async () => {
    const created = await t.ok(
      `mutation { createApiKey(input: { name: "sse-revoke", role: VIEWER }) { secret apiKey { id } } }`,
    );
    const s = await subscribe(created.createApiKey.secret);
    expect(s.status).toBe(200);
    await t.ok(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: created.createApiKey.apiKey.id });
    await s.ended;
    expect((await subscribe(created.createApiKey.secret)).status).toBe(401);
  });

  it('logs and counts SSE operations like the others', async () => {
    const s = await subscribe(ADMIN_KEY);
    await sleep(50);
    s.close();
    await sleep(100);
    const metrics = (await t.http.get('/metrics')).text;
    expect(metrics).toMatch(/lq_graphql_requests_total\{type="subscription"\} [1-9]/);
    expect(metrics).toMatch(/lq_graphql_errors_total\{code="UNAUTHENTICATED"\} [1-9]/);
    expect(metrics).toMatch(/lq_graphql_errors_total\{code="RATE_LIMITED"\} [1-9]/);
  });
});
