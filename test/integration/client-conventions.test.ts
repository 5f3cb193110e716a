/**
 * What Apollo Client and urql do by default: cache ids, GET queries, graphql-ws keys in any case, a 4401 that says why.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app';
import { createContact, createRule } from '../helpers/factories';
import { collect, sleep } from '../helpers/ws';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await createRule(t, { name: 'conv view', kind: 'BEHAVIOR', activityType: 'page_view', points: 5 });
  await createRule(t, {
    name: 'conv fit',
    kind: 'FIT',
    points: 7,
    conditions: [{ field: 'country', operator: 'EQ', value: 'SE' }],
  });
  await t.app.services.rescore.idle();
});
afterAll(() => t.stop());

describe('cache ids', () => {
  it('gives every ScoreContribution a stable id per contact and rule, whatever the selection', async () => {
    const [a, b] = [await createContact(t, { country: 'SE' }), await createContact(t, { country: 'SE' })];
    for (const c of [a, b])
      await t.ok(`mutation($id: ID!) { recordActivity(input: { contactId: $id, type: "page_view" }) { id } }`, {
        id: c.id,
      });
    const one = await t.ok(`query($id: ID!) { contact(id: $id) { scoreBreakdown { id points } } }`, { id: a.id });
    const two = await t.ok(`query($id: ID!) { contact(id: $id) { scoreBreakdown { id ruleName applications } } }`, {
      id: a.id,
    });
    const other = await t.ok(`query($id: ID!) { contact(id: $id) { scoreBreakdown { id } } }`, { id: b.id });
    const ids = one.contact.scoreBreakdown.map((x: any) => x.id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    expect(two.contact.scoreBreakdown.map((x: any) => x.id)).toEqual(ids);
    expect(other.contact.scoreBreakdown.map((x: any) => x.id).some((id: string) => ids.includes(id))).toBe(false);
    const q = await t.ok(`query($id: ID!) { contact(id: $id) { qualification { id } assignments { id } } }`, {
      id: a.id,
    });
    expect(q.contact).toEqual({ qualification: null, assignments: [] });
  });
});

describe('HTTP', () => {
  it("answers urql's default GET (Authorization, no content-type), refuses a cross-site form's GET", async () => {
    const accept =
      'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, ' +
      'multipart/mixed';
    const ok = await t.http
      .get('/graphql')
      .query({ query: '{ viewer { name role } }' })
      .set('accept', accept)
      .set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(ok.status).toBe(200);
    expect(ok.body.data.viewer).toEqual({ name: 'env-admin', role: 'ADMIN' });
    const bare = await t.http.get('/graphql').query({ query: '{ viewer { name } }' }).set('accept', 'application/json');
    expect(bare.status).toBe(400);
    expect(JSON.stringify(bare.body)).toMatch(/CSRF|preflight/i);
  });

  it("answers Apollo Client's default POST", async () => {
    const res = await t.http
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .send({ query: '{ viewer { role } }' });
    expect(res.status).toBe(200);
    expect(res.body.data.viewer.role).toBe('ADMIN');
  });
});

describe('graphql-ws', () => {
  /** Subscribes with these connectionParams; resolves with the first event or the close. */
  async function connect(
    connectionParams: Record<string, unknown>,
  ): Promise<{ code: number; reason: string; events: any[] }> {
    let closed = { code: 0, reason: '' };
    const client = createClient({
      url: t.app.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams,
      retryAttempts: 0,
      lazy: true,
      on: {
        closed: (e) =>
          (closed = { code: (e as { code: number }).code, reason: String((e as { reason?: string }).reason ?? '') }),
      },
    });
    const sub = collect(client, `subscription { leadPromoted(stages: [LEAD]) { transition { contactId } } }`);
    await sleep(300);
    const c = await createContact(t);
    await t.ok(`mutation($id: ID!) { recordActivity(input: { contactId: $id, type: "page_view" }) { id } }`, {
      id: c.id,
    });
    await sleep(closed.code ? 0 : 700);
    void client.dispose();
    return { ...closed, events: sub.events };
  }

  it.each([
    ['Authorization', { Authorization: `Bearer ${ADMIN_KEY}` }],
    ['authorization', { authorization: `bearer ${ADMIN_KEY}` }],
    ['AUTHORIZATION', { AUTHORIZATION: `Bearer ${ADMIN_KEY}` }],
    ['headers.Authorization', { headers: { Authorization: `Bearer ${ADMIN_KEY}` } }],
  ])('finds the key in %s', async (_name, params) => {
    const { code, events } = await connect(params);
    expect(code).not.toBe(4401);
    expect(events).toHaveLength(1);
  });

  it.each([
    ['nothing', {}, /Missing API key.*authorization/],
    ['a key without Bearer', { authorization: ADMIN_KEY }, /Malformed authorization.*Bearer/],
    ['an unknown key', { authorization: 'Bearer lq_nope' }, /Unknown or revoked API key/],
  ])('closes with 4401 saying what was wrong when given %s', async (_name, params, reason) => {
    const closed = await connect(params);
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(reason);
    expect(closed.events).toEqual([]);
  });
});
