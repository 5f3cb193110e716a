/**
 * Issue 16, findings 4 and 5: inputs that reached the store as a 500 are
 * BAD_USER_INPUT naming the field; identifiers compare the same way on both
 * stores (docs/api.md, "Identifiers").
 */
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app';
import { createContact, createKey, createPartner, uniqueEmail } from '../helpers/factories';
import { collect, sleep, wsClient } from '../helpers/ws';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

/** `["x","y"]`: a well-formed cursor with the wrong value types. */
const WRONG_TYPES = Buffer.from(JSON.stringify(['x', 'y'])).toString('base64url');

it('4: a well-formed cursor with wrong value types is BAD_USER_INPUT on every list', async () => {
  expect(WRONG_TYPES).toBe('WyJ4IiwieSJd');
  const contact = await createContact(t);
  for (const [query, vars] of [
    ['query($a: String) { contacts(after: $a) { totalCount } }', {}],
    ['query($a: String) { contacts(after: $a, orderBy: { field: SCORE, direction: ASC }) { totalCount } }', {}],
    ['query($a: String) { stageTransitions(after: $a) { totalCount } }', {}],
    ['query($a: String, $id: ID!) { contact(id: $id) { activities(after: $a) { totalCount } } }', { id: contact.id }],
  ] as const) {
    for (const after of [
      WRONG_TYPES,
      Buffer.from('[1e300,"x"]').toString('base64url'),
      Buffer.from('[1,2,3]').toString('base64url'),
    ]) {
      const res = await t.gql(query, { ...vars, a: after });
      expect(res.status).toBeLessThan(500);
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
  }
});

/** JSON of an object nested `levels` deep, {"a":{"a":...}}, written as text (JSON.stringify would overflow). */
const nestedJson = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** Posts a request body given as JSON text. */
async function postRaw(
  body: string,
): Promise<{ status: number; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const res = await t.http
    .post('/graphql')
    .set('content-type', 'application/json')
    .set('authorization', `Bearer ${ADMIN_KEY}`)
    .send(body);
  return { status: res.status, errors: res.body?.errors };
}

it('4: JSON nested 5,000 levels in attributes or properties is BAD_USER_INPUT, as variable and literal', async () => {
  const deep = nestedJson(5000);
  const created = await postRaw(
    `{"query":"mutation($input: CreateContactInput!) { createContact(input: $input) { id } ` +
      `}","variables":{"input":{"email":"${uniqueEmail()}","attributes":${deep}}}}`,
  );
  expect(created.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'inputDepth' });
  expect(String(created.errors?.[0].extensions?.field)).toMatch(/^input\.attributes(\.a)+$/);
  const recorded = await postRaw(
    `{"query":"mutation($p: JSONObject) { recordActivity(input: { contactEmail: \\"deep@acme-corp.com\\", ` +
      `type: \\"page_view\\", properties: $p }) { id } }","variables":{"p":${deep}}}`,
  );
  expect(recorded.status).toBeLessThan(500);
  expect(recorded.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'inputDepth' });
  const literal =
    `mutation { recordActivity(input: { contactEmail: "deep@acme-corp.com", type: "page_view", properties: ` +
    `${'{ a: '.repeat(5000)}1${' }'.repeat(5000)} }) { id } }`;
  const inline = await t.gql(literal);
  expect(inline.status).toBe(400);
  expect(inline.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'textNesting' });
  const moderate = await t.gql(
    `mutation { recordActivity(input: { contactEmail: "deep@acme-corp.com", type: "page_view", properties: ` +
      `${'{ a: '.repeat(40)}1${' }'.repeat(40)} }) { id } }`,
  );
  expect(moderate.errors?.[0].extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    reason: 'GRAPHQL_VALIDATION_FAILED',
  });
  expect((await t.gql('{ contactByEmail(email: "deep@acme-corp.com") { id } }')).data.contactByEmail).toBeNull();
});

