/**
 * Schema-generated fuzzing (issue 16): every operation and argument of the
 * served schema (test/helpers/fuzz.ts), thousands of seeded cases over HTTP
 * and over graphql-ws, plus broken documents and bodies. No input may yield
 * INTERNAL_SERVER_ERROR, an HTTP 5xx, a socket closed by the server, or a
 * process that stops answering. Reproduce a failure with FUZZ_SEED=<seed>
 * (printed with it); FUZZ_CASES sets the number of cases per door.
 */
import { startTestApp, type TestApp, ADMIN_KEY } from '../helpers/app';
import { createContact, createKey, createPartner, createRule } from '../helpers/factories';
import { fuzzCase, type FuzzCase, rootFields, servedSchema, ValueGenerator } from '../helpers/fuzz';
import { sleep, wsClient, wsRun, type WsOutcome } from '../helpers/ws';
import { prng } from '../../scripts/demo/random';

const SEED = Number(process.env.FUZZ_SEED ?? 16);
const CASES = Number(process.env.FUZZ_CASES ?? 2500);

let t: TestApp;
let ids: string[];
beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_VIEWER: '1000:5000', RATE_LIMIT_PARTNER: '1000:5000' });
  const partner = await createPartner(t);
  const contact = await createContact(t, { partnerId: partner.id });
  const rule = await createRule(t, { name: 'fuzz', kind: 'BEHAVIOR', activityType: 'page_view', points: 5 });
  ids = [contact.id, partner.id, rule.id];
});
afterAll(() => t.stop());

/** The cases of one door: every root field in turn, arguments drawn from the seed. */
function cases(seed: number, n: number): FuzzCase[] {
  const schema = servedSchema();
  const fields = rootFields(schema);
  const gen = new ValueGenerator(prng(seed), ids);
  return Array.from({ length: n }, (_, i) =>
    fuzzCase(gen, fields[i % fields.length].operation, fields[i % fields.length].field),
  );
}

/** Error codes of an answer that are server faults. */
function faults(errors: WsOutcome['errors']): string[] {
  return (errors ?? [])
    .map((e) => e.extensions?.code ?? 'NO_CODE')
    .filter((code) => code === 'INTERNAL_SERVER_ERROR' || code === 'NO_CODE');
}

