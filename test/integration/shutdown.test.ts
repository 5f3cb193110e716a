/**
 * Graceful shutdown of the real service process (src/main.ts): on SIGTERM it
 * refuses new connections, finishes the HTTP requests in flight, only then
 * closes WebSockets with 1001 (going away), on which graphql-ws clients
 * reconnect, and exits 0. Played as a rolling deploy: a second instance is up
 * and the client's URL (a load balancer's job) points to it once the first
 * one drains.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ADMIN_KEY, createTestDatabase } from '../helpers/app';
import { uniqueEmail } from '../helpers/factories';
import { type Service, startService } from '../helpers/service-process';
import { collect, sleep } from '../helpers/ws';
import type { ScratchDatabase } from '../helpers/scratch-database';

async function gql(port: number, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** Resolves 'refused' or 'accepted' for a new TCP connection to the port. */
function tryConnect(port: number): Promise<'refused' | 'accepted'> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', () => resolve('refused'));
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const RECORD =
  `mutation($inputs: [ActivityInput!]!) { recordActivities(inputs: $inputs) { activities { id } transitions { ` +
  `id toStage } } }`;
const SUB = `subscription { leadPromoted { cursor transition { id contact { email } } } }`;

let db: ScratchDatabase;
const started: Service[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await db.drop();
});

it('on SIGTERM finishes the request in flight, closes sockets with 1001 (clients reconnect), exits 0', async () => {
  const first = await startService(db.url);
  started.push(first);
  await gql(
    first.port,
    `mutation { createScoringRule(input: { name: "visit", kind: BEHAVIOR, activityType: "page_view", points: ` +
      `100 }) { id } }`,
  );
  const starting = startService(db.url);

  const order: string[] = [];
  let connections = 0;
  let target = first;
  // graphql-ws's default retry policy: only the URL follows the deploy.
  const client = createClient({
    url: () => `ws://127.0.0.1:${target.port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${ADMIN_KEY}` },
    on: {
      connected: () => connections++,
      closed: (e) => order.push(`socket closed ${(e as { code: number }).code}`),
    },
  });
  const events = collect(client, SUB);
  // Live once a promotion committed now reaches it.
  await until(async () => {
    await gql(first.port, RECORD, { inputs: [{ contactEmail: uniqueEmail('live'), type: 'page_view' }] });
    await sleep(100);
    return events.events.length > 0;
  }, 'the subscription to receive events');

  // A request the server has started (it answered 100-continue) whose body only comes after SIGTERM.
  const inputs = Array.from({ length: 200 }, () => ({ contactEmail: uniqueEmail('inflight'), type: 'page_view' }));
  const body = JSON.stringify({ query: RECORD, variables: { inputs } });
  const req = request({
    host: '127.0.0.1',
    port: first.port,
    method: 'POST',
    path: '/graphql',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${ADMIN_KEY}`,
      'content-length': Buffer.byteLength(body),
      expect: '100-continue',
    },
  });
  const response = new Promise<{ status: number; json: any }>((resolve, reject) => {
    req.once('response', (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        order.push(`http ${res.statusCode}`);
        resolve({ status: res.statusCode!, json: JSON.parse(text) });
      });
    });
    req.once('error', reject);
  });
  await new Promise<void>((resolve) => req.once('continue', resolve));
  const second = await starting;
  started.push(second);
  target = second;

  first.child.kill('SIGTERM');
  await until(() => first.output().includes('SIGTERM: draining'), 'the service to start draining');
  await until(async () => (await tryConnect(first.port)) === 'refused', 'new connections to be refused');
  expect(order).toEqual([]);

  req.end(body);
  const { status, json } = await response;
  expect(status).toBe(200);
  expect(json.errors).toBeUndefined();
  expect(json.data.recordActivities.activities).toHaveLength(200);
  expect(json.data.recordActivities.transitions.filter((t: { toStage: string }) => t.toStage === 'MQL')).toHaveLength(
    200,
  );

  expect(await first.exited).toBe(0);
  // Exited because the shutdown finished (every connection and worker closed), not because it ran out of work mid-way.
  expect(first.output()).toContain('SIGTERM: stopped');
  expect(order.slice(0, 2)).toEqual(['http 200', 'socket closed 1001']);

  // The client retries on 1001: it reconnects to the instance still up and resubscribes.
  await until(() => connections === 2, 'the client to reconnect');
  const emails: string[] = [];
  await until(async () => {
    emails.push(uniqueEmail('second'));
    await gql(second.port, RECORD, { inputs: [{ contactEmail: emails[emails.length - 1], type: 'page_view' }] });
    await sleep(100);
    return events.events.some((e) => emails.includes(e.leadPromoted.transition.contact.email));
  }, 'a promotion committed on the second instance to reach the resubscribed subscription');
  expect(events.errors).toEqual([]);

  void client.dispose();
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
});