it('4: idempotency keys are exact on both stores: Key-X and key-X are two; a batch of 1,000 commits', async () => {
  const email = uniqueEmail('idem');
  const one = async (key: string) =>
    (
      await t.ok('mutation($i: ActivityInput!) { recordActivity(input: $i) { id idempotencyKey } }', {
        i: { contactEmail: email, type: 'page_view', idempotencyKey: key },
      })
    ).recordActivity;
  const upper = await one('Key-X');
  const lower = await one('key-X');
  expect(lower.id).not.toBe(upper.id);
  expect((await one('Key-X')).id).toBe(upper.id);
  const inputs = Array.from({ length: 1000 }, (_, i) => ({
    contactEmail: email,
    type: 'page_view',
    idempotencyKey: i === 500 ? 'KEY-x' : `batch-${i}`,
  }));
  const res = await t.gql(
    'mutation($inputs: [ActivityInput!]!) { recordActivities(inputs: $inputs) { duplicates activities { id } } }',
    { inputs },
  );
  expect(res.errors).toBeUndefined();
  expect(res.data.recordActivities.activities).toHaveLength(1000);
  expect(res.data.recordActivities.duplicates).toBe(0);
});

it('4: emails compare ignoring case but not accents on both stores: josé@ and jose@ are two contacts', async () => {
  const domain = `${Date.now().toString(36)}.acme-corp.com`;
  const plain = await createContact(t, { email: `jose@${domain}` });
  const accented = await createContact(t, { email: `José@${domain}` });
  expect(accented.email).toBe(`josé@${domain}`);
  expect(accented.id).not.toBe(plain.id);
  // The decomposed spelling (e + combining acute) is the same address once normalised.
  const again = await t.gql('mutation($e: String!) { createContact(input: { email: $e }) { id } }', {
    e: `JOSE\u0301@${domain}`,
  });
  expect(again.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'input.email' });
  const batch = await t.gql(
    'mutation($inputs: [ActivityInput!]!) { recordActivities(inputs: $inputs) { activities { contactId } } }',
    {
      inputs: [
        { contactEmail: `josé@${domain}`, type: 'page_view' },
        { contactEmail: `jose@${domain}`, type: 'page_view' },
        { contactEmail: `jósé@${domain}`, type: 'page_view' },
      ],
    },
  );
  expect(batch.errors).toBeUndefined();
  const ids = batch.data.recordActivities.activities.map((a: { contactId: string }) => a.contactId);
  expect(ids.slice(0, 2)).toEqual([accented.id, plain.id]);
  expect(new Set(ids).size).toBe(3);
  expect(
    (await t.ok('query($e: String!) { contactByEmail(email: $e) { id } }', { e: `JOSÉ@${domain}` })).contactByEmail.id,
  ).toBe(accented.id);
});

it('4: a filter list of 40,000 values is BAD_USER_INPUT naming it, not "too many SQL variables"', async () => {
  const res = await t.gql('query($s: [LifecycleStage!]) { contacts(filter: { stages: $s }) { totalCount } }', {
    s: Array.from({ length: 40_000 }, () => 'MQL'),
  });
  expect(res.status).toBeLessThan(500);
  expect(res.errors?.[0].extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    limit: 'listLength',
    max: 5000,
    field: 's',
  });
});

it('5: a NUL byte is refused in an email and in any string, as a variable or a literal', async () => {
  const variable = await t.gql('mutation($e: String!) { createContact(input: { email: $e }) { id } }', {
    e: 'nul\u0000byte@acme-corp.com',
  });
  expect(variable.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'e' });
  const literal = await t.gql('mutation { createContact(input: { email: "nul\\u0000byte@acme-corp.com" }) { id } }');
  expect(literal.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  expect(literal.errors?.[0].message).toMatch(/NUL/);
  expect((await t.gql('{ contactByEmail(email: "nulbyte@acme-corp.com") { id } }')).data.contactByEmail).toBeNull();
});

