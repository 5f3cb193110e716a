/**
 * Webhook runs: an instance claims several consecutive messages of an
 * endpoint under one lease and sends them in order. The claim and the write
 * of the outcomes cost the same statements for one message as for twenty
 * (counted through the TypeORM logger); a failure inside a run stops it and
 * the messages behind wait for the retry, in order.
 */
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app';
import { createContact, createKey, createPartner } from '../helpers/factories';
import { receiverPool } from '../helpers/receiver';
import { requestStats } from '../../src/db/sql-counter';
import { systemClock, WebhookOutbox } from '../../src/modules/webhooks';
import type { Recorded } from '../../src/modules/webhooks/outbox';

let t: TestApp;
const receivers = receiverPool();
beforeAll(async () => {
  t = await startTestApp({
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    // The service's own worker polls rarely: the first test drives claims by hand.
    WEBHOOK_POLL_MS: '60000',
    WEBHOOK_FIRST_RETRY_MS: '10',
  });
});
afterAll(async () => {
  await t.stop();
  await receivers.closeAll();
});
const receiver = receivers.start;

/**
 * A partner's endpoint (it receives only that partner's contacts) with `n`
 * promotions queued while it was disabled; returns its id and the contacts'
 * emails in order.
 */
async function queued(url: string, n: number): Promise<{ id: string; emails: string[] }> {
  const key = await createKey(t, 'PARTNER', (await createPartner(t)).id);
  const created = await t.ok(
    `mutation($u: String!) { createWebhookEndpoint(input: { url: $u, stages: [MQL] }) { endpoint { id } } }`,
    { u: url },
    key,
  );
  const id = created.createWebhookEndpoint.endpoint.id;
  await t.ok(`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: false }) { id } }`, { id });
  const emails: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = await createContact(t, {}, key);
    await t.ok(`mutation($id: ID!) { transitionContact(id: $id, toStage: MQL, reason: "test") { id } }`, { id: c.id });
    emails.push(c.email);
  }
  return { id, emails };
}

async function counted<T>(fn: () => Promise<T>): Promise<{ value: T; statements: number }> {
  const stats = { sqlStatements: 0 };
  const value = await requestStats.run(stats, fn);
  return { value, statements: stats.sqlStatements };
}

it('claims a run of consecutive messages under one lease, recorded with the same statements for 1 or 20', async () => {
  const r = await receiver();
  const one = await queued(r.url, 1);
  const twenty = await queued(r.url, 20);
  // Enabled behind the service worker's back (no wake-up): only the outbox below claims.
  await t.app.ds.query('UPDATE webhook_endpoints SET enabled = 1 WHERE id IN (?, ?)', [one.id, twenty.id]);
  const outbox = new WebhookOutbox(t.app.ds, systemClock);
  const size = { endpoints: 10, perEndpoint: 50 };
  const now = Date.now();

  const claimed = await counted(() => outbox.claim('test-owner', now, 60_000, size, new Set()));
  expect(claimed.value.map((b) => [b.endpointId, b.messages.length]).sort()).toEqual(
    [
      [one.id, 1],
      [twenty.id, 20],
    ].sort(),
  );
  const run = claimed.value.find((b) => b.endpointId === twenty.id)!;
  const emailsOf = (b: typeof run) => b.messages.map((m) => JSON.parse(m.payload).data.transition.contact.email);
  expect(emailsOf(run)).toEqual(twenty.emails);
  expect(run.messages.map((m) => Number(m.id))).toEqual(
    [...run.messages.map((m) => Number(m.id))].sort((a, b) => a - b),
  );
  // The lease holds the whole run: another instance finds nothing to claim.
  expect(await outbox.claim('other-owner', now, 60_000, size, new Set())).toEqual([]);

  // Claimed separately, one endpoint's run costs what the other's does.
  await t.app.ds.query('UPDATE webhook_messages SET lease_owner = NULL, lease_until = NULL');
  const claimOne = await counted(() => outbox.claim('test-owner', now, 60_000, size, new Set([twenty.id])));
  const claimTwenty = await counted(() => outbox.claim('test-owner', now, 60_000, size, new Set([one.id])));
  expect(claimOne.value[0].messages).toHaveLength(1);
  expect(claimTwenty.value[0].messages).toHaveLength(20);
  expect(claimOne.statements).toBeGreaterThan(3);
  expect(claimTwenty.statements).toBe(claimOne.statements);

  const delivered = (b: (typeof claimed.value)[0]): Recorded[] =>
    b.messages.map((message) => ({
      message,
      attemptedAt: now,
      result: { ok: true, statusCode: 204, durationMs: 1, error: null },
      outcome: { kind: 'delivered' },
    }));
  const recordOne = await counted(() => outbox.record('test-owner', delivered(claimOne.value[0])));
  const recordTwenty = await counted(() => outbox.record('test-owner', delivered(claimTwenty.value[0])));
  expect(recordOne.statements).toBeGreaterThan(1);
  expect(recordTwenty.statements).toBe(recordOne.statements);

  const log = await t.ok(
    `query($id: ID!) { webhookDeliveries(endpointId: $id, first: 50) { totalCount edges { node { state ` +
      `attemptCount payload } } } }`,
    { id: twenty.id },
    ADMIN_KEY,
  );
  expect(log.webhookDeliveries.totalCount).toBe(20);
  expect(log.webhookDeliveries.edges.every((e: any) => e.node.state === 'DELIVERED' && e.node.attemptCount === 1)).toBe(
    true,
  );
  expect(log.webhookDeliveries.edges.every((e: any) => typeof e.node.payload === 'string')).toBe(true);
  expect(await outbox.claim('test-owner', now, 60_000, size, new Set())).toEqual([]);
});

it('stops a run at a failure: the messages behind it wait for the retry and arrive in order', async () => {
  // The second request fails; every other one succeeds.
  const r = await receiver((n) => (n === 1 ? 500 : 204));
  const { id, emails } = await queued(r.url, 5);
  await t.ok(`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: true }) { id } }`, { id });
  await r.waitFor(() => r.delivered().length === 5);
  const sent = r.requests.map((q) => JSON.parse(q.body).data.transition.contact.email);
  expect(sent).toEqual([emails[0], emails[1], emails[1], emails[2], emails[3], emails[4]]);
  expect(r.requests.map((q) => q.answer)).toEqual([204, 500, 204, 204, 204, 204]);
});
