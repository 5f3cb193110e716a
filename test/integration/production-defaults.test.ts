/**
 * Issue 16, finding 5: with NODE_ENV=production the doors are closed by
 * default: no introspection, no "did you mean" hints (HTTP and graphql-ws),
 * /metrics not served to whoever reaches the port; each can be opened.
 */
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { createKey } from '../helpers/factories';
import { wsClient, wsRun } from '../helpers/ws';

const INTROSPECTION = '{ __schema { queryType { name } } }';
const TYPO = '{ contactz { totalCount } }';

describe('production, nothing enabled', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production' });
  });
  afterAll(() => t.stop());

  it('refuses introspection and gives no hints, on HTTP and over graphql-ws', async () => {
    const key = await createKey(t, 'VIEWER');
    const client = wsClient(t.app.url, key);
    for (const run of [(q: string) => t.gql(q, {}, key), (q: string) => wsRun(client, q)]) {
      const intro = await run(INTROSPECTION);
      expect(intro.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(intro.data?.__schema).toBeUndefined();
      const typo = await run(TYPO);
      expect(typo.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(typo.errors)).not.toMatch(/Did you mean|contacts/);
    }
    await client.dispose();
  });

  it('keeps /metrics closed', async () => {
    expect((await t.http.get('/metrics')).status).toBe(404);
  });
});

describe('production with the switches set', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      NODE_ENV: 'production',
      GRAPHQL_INTROSPECTION: 'true',
      GRAPHQL_SUGGESTIONS: 'true',
      METRICS_TOKEN: 'metrics-token-0123456789',
    });
  });
  afterAll(() => t.stop());

  it('allows introspection and hints when enabled', async () => {
    expect((await t.gql(INTROSPECTION)).data.__schema.queryType.name).toBe('Query');
    expect(JSON.stringify((await t.gql(TYPO)).errors)).toMatch(/Did you mean/);
  });

  it('serves /metrics to the token only', async () => {
    expect((await t.http.get('/metrics')).status).toBe(401);
    expect((await t.http.get('/metrics').set('authorization', 'Bearer wrong-token-0123456789')).status).toBe(401);
    const ok = await t.http.get('/metrics').set('authorization', 'Bearer metrics-token-0123456789');
    expect(ok.status).toBe(200);
    expect(ok.text).toMatch(/lq_active_subscriptions/);
  });
});

describe('METRICS_PORT', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production', METRICS_PORT: '0' });
  });
  afterAll(() => t.stop());

  it('serves /metrics on its own port only', async () => {
    expect((await t.http.get('/metrics')).status).toBe(404);
    const port = t.app.server.metricsPort!;
    expect(port).toBeGreaterThan(0);
    const res = await request(`http://127.0.0.1:${port}`).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/lq_active_subscriptions/);
    expect((await request(`http://127.0.0.1:${port}`).post('/graphql')).status).toBe(404);
  });
});
