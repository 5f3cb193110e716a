import Redis from 'ioredis';
import { loadConfig } from '../../src/config/config';
import { App, startApp } from '../../src/main';
import { ADMIN_KEY, startTestApp, TestApp } from '../helpers/app';
import { createKey, createRule, uniqueEmail } from '../helpers/factories';
import { collect, sleep, wsClient } from '../helpers/ws';

const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let a: TestApp;
let b: App;
beforeAll(async () => {
  a = await startTestApp({ REDIS_URL: url });
  b = await startApp(loadConfig({ DATABASE_URL: a.db.url, PORT: '0', ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: 'silent', REDIS_URL: url }));
  await createRule(a, { name: 'view', kind: 'BEHAVIOR', activityType: 'page_view', points: 60 });
  await a.app.services.rescore.idle();
});
afterAll(async () => {
  await b.stop();
  await a.stop();
});

const SUB = `subscription { leadPromoted { cursor transition { id toStage contact { email } } } }`;

async function ingestOnB(n: number): Promise<void> {
  const inputs = Array.from({ length: n }, () => ({ contactEmail: uniqueEmail('redis'), type: 'page_view' }));
  const res = await fetch(b.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify({ query: 'mutation($i: [ActivityInput!]!) { recordActivities(inputs: $i) { duplicates } }', variables: { i: inputs } }) });
  expect(res.status).toBe(200);
}

it('delivers promotions caused on instance B to a subscriber on instance A, through Redis', async () => {
  const sub = collect(wsClient(a.app.url, await createKey(a, 'VIEWER')), SUB);
  await sleep(200);
  await ingestOnB(50);
  await sub.waitFor(50);
  await sleep(200);
  expect(sub.events).toHaveLength(50);
  expect(new Set(sub.events.map((e) => e.leadPromoted.transition.id)).size).toBe(50);
});

it('replays what was missed while the Redis link was down, once it is back', async () => {
  const sub = collect(wsClient(a.app.url, await createKey(a, 'VIEWER')), SUB);
  await sleep(200);
  await ingestOnB(5);
  await sub.waitFor(5);
  // Cut the subscriber connections (as a network drop would); ioredis reconnects by itself after a
  // back-off, so the next promotions are published while A is not listening and must come from the replay.
  const admin = new Redis(url);
  const clients = String(await admin.client('LIST')).split('\n').filter(Boolean);
  for (const line of clients) {
    const id = /id=(\d+)/.exec(line)?.[1];
    const name = /cmd=(\w+)/.exec(line)?.[1];
    if (id && (name === 'subscribe' || name === 'ssubscribe')) await admin.client('KILL', 'ID', id);
  }
  await ingestOnB(7);
  await sub.waitFor(12, 15_000);
  await sleep(300);
  const ids = sub.events.map((e) => e.leadPromoted.transition.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(12);
  await admin.quit();
});