function describeCase(c: FuzzCase, i: number, seed: number): string {
  const vars = JSON.stringify(c.variables, (_k, v) =>
    typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}…` : v,
  );
  return `FUZZ_SEED=${seed} case ${i}: ${c.query.slice(0, 400)} variables ${(vars ?? '').slice(0, 400)}`;
}

it(`HTTP: ${CASES} schema-generated cases, every root field, never a 500 or INTERNAL_SERVER_ERROR`, async () => {
  const viewer = await createKey(t, 'VIEWER');
  const partnerKey = await createKey(t, 'PARTNER', ids[1]);
  const roles = [ADMIN_KEY, ADMIN_KEY, ADMIN_KEY, viewer, partnerKey];
  const seen = new Map<string, number>();
  for (const [i, c] of cases(SEED, CASES).entries()) {
    const res = await t.gql(c.query, c.variables, roles[i % roles.length]);
    const where = describeCase(c, i, SEED);
    if (res.status >= 500 || faults(res.errors).length > 0)
      throw new Error(`${where}\n-> ${res.status} ${JSON.stringify(res.errors)}`);
    for (const e of res.errors ?? [])
      seen.set(String(e.extensions?.code), (seen.get(String(e.extensions?.code)) ?? 0) + 1);
  }
  // Both outcomes are exercised: answers and client errors.
  expect(seen.get('BAD_USER_INPUT')).toBeGreaterThan(CASES / 10);
  expect((await t.http.get('/healthz')).status).toBe(200);
}, 600_000);

it(`graphql-ws: ${Math.round(CASES / 2)} generated cases on a socket, no INTERNAL_SERVER_ERROR, no close`, async () => {
  const closes: number[] = [];
  const client = wsClient(t.app.url, ADMIN_KEY, { onClose: (code) => closes.push(code) });
  for (const [i, c] of cases(SEED + 1, Math.round(CASES / 2)).entries()) {
    const where = describeCase(c, i, SEED + 1);
    const out = await (
      c.operation === 'subscription' ? subscribeBriefly(client, c) : wsRun(client, c.query, c.variables)
    ).catch((e: { code?: number; reason?: string }) => {
      throw new Error(`${where}\n-> socket closed ${e.code} ${e.reason}`);
    });
    if (faults(out.errors).length > 0) throw new Error(`${where}\n-> ${JSON.stringify(out.errors)}`);
    if (closes.some((code) => code !== 1000)) throw new Error(`${where}\n-> socket closed ${closes}`);
  }
  await client.dispose();
  expect((await t.http.get('/healthz')).status).toBe(200);
}, 600_000);

/** A subscription: its first error or event within 100 ms, then complete. */
async function subscribeBriefly(client: ReturnType<typeof wsClient>, c: FuzzCase): Promise<WsOutcome> {
  const out: WsOutcome = {};
  const dispose = client.subscribe(
    { query: c.query, variables: c.variables },
    {
      next: (v) => (out.errors = v.errors as WsOutcome['errors']),
      error: (e) => (out.errors = Array.isArray(e) ? e : [{ message: String(e), extensions: { code: 'NO_CODE' } }]),
      complete: () => undefined,
    },
  );
  await sleep(100);
  dispose();
  return out;
}

const BROKEN_DOCUMENTS = [
  '{',
  '}',
  'query {',
  '{ contacts { edges { node { id } } }',
  'mutation { createContact }',
  '{ __typename @skip }',
  'subscription { leadPromoted { cursor } }',
  `{ ${'contacts { edges { node { activities { edges { node { contact { '.repeat(20)} id ` +
    `${'} } } } } } } '.repeat(20)} }`,
  `query { ${Array.from({ length: 300 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`,
  `{ a: ${'['.repeat(3000)}1${']'.repeat(3000)} }`,
  '{ viewer { id ...F } } fragment F on ApiKey { ...F }',
  '\u0000\u0001',
  'query q($a: Int = "x") { viewer { id } }',
  '{ contacts(first: "ten") { totalCount } }',
  'query A { viewer { id } } query B { viewer { id } }',
  `"""${'x'.repeat(1000)}`,
  '{ contacts(filter: { search: "\\u0000" }) { totalCount } }',
];
const BODIES: unknown[] = [
  null,
  '',
  'x',
  12,
  [],
  {},
  { query: 12 },
  { query: '{ viewer { id } }', variables: [] },
  { query: '{ viewer { id } }', variables: 'x' },
  { query: '{ viewer { id } }', operationName: 5 },
];

it('broken documents and bodies on both doors: client errors only', async () => {
  const rand = prng(SEED + 2);
  const closes: number[] = [];
  const client = wsClient(t.app.url, ADMIN_KEY, { onClose: (code) => closes.push(code) });
  for (let i = 0; i < 300; i++) {
    const query = BROKEN_DOCUMENTS[Math.floor(rand() * BROKEN_DOCUMENTS.length)];
    const body =
      rand() < 0.7
        ? { query, variables: rand() < 0.5 ? { v: 1 } : undefined }
        : BODIES[Math.floor(rand() * BODIES.length)];
    const res = await t.http
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .send(JSON.stringify(body));
    expect(res.status).toBeLessThan(500);
    expect(faults(res.body?.errors)).toEqual([]);
    if (query.startsWith('subscription')) continue;
    const ws = await wsRun(client, query);
    expect(faults(ws.errors)).toEqual([]);
  }
  expect(closes.filter((code) => code !== 1000)).toEqual([]);
  await client.dispose();
}, 300_000);
