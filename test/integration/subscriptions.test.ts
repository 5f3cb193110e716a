import { startTestApp, type TestApp, TEST_DB } from '../helpers/app';
import { createKey, createPartner, createRule, uniqueEmail } from '../helpers/factories';
import { collect, pausableSubscriber, sleep, wsClient } from '../helpers/ws';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ KEY_RECHECK_MS: '100', PROMOTION_ORPHAN_MS: '500' });
  await createRule(t, { name: 'view', kind: 'BEHAVIOR', activityType: 'page_view', points: 60 });
  await t.app.services.rescore.idle();
});
afterAll(() => t.stop());

const SUB = `subscription($stages: [LifecycleStage!], $after: String, $partnerId: ID) {
  leadPromoted(stages: $stages, after: $after, partnerId: $partnerId) {
  cursor transition { id contactId fromStage toStage trigger occurredAt contact { email stage } } } }`;
const BATCH =
  'mutation($inputs: [ActivityInput!]!) { recordActivities(inputs: $inputs) { transitions { id toStage } } }';

/** Promotes `n` new contacts PROSPECT -> LEAD -> MQL (one MQL event each), in batches. */
async function promote(n: number, batch = 250, extra: Record<string, unknown> = {}): Promise<string[]> {
  const emails: string[] = [];
  for (let i = 0; i < n; i += batch) {
    const inputs = Array.from({ length: Math.min(batch, n - i) }, () => {
      const email = uniqueEmail('sub');
      emails.push(email);
      return { contactEmail: email, type: 'page_view', ...extra };
    });
    await t.ok(BATCH, { inputs });
  }
  return emails;
}

it('delivers each of 1,000 promotions in bursts exactly once per subscription, in order, after commit', async () => {
  const client = wsClient(t.app.url, await createKey(t, 'VIEWER'));
  const mql = collect(client, SUB);
  const all = collect(client, SUB, { stages: ['LEAD', 'MQL'] });
  await sleep(200);
  const emails = await promote(1000);
  const events = await mql.waitFor(1000);
  await all.waitFor(2000);
  await sleep(300);
  expect(mql.events).toHaveLength(1000);
  expect(all.events).toHaveLength(2000);
  expect(mql.errors).toEqual([]);
  const received = events.map((e) => e.leadPromoted.transition);
  expect(new Set(received.map((x: any) => x.id)).size).toBe(1000);
  expect(
    received.every(
      (x: any) => x.toStage === 'MQL' && x.fromStage === 'LEAD' && x.trigger === 'SCORE' && x.contact.stage === 'MQL',
    ),
  ).toBe(true);
  expect(received.map((x: any) => x.contact.email).sort()).toEqual([...emails].sort());
  const ids = received.map((x: any) => Number(x.id));
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  void client.dispose();
});

it('sends nothing for a batch that rolls back', async () => {
  const client = wsClient(t.app.url, await createKey(t, 'VIEWER'));
  const sub = collect(client, SUB, { stages: ['LEAD', 'MQL'] });
  await sleep(200);
  const res = await t.gql(BATCH, {
    inputs: [
      { contactEmail: uniqueEmail('rb'), type: 'page_view' },
      { contactEmail: uniqueEmail('rb'), type: 'Not Valid' },
    ],
  });
  expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  const missing = await t.gql(BATCH, {
    inputs: [
      { contactEmail: uniqueEmail('rb'), type: 'page_view' },
      { contactId: 'missing', type: 'page_view' },
    ],
  });
  expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  await promote(1);
  await sub.waitFor(2);
  await sleep(300);
  expect(sub.events).toHaveLength(2);
  void client.dispose();
});

it('resumes after a dropped connection: every event once, in order, with promotions meanwhile', async () => {
  const key = await createKey(t, 'SALES');
  const first = wsClient(t.app.url, key);
  const sub1 = collect(first, SUB);
  await sleep(200);
  await promote(30, 10);
  await sub1.waitFor(30);
  const cursor = sub1.events[9].leadPromoted.cursor;
  const seenBefore = sub1.events.slice(0, 10).map((e) => e.leadPromoted.transition.id);
  void first.dispose();
  await promote(20, 5);
  const second = wsClient(t.app.url, key);
  const sub2 = collect(second, SUB, { after: cursor });
  const during = promote(25, 5);
  await during;
  const events = await sub2.waitFor(20 + 20 + 25);
  await sleep(300);
  expect(sub2.events).toHaveLength(65);
  const ids = events.map((e) => Number(e.leadPromoted.transition.id));
  expect(new Set(ids).size).toBe(65);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(ids.some((id) => seenBefore.includes(String(id)))).toBe(false);
  void second.dispose();
});

