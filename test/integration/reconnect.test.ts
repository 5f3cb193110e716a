/**
 * graphql-ws reconnects that lose nothing, tried as a new user would: Apollo
 * Client's GraphQLWsLink with graphql-ws's own retry, over the client half
 * (src/client/resumable-ws.ts). The service restarts (SIGTERM, close 1001)
 * and later dies (SIGKILL) while contacts are promoted on another instance;
 * the link reconnects by itself and receives every promotion, each once, in
 * order.
 */
import { createServer } from 'node:net';
import WebSocket from 'ws';
import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { ADMIN_KEY, createTestDatabase } from '../helpers/app';
import { type Service, startService } from '../helpers/service-process';
import { uniqueEmail } from '../helpers/factories';
import { sleep } from '../helpers/ws';
import { createResumableClient } from '../../src/client/resumable-ws';
import type { ScratchDatabase } from '../helpers/scratch-database';

let db: ScratchDatabase;
const services: Service[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) await s.stop();
  await db.drop();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function service(env: Record<string, string> = {}): Promise<Service> {
  const s = await startService(db.url, env);
  services.push(s);
  return s;
}

async function promote(s: Service): Promise<string> {
  const email = uniqueEmail('reconnect');
  const call = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as any;
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const { createContact } = await call(`mutation($email: String!) { createContact(input: { email: $email }) { id } }`, {
    email,
  });
  await call(`mutation($id: ID!) { transitionContact(id: $id, toStage: MQL, reason: "reconnect") { id } }`, {
    id: createContact.id,
  });
  return email;
}

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

it('Apollo GraphQLWsLink gets every promotion once across a restart (1001) and a killed server', async () => {
  const port = await freePort();
  let first = await service({ PORT: String(port) });
  const other = await service();
  const closes: number[] = [];
  const wsClient = createResumableClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${ADMIN_KEY}` },
    retryAttempts: 100,
    retryWait: async () => void (await sleep(200)),
    shouldRetry: () => true,
    on: { closed: (e) => closes.push((e as { code: number }).code) },
  });
  const apollo = new ApolloClient({ link: new GraphQLWsLink(wsClient), cache: new InMemoryCache() });
  const received: { cursor: string; transition: { id: string; contact: { email: string } } }[] = [];
  const errors: unknown[] = [];
  const subscription = apollo
    .subscribe({
      query: gql`
        subscription {
          leadPromoted(stages: [MQL]) {
            cursor
            transition {
              id
              contact {
                email
              }
            }
          }
        }
      `,
    })
    .subscribe({
      next: (r: any) => (r.data ? received.push(r.data.leadPromoted) : errors.push(r.error)),
      error: (e: unknown) => errors.push(e),
    });
  await sleep(500);

  const emails = [await promote(other), await promote(other)];
  await until(() => received.length === 2, 'the first two events');

  // Restart: SIGTERM closes the socket with 1001; promotions happen on the other instance meanwhile.
  expect(await first.stop()).toBe(0);
  emails.push(await promote(other), await promote(other), await promote(other));
  first = await service({ PORT: String(port) });
  await until(() => received.length === 5, 'the three missed during the restart');
  emails.push(await promote(other));
  await until(() => received.length === 6, 'a live one after the restart');

  // A dropped connection: the server dies without a close frame.
  first.child.kill('SIGKILL');
  await first.exited;
  emails.push(await promote(other), await promote(other));
  first = await service({ PORT: String(port) });
  await until(() => received.length === 8, 'the two missed while the server was dead');
  emails.push(await promote(first));
  await until(() => received.length === 9, 'a live one after the crash');
  await sleep(500);

  subscription.unsubscribe();
  await wsClient.dispose();
  expect(errors).toEqual([]);
  expect(closes).toContain(1001);
  expect(received.map((e) => e.transition.contact.email)).toEqual(emails);
  expect(new Set(received.map((e) => e.transition.id)).size).toBe(9);
}, 180_000);