it('5: temperatures is a set: [HOT, HOT, HOT] selects what [HOT] selects', async () => {
  await createContact(t);
  const count = async (temperatures: string[]) =>
    (
      await t.ok('query($t: [Temperature!]) { contacts(filter: { temperatures: $t }) { totalCount } }', {
        t: temperatures,
      })
    ).contacts.totalCount;
  const hot = await count(['HOT']);
  expect(await count(['HOT', 'HOT', 'HOT'])).toBe(hot);
  expect(await count(['COLD', 'COLD', 'COLD'])).toBe(await count(['COLD']));
  expect(await count(['COLD'])).toBeGreaterThan(hot);
});

it('5: a partner giving an email known under another partner learns only that it exists (create, update)', async () => {
  const p1 = await createPartner(t);
  const p2 = await createPartner(t);
  const theirs = await createContact(t, {
    partnerId: p1.id,
    firstName: 'Secret',
    lastName: 'Name',
    ownerId: 'owner-7',
  });
  const key = await createKey(t, 'PARTNER', p2.id);
  const created = await t.gql(
    'mutation($e: String!) { createContact(input: { email: $e }) { id } }',
    { e: theirs.email.toUpperCase() },
    key,
  );
  const mine = await createContact(t, {}, key);
  const updated = await t.gql(
    'mutation($id: ID!, $e: String!) { updateContact(id: $id, input: { email: $e }) { id } }',
    { id: mine.id, e: theirs.email },
    key,
  );
  for (const res of [created, updated]) {
    expect(res.errors?.[0].extensions).toEqual({ code: 'CONFLICT', field: 'input.email', reason: 'EMAIL_TAKEN' });
    const told = JSON.stringify(res.errors);
    for (const secret of [theirs.id, p1.id, p1.name, 'Secret', 'owner-7', theirs.stage])
      expect(told).not.toContain(secret);
  }
  expect(created.errors?.[0].message).toBe(updated.errors?.[0].message);
});

it('5: after a contact moves from P1 to P2, P1 neither replays nor receives its transitions; P2 does', async () => {
  const p1 = await createPartner(t);
  const p2 = await createPartner(t);
  const contact = await createContact(t, { partnerId: p1.id });
  await t.ok('mutation($id: ID!) { transitionContact(id: $id, toStage: MQL, reason: "r") { id } }', { id: contact.id });
  await t.ok('mutation($id: ID!, $p: ID!) { updateContact(id: $id, input: { partnerId: $p }) { id } }', {
    id: contact.id,
    p: p2.id,
  });
  const start = Buffer.from('[0,0]').toString('base64url');
  const SUB =
    'subscription($after: String) { leadPromoted(after: $after, stages: [MQL, SQL]) { transition { contactId ' +
    'toStage contact { id } } } }';
  const k1 = await createKey(t, 'PARTNER', p1.id);
  const k2 = await createKey(t, 'PARTNER', p2.id);
  const c1 = wsClient(t.app.url, k1);
  const c2 = wsClient(t.app.url, k2);
  const first = collect(c1, SUB, { after: start });
  const second = collect(c2, SUB, { after: start });
  await second.waitFor(1);
  await t.ok('mutation($id: ID!) { transitionContact(id: $id, toStage: SQL, reason: "r") { id } }', { id: contact.id });
  await second.waitFor(2);
  await sleep(500);
  expect(second.events.map((e) => [e.leadPromoted.transition.toStage, e.leadPromoted.transition.contact.id])).toEqual([
    ['MQL', contact.id],
    ['SQL', contact.id],
  ]);
  expect(first.events).toEqual([]);
  expect(first.errors).toEqual([]);
  await c1.dispose();
  await c2.dispose();
});

it('4: many bad values in one variable (graphql-js stops at 50) are BAD_USER_INPUT, not a 500', async () => {
  const res = await t.gql('query($s: [LifecycleStage!]) { contacts(filter: { stages: $s }) { totalCount } }', {
    s: Array.from({ length: 100 }, () => 'NOT_A_STAGE'),
  });
  expect(res.status).toBe(400);
  expect(new Set(res.errors?.map((e) => e.extensions?.code))).toEqual(new Set(['BAD_USER_INPUT']));
});
