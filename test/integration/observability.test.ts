/** /metrics and the request log count the code a client received, not the raw error's (issue 20 item 5). */
import { createTestDatabase, ADMIN_KEY } from '../helpers/app';
import { type Service, startService } from '../helpers/service-process';
import type { ScratchDatabase } from '../helpers/scratch-database';

const METRICS = 'metrics-token-0123456789';
let db: ScratchDatabase;
let svc: Service;
beforeAll(async () => {
  db = await createTestDatabase();
  svc = await startService(db.url, { LOG_LEVEL: 'info', METRICS_TOKEN: METRICS });
}, 60_000);
afterAll(async () => {
  await svc?.stop();
  await db?.drop();
});

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(svc.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

it('counts NOT_FOUND, CONFLICT, BAD_USER_INPUT from services under their codes, in /metrics and the log', async () => {
  const missing = await gql(
    `mutation { updateContact(id: "00000000-0000-0000-0000-000000000000", input: { firstName: "x" }) { id } }`,
  );
  expect(missing.errors[0].extensions.code).toBe('NOT_FOUND');
  const create = `mutation($e: String!) { createContact(input: { email: $e }) { id } }`;
  await gql(create, { e: 'dup@acme-corp.com' });
  const dup = await gql(create, { e: 'dup@acme-corp.com' });
  expect(dup.errors[0].extensions.code).toBe('CONFLICT');
  const bad = await gql(create, { e: 'not-an-email' });
  expect(bad.errors[0].extensions.code).toBe('BAD_USER_INPUT');

  const metrics = await (
    await fetch(svc.url.replace('/graphql', '/metrics'), { headers: { authorization: `Bearer ${METRICS}` } })
  ).text();
  expect(metrics).toMatch(/lq_graphql_errors_total\{code="NOT_FOUND"\} 1\n/);
  expect(metrics).toMatch(/lq_graphql_errors_total\{code="CONFLICT"\} 1\n/);
  expect(metrics).toMatch(/lq_graphql_errors_total\{code="BAD_USER_INPUT"\} 1\n/);
  expect(metrics).not.toMatch(/code="INTERNAL_SERVER_ERROR"/);

  // pino writes asynchronously: wait for the lines of the four requests (the last error one may still be on its way).
  const lines = () =>
    svc
      .output()
      .split('\n')
      .filter((l) => l.includes('"msg":"graphql"'))
      .map((l) => JSON.parse(l));
  for (let i = 0; i < 100 && lines().length < 4; i++) await new Promise((r) => setTimeout(r, 50));
  expect(lines().flatMap((l) => l.errors ?? [])).toEqual(['NOT_FOUND', 'CONFLICT', 'BAD_USER_INPUT']);
});