it('limits PARTNER subscribers to their partner and honours the partnerId filter', async () => {
  const [p1, p2] = [await createPartner(t), await createPartner(t)];
  const k1 = await createKey(t, 'PARTNER', p1.id);
  const mine = collect(wsClient(t.app.url, k1), SUB);
  const other = collect(wsClient(t.app.url, k1), SUB, { partnerId: p2.id });
  const adminFiltered = collect(wsClient(t.app.url, await createKey(t, 'VIEWER')), SUB, { partnerId: p2.id });
  await sleep(200);
  const c1 = (
    await t.ok(`mutation($p: ID) { createContact(input: { email: "${uniqueEmail('p1')}", partnerId: $p }) { id } }`, {
      p: p1.id,
    })
  ).createContact;
  const c2 = (
    await t.ok(`mutation($p: ID) { createContact(input: { email: "${uniqueEmail('p2')}", partnerId: $p }) { id } }`, {
      p: p2.id,
    })
  ).createContact;
  await t.ok(BATCH, {
    inputs: [
      { contactId: c2.id, type: 'page_view' },
      { contactId: c1.id, type: 'page_view' },
    ],
  });
  await mine.waitFor(1);
  await adminFiltered.waitFor(1);
  await sleep(300);
  expect(mine.events.map((e) => e.leadPromoted.transition.contactId)).toEqual([c1.id]);
  expect(adminFiltered.events.map((e) => e.leadPromoted.transition.contactId)).toEqual([c2.id]);
  expect(other.events).toEqual([]);
});

it('closes a connection without a valid key with 4401 and drops a revoked key', async () => {
  let closed = 0;
  const bad = collect(wsClient(t.app.url, 'lq_wrong', { onClose: (code) => (closed = code) }), SUB);
  await sleep(300);
  expect(closed).toBe(4401);
  expect(bad.events).toEqual([]);

  const secret = await createKey(t, 'VIEWER', undefined, 'to-revoke');
  let revokedCode = 0;
  collect(wsClient(t.app.url, secret, { onClose: (code) => (revokedCode = code) }), SUB);
  await sleep(200);
  const keys = await t.ok('{ apiKeys { id name } }');
  await t.ok('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', {
    id: keys.apiKeys.find((k: any) => k.name === 'to-revoke').id,
  });
  await sleep(500);
  expect(revokedCode).toBe(4403);
});

/** About 25 KB per event: 100 aliases of the transition, so a burst outgrows the socket buffers of the machine. */
const TRANSITION =
  'transition { id contactId fromStage toStage trigger occurredAt reason score actor contact { email stage score } }';
const ALIASES = Array.from({ length: 100 }, (_, i) => `t${i}: ${TRANSITION}`).join(' ');
const BIG = `subscription { leadPromoted { cursor ${ALIASES} } }`;

it('closes a connection that stops reading with 4429 and its cursor; it resumes there without loss', async () => {
  const small = await startTestApp({ SUBSCRIPTION_QUEUE_LIMIT: '5' });
  try {
    await createRule(small, { name: 'view', kind: 'BEHAVIOR', activityType: 'page_view', points: 60 });
    await small.app.services.rescore.idle();
    const key = await createKey(small, 'VIEWER');
    const slow = await pausableSubscriber(small.app.url, key, BIG);
    await sleep(200);
    slow.pause();
    // 400 events of 25 KB in one batch: 10 MB, more than the kernel's socket buffers take while the reader is paused.
    const n = 400;
    await small.ok(BATCH, {
      inputs: Array.from({ length: n }, () => ({ contactEmail: uniqueEmail('slow'), type: 'page_view' })),
    });
    // The close frame waits behind the unread data: once the server has given up on the reader (its counter),
    // reading again brings the events written before the close, then the close.
    for (let i = 0; i < 600; i++) {
      if (/lq_subscribers_too_slow_total 1/.test((await small.http.get('/metrics')).text)) break;
      await sleep(100);
    }
    slow.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(4429);
    const cursor = /after=(\S+)$/.exec(closed.reason)?.[1];
    expect(cursor).toBeTruthy();
    const got = slow.events.map((e) => e.leadPromoted.t0.id);
    expect(got.length).toBeLessThan(n);
    const resumed = collect(wsClient(small.app.url, key), SUB, { after: cursor });
    await resumed.waitFor(n - got.length);
    await sleep(200);
    const all = [...got, ...resumed.events.map((e) => e.leadPromoted.transition.id)];
    expect(all).toHaveLength(n);
    expect(new Set(all).size).toBe(n);
  } finally {
    await small.stop();
  }
}, 120_000);

