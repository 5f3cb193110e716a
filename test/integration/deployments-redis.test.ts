/**
 * Issue 16, finding 2: two deployments (each with its own database) on one
 * Redis server never see each other's events, and their own still arrive,
 * whether their namespaces are derived from the database (REDIS_URL /3 and
 * /4, which do not separate pub/sub) or set to the same REDIS_PREFIX by
 * mistake (the events' deployment id tells them apart).
 */
import Redis from 'ioredis';
import { startTestApp, type TestApp } from '../helpers/app';
import { createContact, createKey } from '../helpers/factories';
import { collect, sleep, wsClient } from '../helpers/ws';

const base = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SUB =
  'subscription { leadPromoted(stages: [MQL, SQL]) { cursor transition { id contactId toStage reason actor } } }';
const MOVE =
  'mutation($id: ID!, $to: LifecycleStage!) { transitionContact(id: $id, toStage: $to, reason: "secret ' +
  'reason") { id } }';

async function pair(envX: Record<string, string>, envY: Record<string, string>): Promise<[TestApp, TestApp]> {
  return [await startTestApp(envX), await startTestApp(envY)];
}

/** X moves contacts by hand, Y subscribes and then moves its own: Y sees exactly its own. */
async function isolated(x: TestApp, y: TestApp): Promise<void> {
  const sub = collect(wsClient(y.app.url, await createKey(y, 'VIEWER')), SUB);
  await sleep(300);
  const theirs = await createContact(x);
  await x.ok(MOVE, { id: theirs.id, to: 'MQL' });
  await x.ok(MOVE, { id: theirs.id, to: 'SQL' });
  await sleep(700);
  expect(sub.events).toEqual([]);
  // Y's epochs are numbered 1, 2, ... like X's were: they must not be taken for ones already seen.
  const own = await createContact(y);
  await y.ok(MOVE, { id: own.id, to: 'MQL' });
  await y.ok(MOVE, { id: own.id, to: 'SQL' });
  const events = await sub.waitFor(2, 10_000);
  await sleep(300);
  expect(sub.events).toHaveLength(2);
  expect(events.map((e) => [e.leadPromoted.transition.contactId, e.leadPromoted.transition.toStage])).toEqual([
    [own.id, 'MQL'],
    [own.id, 'SQL'],
  ]);
  expect(JSON.stringify(sub.events)).not.toContain(theirs.id);
  sub.dispose();
}

describe('namespaces derived from each database, REDIS_URL /3 and /4', () => {
  let x: TestApp;
  let y: TestApp;
  beforeAll(async () => {
    [x, y] = await pair({ REDIS_URL: `${base}/3` }, { REDIS_URL: `${base}/4` });
  });
  afterAll(async () => {
    await x.stop();
    await y.stop();
  });

  it("Y's subscriber never receives X's transitions, and Y's own arrive", () => isolated(x, y));

  it("rate-limit keys live under each deployment's own namespace", async () => {
    await x.ok('{ viewer { id } }', {}, await createKey(x, 'VIEWER'));
    await y.ok('{ viewer { id } }', {}, await createKey(y, 'VIEWER'));
    const prefixes: Set<string>[] = [];
    for (const db of [3, 4]) {
      const redis = new Redis(`${base}/${db}`);
      const keys = await redis.keys('lq:*:rate:*');
      await redis.quit();
      expect(keys.length).toBeGreaterThan(0);
      prefixes.push(new Set(keys.map((k) => k.split(':rate:')[0])));
    }
    expect([...prefixes[0]].some((p) => prefixes[1].has(p))).toBe(false);
  });
});

describe('the same REDIS_PREFIX set on both by mistake', () => {
  let x: TestApp;
  let y: TestApp;
  beforeAll(async () => {
    const prefix = `shared-${Date.now().toString(36)}`;
    [x, y] = await pair({ REDIS_URL: base, REDIS_PREFIX: prefix }, { REDIS_URL: base, REDIS_PREFIX: prefix });
  });
  afterAll(async () => {
    await x.stop();
    await y.stop();
  });

  it("events carry their deployment: Y ignores X's and still receives its own", () => isolated(x, y));
});
