import Redis from 'ioredis';
import { ADMIN_KEY, startTestApp, type TestApp, TEST_DB } from '../helpers/app';
import { createKey, createRule, uniqueEmail } from '../helpers/factories';
import { type Service, startService } from '../helpers/service-process';
import { collect, sleep, wsClient } from '../helpers/ws';

const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SUB =
  `subscription($after: String) { leadPromoted(after: $after) { cursor transition { id toStage contact { email ` +
  `} } } }`;
const BATCH = 'mutation($i: [ActivityInput!]!) { recordActivities(inputs: $i) { duplicates } }';

async function ingest(httpUrl: string, n: number): Promise<void> {
  const inputs = Array.from({ length: n }, () => ({ contactEmail: uniqueEmail('redis'), type: 'page_view' }));
  const res = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query: BATCH, variables: { i: inputs } }),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
}

/** Kills this Redis server's subscriber connections, as a network drop would; ioredis reconnects after a back-off. */
async function dropSubscribers(): Promise<void> {
  const admin = new Redis(url);
  for (const line of String(await admin.client('LIST'))
    .split('\n')
    .filter(Boolean)) {
    const id = /id=(\d+)/.exec(line)?.[1];
    const cmd = /cmd=(\w+)/.exec(line)?.[1];
    if (id && (cmd === 'subscribe' || cmd === 'ssubscribe')) await admin.client('KILL', 'ID', id);
  }
  await admin.quit();
}

describe('one instance with Redis', () => {
  let a: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ REDIS_URL: url });
    await createRule(a, { name: 'view', kind: 'BEHAVIOR', activityType: 'page_view', points: 60 });
    await a.app.services.rescore.idle();
  });
  afterAll(() => a.stop());

  it('delivers what was published while its Redis link was down, once, from the store', async () => {
    const sub = collect(wsClient(a.app.url, await createKey(a, 'VIEWER')), SUB);
    await sleep(200);
    await ingest(a.app.url, 5);
    await sub.waitFor(5);
    await dropSubscribers();
    await ingest(a.app.url, 7);
    await sub.waitFor(12, 15_000);
    await ingest(a.app.url, 3);
    await sub.waitFor(15, 15_000);
    await sleep(300);
    const ids = sub.events.map((e) => Number(e.leadPromoted.transition.id));
    expect(ids).toHaveLength(15);
    expect(ids).toEqual([...new Set(ids)].sort((x, y) => x - y));
  });
});

// Two instances need a database both can open at once: MariaDB/MySQL (SQLite here is one file per process, one writer).
// Instance B is a process of its own (src/main.ts as deployed): nothing but MariaDB and Redis connects it to A.
(TEST_DB === 'mysql' ? describe : describe.skip)('two service processes sharing MariaDB and Redis', () => {
  let a: TestApp;
  let b: Service;
  beforeAll(async () => {
    a = await startTestApp({ REDIS_URL: url });
    b = await startService(a.db.url, { REDIS_URL: url, RATE_LIMIT_ADMIN: '1000:5000' });
    await createRule(a, { name: 'view', kind: 'BEHAVIOR', activityType: 'page_view', points: 60 });
    await a.app.services.rescore.idle();
  });
  afterAll(async () => {
    expect(await b.stop()).toBe(0);
    await a.stop();
  });

  it('delivers promotions caused on instance B to a subscriber on instance A, each once, in order', async () => {
    const sub = collect(wsClient(a.app.url, await createKey(a, 'VIEWER')), SUB);
    await sleep(200);
    await Promise.all([ingest(b.url, 300), ingest(b.url, 300), ingest(a.app.url, 200)]);
    await sub.waitFor(800);
    await sleep(300);
    expect(sub.events).toHaveLength(800);
    const cursors = sub.events.map((e) => e.leadPromoted.cursor);
    expect(new Set(sub.events.map((e) => e.leadPromoted.transition.id)).size).toBe(800);
    expect(new Set(cursors).size).toBe(800);
  });

  it('resumes on instance B from a cursor received on instance A', async () => {
    const key = await createKey(a, 'VIEWER');
    const first = wsClient(a.app.url, key);
    const sub1 = collect(first, SUB);
    await sleep(200);
    await ingest(b.url, 10);
    await sub1.waitFor(10);
    void first.dispose();
    // Committed before A answers; the resumed subscription must get them whether it replays them or sees them live.
    await ingest(a.app.url, 10);
    const sub2 = collect(wsClient(b.url, key), SUB, { after: sub1.events[9].leadPromoted.cursor });
    await ingest(b.url, 10);
    await sub2.waitFor(20);
    await sleep(300);
    const ids = sub2.events.map((e) => Number(e.leadPromoted.transition.id));
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    expect(Math.min(...ids)).toBeGreaterThan(Number(sub1.events[9].leadPromoted.transition.id));
  });

  it("delivers each contact's promotions in the order they happened when both instances score it at once", async () => {
    // An open (1 point) promotes to LEAD, a page view (60) to MQL: whichever commits first, LEAD must come out first.
    await createRule(a, { name: 'open', kind: 'BEHAVIOR', activityType: 'email_open', points: 1 });
    await a.app.services.rescore.idle();
    const staged =
      'subscription { leadPromoted(stages: [LEAD, MQL]) { cursor transition { toStage contact { email } } } }';
    const sub = collect(wsClient(a.app.url, await createKey(a, 'VIEWER')), staged);
    await sleep(200);
    const emails = Array.from({ length: 40 }, () => uniqueEmail('causal'));
    const record = async (httpUrl: string, email: string, type: string) => {
      const res = await fetch(httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ query: BATCH, variables: { i: [{ contactEmail: email, type }] } }),
      });
      return ((await res.json()) as { errors?: unknown }).errors ?? null;
    };
    const errors = await Promise.all(
      emails.flatMap((email) => [record(a.app.url, email, 'email_open'), record(b.url, email, 'page_view')]),
    );
    expect(errors.filter(Boolean)).toEqual([]);
    await sub.waitFor(80);
    await sleep(300);
    expect(sub.events).toHaveLength(80);
    for (const email of emails) {
      expect(
        sub.events
          .filter((e) => e.leadPromoted.transition.contact.email === email)
          .map((e) => e.leadPromoted.transition.toStage),
      ).toEqual(['LEAD', 'MQL']);
    }
  });
});