it('5: keeps a reader that keeps up through a burst over its bound (measured after a drain attempt)', async () => {
  const small = await startTestApp({ SUBSCRIPTION_QUEUE_LIMIT: '5' });
  try {
    await createRule(small, { name: 'view', kind: 'BEHAVIOR', activityType: 'page_view', points: 60 });
    await small.app.services.rescore.idle();
    const codes: number[] = [];
    const reader = collect(
      wsClient(small.app.url, await createKey(small, 'VIEWER'), { onClose: (code) => codes.push(code) }),
      BIG,
    );
    await sleep(200);
    // One epoch of 100 promotions of about 25 KB each: 2.5 MB written at once against a bound of 5 KB.
    await small.ok(BATCH, {
      inputs: Array.from({ length: 100 }, () => ({ contactEmail: uniqueEmail('burst'), type: 'page_view' })),
    });
    await reader.waitFor(100);
    await sleep(300);
    expect(codes).toEqual([]);
    expect(new Set(reader.events.map((e) => e.leadPromoted.t0.id)).size).toBe(100);
  } finally {
    await small.stop();
  }
});

(TEST_DB === 'mysql' ? it : it.skip)(
  'resumes without a gap when a transaction with a lower id commits after later ones (MySQL)',
  async () => {
    const key = await createKey(t, 'VIEWER');
    const contact = (await t.ok(`mutation { createContact(input: { email: "${uniqueEmail('late')}" }) { id } }`))
      .createContact;
    // A transaction that takes its transition id now and commits last, as a long batch on another connection would.
    const runner = t.app.ds.createQueryRunner();
    await runner.startTransaction();
    await runner.query(
      'INSERT INTO stage_transitions (contact_id, from_stage, to_stage, `trigger`, reason, score, actor, ' +
        'occurred_at, partner_id, owner_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        contact.id,
        'LEAD',
        'MQL',
        'SCORE',
        null,
        60,
        null,
        '2026-01-01 00:00:00.000',
        null,
        null,
        '2026-01-01 00:00:00.000',
      ],
    );
    const [{ id: lateId }] = await runner.query('SELECT LAST_INSERT_ID() AS id');
    const first = wsClient(t.app.url, key);
    const sub1 = collect(first, SUB);
    await sleep(200);
    await promote(5);
    await sub1.waitFor(5);
    const cursor = sub1.events[4].leadPromoted.cursor;
    expect(sub1.events.every((e) => Number(e.leadPromoted.transition.id) > Number(lateId))).toBe(true);
    void first.dispose();
    await runner.commitTransaction();
    await runner.release();
    // Nobody publishes that row: the orphan sweep (PROMOTION_ORPHAN_MS) stamps it after the ones already sent.
    const sub2 = collect(wsClient(t.app.url, key), SUB, { after: cursor });
    const events = await sub2.waitFor(1, 10_000);
    await sleep(300);
    expect(events.map((e) => e.leadPromoted.transition.id)).toEqual([String(lateId)]);
  },
);

it('counts open subscriptions in /metrics while they are live, and stops counting them once they end', async () => {
  const active = async () => Number(/^lq_active_subscriptions (\d+)$/m.exec((await t.http.get('/metrics')).text)?.[1]);
  const until = async (n: number) => {
    for (let i = 0; i < 250 && (await active()) !== n; i++) await sleep(20);
    return active();
  };
  const before = await active();
  const client = wsClient(t.app.url, await createKey(t, 'VIEWER'));
  const subs = [collect(client, SUB), collect(client, SUB, { stages: ['SQL'] })];
  expect(await until(before + 2)).toBe(before + 2);
  // A live subscription (broadcast path) still counts and still receives.
  await promote(1);
  await subs[0].waitFor(1);
  subs.forEach((s) => s.dispose());
  expect(await until(before)).toBe(before);
  void client.dispose();
});
