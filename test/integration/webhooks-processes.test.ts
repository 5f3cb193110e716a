/**
 * Webhooks across real service processes: two processes on one MariaDB
 * share the outbox and deliver each event once; a process killed (SIGKILL)
 * mid-delivery loses nothing, another one takes its lease over.
 */
import { ADMIN_KEY, TEST_DB, createTestDatabase } from '../helpers/app';
import { type Service, startService } from '../helpers/service-process';
import { type Receiver, startReceiver } from '../helpers/receiver';
import { uniqueEmail } from '../helpers/factories';
import { sleep } from '../helpers/ws';
import type { ScratchDatabase } from '../helpers/scratch-database';

const METRICS = 'metrics-token-0123456789';
const ENV = {
  METRICS_TOKEN: METRICS,
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_LEASE_MS: '2500',
  WEBHOOK_POLL_MS: '50',
  RATE_LIMIT_ADMIN: '1000:5000',
};
let db: ScratchDatabase;
const services: Service[] = [];
const receivers: Receiver[] = [];
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  for (const s of services.splice(0)) if (s.child.exitCode === null && s.child.signalCode === null) await s.stop();
  for (const r of receivers.splice(0)) await r.close();
  await db.drop();
});

async function service(): Promise<Service> {
  const s = await startService(db.url, ENV);
  services.push(s);
  return s;
}

async function gql(s: Service, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as any;
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function endpoint(s: Service, r: Receiver): Promise<string> {
  const data = await gql(
    s,
    `mutation($url: String!) { createWebhookEndpoint(input: { url: $url, stages: [MQL] }) { secret } }`,
    { url: r.url },
  );
  return data.createWebhookEndpoint.secret;
}

/** Creates a contact and moves it to MQL through `s`; returns its email. */
async function promote(s: Service): Promise<string> {
  const email = uniqueEmail('proc');
  const { createContact } = await gql(
    s,
    `mutation($email: String!) { createContact(input: { email: $email }) { id } }`,
    { email },
  );
  await gql(s, `mutation($id: ID!) { transitionContact(id: $id, toStage: MQL, reason: "test") { id } }`, {
    id: createContact.id,
  });
  return email;
}

const emailsOf = (r: Receiver) => r.delivered().map((q) => JSON.parse(q.body).data.transition.contact.email);
const attemptsBy = async (s: Service) =>
  Number(
    /lq_webhook_attempts (\d+)/.exec(
      await (
        await fetch(s.url.replace('/graphql', '/metrics'), { headers: { authorization: `Bearer ${METRICS}` } })
      ).text(),
    )![1],
  );

(TEST_DB === 'mysql' ? it : it.skip)(
  'two processes on one MariaDB share the outbox: every event reaches every endpoint once, in order',
  async () => {
    // One after the other: the first applies the migrations to the new database.
    const a = await service();
    const b = await service();
    const rs = [await startReceiver(), await startReceiver(), await startReceiver()];
    receivers.push(...rs);
    const secrets = [await endpoint(a, rs[0]), await endpoint(b, rs[1]), await endpoint(a, rs[2])];
    const emails: string[] = [];
    // Promotions through both processes, two at a time.
    for (let i = 0; i < 40; i += 2) emails.push(...(await Promise.all([promote(a), promote(b)])));
    for (const r of rs) await r.waitFor(() => r.delivered().length === 40);
    await sleep(500);
    rs.forEach((r, i) => {
      expect(r.requests).toHaveLength(40);
      expect(r.verifyAll(secrets[i])).toHaveLength(40);
      const ids = r.requests.map((q) => Number(JSON.parse(q.body).data.transition.id));
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(emailsOf(r))).toEqual(new Set(emails));
    });
    const [byA, byB] = [await attemptsBy(a), await attemptsBy(b)];
    expect(byA + byB).toBe(120);
  },
  120_000,
);

it('a process killed (SIGKILL) mid-delivery loses nothing: another process takes the lease over', async () => {
  const r = await startReceiver((n) => (n === 0 ? 'hang' : 204));
  receivers.push(r);
  const a = await service();
  const secret = await endpoint(a, r);
  const emails = [await promote(a), await promote(a), await promote(a)];
  await r.waitFor(() => r.requests.length === 1);
  a.child.kill('SIGKILL');
  await a.exited;
  const b = await service();
  await r.waitFor(() => r.delivered().length === 3, 30_000);
  await sleep(300);
  expect(emailsOf(r)).toEqual(emails);
  // The first event was sent twice (the killed process never heard the answer): same webhook-id, same body.
  expect(r.requests).toHaveLength(4);
  expect(r.requests[1].headers['webhook-id']).toBe(r.requests[0].headers['webhook-id']);
  expect(r.requests[1].body).toBe(r.requests[0].body);
  expect(r.verifyAll(secret)).toHaveLength(4);
  expect(await attemptsBy(b)).toBe(3);
}, 120_000);
