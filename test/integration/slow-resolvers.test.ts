/**
 * Slow resolvers are counted on every door: HTTP, graphql-ws and SSE contexts all carry the execution gate's hook.
 * SLOW_RESOLVER_MS=0 counts every timed call, so each door's query shows under its own field.
 */
import { createClient } from 'graphql-sse';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app';
import { wsClient, wsRun } from '../helpers/ws';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ SLOW_RESOLVER_MS: '0' });
});
afterAll(() => t.stop());

const counted = async (field: string) => {
  const text = (await t.http.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`lq_slow_resolvers_total{field="${field}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
};

it('counts a resolver over HTTP', async () => {
  expect(await counted('Query.partners')).toBe(0);
  await t.ok('{ partners { id } }');
  expect(await counted('Query.partners')).toBe(1);
});

it('counts a resolver over graphql-ws', async () => {
  expect(await counted('Query.owners')).toBe(0);
  const client = wsClient(t.app.url, ADMIN_KEY);
  try {
    expect((await wsRun(client, '{ owners { id } }')).errors).toBeUndefined();
  } finally {
    await client.dispose();
  }
  expect(await counted('Query.owners')).toBe(1);
});

it('counts a resolver over SSE', async () => {
  expect(await counted('Query.scoringRules')).toBe(0);
  const client = createClient({
    url: t.app.url.replace('/graphql', '/graphql/stream'),
    singleConnection: false,
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
    retryAttempts: 0,
  });
  const results: unknown[] = [];
  await new Promise<void>((resolve, reject) =>
    client.subscribe(
      { query: '{ scoringRules { id } }' },
      { next: (v) => results.push(v), error: reject, complete: resolve },
    ),
  );
  client.dispose();
  expect(results).toHaveLength(1);
  expect(await counted('Query.scoringRules')).toBe(1);
});
