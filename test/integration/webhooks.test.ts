/**
 * Webhooks end to end over a real receiver (node:http): retries spaced as
 * documented on a clock the test moves, order per endpoint, signatures that
 * the standardwebhooks package verifies, partner scoping, secret rotation,
 * giving up after 3 days, redelivery and test events.
 */
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app';
import { createContact, createKey, createPartner } from '../helpers/factories';
import { type Receiver, receiverPool } from '../helpers/receiver';
import { sleep } from '../helpers/ws';
import { JITTER, nominalDelayMs } from '../../src/modules/webhooks/backoff';

class ManualClock {
  t = Date.now();
  now = () => this.t;
  advanceTo(ms: number) {
    this.t = Math.max(this.t, ms);
  }
}

const clock = new ManualClock();
let t: TestApp;
const receivers = receiverPool();
beforeAll(async () => {
  t = await startTestApp(
    {
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT_MS: '300',
      WEBHOOK_LEASE_MS: '2000',
      WEBHOOK_POLL_MS: '20',
      RATE_LIMIT_PARTNER: '1000:1000',
    },
    { clock },
  );
});
afterAll(async () => {
  await t.stop();
  await receivers.closeAll();
});
const receiver = receivers.start;

const CREATE =
  `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { id ` +
  `url stages partnerId enabled } } }`;
const DELIVERIES = `query($id: ID!, $first: Int) { webhookDeliveries(endpointId: $id, first: $first) { totalCount
                     edges { node {
  id webhookId eventType state attemptCount nextAttemptAt payload attempts { attemptedAt statusCode durationMs
    error ok } } } } }`;

async function createEndpoint(url: string, stages = ['MQL'], key = ADMIN_KEY): Promise<{ id: string; secret: string }> {
  const data = await t.ok(CREATE, { input: { url, stages, description: 'test' } }, key);
  return { id: data.createWebhookEndpoint.endpoint.id, secret: data.createWebhookEndpoint.secret };
}

async function promote(contactId: string, toStage = 'MQL'): Promise<void> {
  await t.ok(
    `mutation($id: ID!, $to: LifecycleStage!) { transitionContact(id: $id, toStage: $to, reason: "test") { id } }`,
    { id: contactId, to: toStage },
  );
}

async function deliveries(endpointId: string): Promise<any[]> {
  return (await t.ok(DELIVERIES, { id: endpointId, first: 100 })).webhookDeliveries.edges.map((e: any) => e.node);
}

it('retries errors, a timeout and 500s as documented, then delivers each event once, in order, signed', async () => {
  const script = ['503', 'drop', 'hang', '500', '500', '500'];
  const r = await receiver(
    (n) =>
      (n < script.length
        ? script[n] === 'drop' || script[n] === 'hang'
          ? script[n]
          : Number(script[n])
        : 204) as never,
  );
  const { id, secret } = await createEndpoint(r.url);
  const contacts = [await createContact(t), await createContact(t), await createContact(t)];
  for (const c of contacts) await promote(c.id);

  for (let failures = 1; failures <= script.length; failures++) {
    await r.waitFor(() => r.requests.length === failures);
    let head: any;
    // The outcome is written just after the answer (or the timeout).
    for (let i = 0; i < 200; i++) {
      head = (await deliveries(id)).at(-1);
      if (head.attemptCount === failures) break;
      await sleep(10);
    }
    expect(head.attemptCount).toBe(failures);
    const last = head.attempts.at(-1);
    const gap = Date.parse(head.nextAttemptAt) - Date.parse(last.attemptedAt);
    expect(gap).toBeGreaterThanOrEqual(nominalDelayMs(failures) * (1 - JITTER) - 1);
    expect(gap).toBeLessThanOrEqual(nominalDelayMs(failures) * (1 + JITTER) + 1);
    // Nothing is sent before the retry is due, and nothing behind the head goes first.
    await sleep(100);
    expect(r.requests).toHaveLength(failures);
    clock.advanceTo(Date.parse(head.nextAttemptAt));
  }
  await r.waitFor(() => r.delivered().length === 3);
  await sleep(200);

  const bodies = r.verifyAll(secret) as any[];
  const firstEvent = bodies[0];
  expect(bodies.slice(0, script.length + 1).every((b) => JSON.stringify(b) === JSON.stringify(firstEvent))).toBe(true);
  const delivered = r.delivered().map((q) => JSON.parse(q.body));
  expect(delivered.map((b) => b.data.transition.contact.email)).toEqual(contacts.map((c) => c.email));
  expect(
    delivered.every(
      (b) =>
        b.type === 'lead.promoted' && b.data.transition.toStage === 'MQL' && b.data.transition.contact.stage === 'MQL',
    ),
  ).toBe(true);
  expect(typeof delivered[0].data.cursor).toBe('string');
  expect(new Set(r.requests.map((q) => q.headers['webhook-id'])).size).toBe(3);
  expect(r.requests).toHaveLength(script.length + 3);

  const log = await deliveries(id);
  expect(log.map((d) => d.state)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);
  const head = log.at(-1);
  expect(head.attempts.map((a: any) => a.statusCode)).toEqual([503, null, null, 500, 500, 500, 204]);
  expect(head.attempts[1].error).toMatch(/ECONNRESET|socket hang up/);
  expect(head.attempts[2].error).toMatch(/timed out after 300 ms/);
  expect(head.attempts[2].durationMs).toBeGreaterThanOrEqual(300);
  expect(head.attempts[3].error).toMatch(/HTTP 500: receiver says no/);
});

it("sends PARTNER endpoints only their partner's contacts, admin ones all; partners manage their own", async () => {
  const [pa, pb] = [await createPartner(t), await createPartner(t)];
  const [ka, kb] = [await createKey(t, 'PARTNER', pa.id), await createKey(t, 'PARTNER', pb.id)];
  const [ra, rb, rall] = [await receiver(), await receiver(), await receiver()];
  const ea = await createEndpoint(ra.url, ['MQL'], ka);
  const eb = await createEndpoint(rb.url, ['MQL'], kb);
  await createEndpoint(rall.url, ['MQL']);
  const ca = await createContact(t, {}, ka);
  const cb = await createContact(t, {}, kb);
  const none = await createContact(t);
  for (const c of [ca, cb, none]) await promote(c.id);
  await rall.waitFor(() => rall.delivered().length === 3);
  await ra.waitFor(() => ra.delivered().length >= 1);
  await rb.waitFor(() => rb.delivered().length >= 1);
  await sleep(200);
  const emails = (r: Receiver) => r.delivered().map((q) => JSON.parse(q.body).data.transition.contact.email);
  expect(emails(ra)).toEqual([ca.email]);
  expect(emails(rb)).toEqual([cb.email]);
  expect(emails(rall)).toEqual([ca.email, cb.email, none.email]);

  const listed = await t.ok(`{ webhookEndpoints { id partnerId } }`, {}, ka);
  expect(listed.webhookEndpoints).toEqual([{ id: ea.id, partnerId: pa.id }]);
  const foreign = await t.gql(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, { id: eb.id }, ka);
  expect(foreign.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  const viewer = await t.gql(`{ webhookEndpoints { id } }`, {}, await createKey(t, 'SALES'));
  expect(viewer.errors?.[0].extensions?.code).toBe('FORBIDDEN');
});

it('rotates the secret: the old one signs beside the new one for 24 hours, then stops', async () => {
  const r = await receiver();
  const { id, secret: old } = await createEndpoint(r.url);
  const rotated = await t.ok(
    `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { previousSecretExpiresAt } } }`,
    { id },
  );
  const fresh = rotated.rotateWebhookSecret.secret;
  expect(fresh).not.toBe(old);
  expect(Date.parse(rotated.rotateWebhookSecret.endpoint.previousSecretExpiresAt)).toBe(clock.now() + 24 * 3600_000);
  await promote((await createContact(t)).id);
  await r.waitFor(() => r.requests.length === 1);
  expect(r.verifyAll(old)).toHaveLength(1);
  expect(r.verifyAll(fresh)).toHaveLength(1);
  clock.advanceTo(clock.now() + 24 * 3600_000 + 1);
  await promote((await createContact(t)).id);
  await r.waitFor(() => r.requests.length === 2);
  expect(r.verifyAll(fresh)).toHaveLength(2);
  expect(() => r.verifyAll(old)).toThrow(/signature/i);
});

it('gives up after 3 days of failures: disabled, says why; re-enabled, it delivers what waited', async () => {
  let healthy = false;
  const r = await receiver(() => (healthy ? 200 : 500));
  const { id } = await createEndpoint(r.url);
  await promote((await createContact(t)).id);
  const started = clock.now();
  let endpoint: any;
  for (let i = 0; i < 100; i++) {
    endpoint = (await t.ok(`query($id: ID!) { webhookEndpoint(id: $id) { enabled disabledReason } }`, { id }))
      .webhookEndpoint;
    if (!endpoint.enabled) break;
    const head = (await deliveries(id)).at(-1);
    if (head?.attemptCount > 0 && head.attempts.length === head.attemptCount)
      clock.advanceTo(Date.parse(head.nextAttemptAt));
    await sleep(30);
  }
  expect(endpoint.enabled).toBe(false);
  expect(endpoint.disabledReason).toMatch(/failed attempts since .*; last: HTTP 500/);
  const attempts = r.requests.length;
  expect(clock.now() - started).toBeLessThanOrEqual(3 * 86_400_000);
  expect(clock.now() - started).toBeGreaterThan(2 * 86_400_000);
  await promote((await createContact(t)).id);
  await sleep(200);
  expect(r.requests).toHaveLength(attempts);
  healthy = true;
  await t.ok(`mutation($id: ID!) { enableWebhookEndpoint(id: $id) { enabled } }`, { id });
  await r.waitFor(() => r.delivered().length === 2);
  expect((await deliveries(id)).map((d) => d.state)).toEqual(['DELIVERED', 'DELIVERED']);
});

it('pings with a signed test event and redelivers with the same webhook-id', async () => {
  const r = await receiver();
  const { id, secret } = await createEndpoint(r.url);
  const ping = (
    await t.ok(
      `mutation($id: ID!) { pingWebhookEndpoint(id: $id) { id eventType state attempts { statusCode ok } } }`,
      { id },
    )
  ).pingWebhookEndpoint;
  expect(ping).toMatchObject({
    eventType: 'webhook.ping',
    state: 'DELIVERED',
    attempts: [{ statusCode: 204, ok: true }],
  });
  expect((r.verifyAll(secret)[0] as any).type).toBe('webhook.ping');
  await promote((await createContact(t)).id);
  await r.waitFor(() => r.requests.length === 2);
  const [event] = (await deliveries(id)).filter((d) => d.eventType === 'lead.promoted');
  const again = (
    await t.ok(`mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { webhookId attemptCount attempts { ok } } }`, {
      id: event.id,
    })
  ).redeliverWebhook;
  expect(again.attempts).toHaveLength(2);
  expect(r.requests).toHaveLength(3);
  expect(r.requests[2].headers['webhook-id']).toBe(event.webhookId);
  expect(r.requests[2].body).toBe(r.requests[1].body);
  const missing = await t.gql(`mutation { redeliverWebhook(deliveryId: "999999") { id } }`);
  expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  const sales = await t.gql(
    `mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }`,
    { id: event.id },
    await createKey(t, 'SALES'),
  );
  expect(sales.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  expect(r.requests).toHaveLength(3);
});

it('refuses bad input with BAD_USER_INPUT naming the field', async () => {
  const bad = await t.gql(CREATE, { input: { url: 'ftp://x', stages: ['MQL'] } });
  expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.url' });
  const none = await t.gql(CREATE, { input: { url: 'http://127.0.0.1:1/x', stages: [] } });
  expect(none.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.stages' });
});
