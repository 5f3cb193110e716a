import { startTestApp, type TestApp, ADMIN_KEY } from '../helpers/app';

describe('in production', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com' });
  });
  afterAll(() => t.stop());

  it('sends no SQL or stack trace when something breaks inside', async () => {
    await t.app.ds.query('DROP TABLE partners');
    const res = await t.gql('{ partners { id } }');
    expect(res.errors?.[0]).toEqual({
      message: 'Internal server error',
      locations: expect.any(Array),
      path: ['partners'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(res.errors)).not.toMatch(/partners`|SELECT|sqlite|at \w+ \(/i);
  });

  it('keeps validation errors free of stack traces', async () => {
    const res = await t.gql('{ contacts { nope } }');
    expect(res.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' });
  });

  it('allows configured browser origins only (CORS)', async () => {
    const ok = await t.http
      .options('/graphql')
      .set('origin', 'https://app.example.com')
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'authorization,content-type');
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const other = await t.http
      .options('/graphql')
      .set('origin', 'https://evil.example.com')
      .set('access-control-request-method', 'POST');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('does not serve the Sandbox landing page in production', async () => {
    const res = await t.http.get('/graphql').set('accept', 'text/html');
    expect(res.text ?? '').not.toMatch(/landingPage|<html/i);
  });
});

describe('outside production', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.stop());

  it('serves health and readiness', async () => {
    expect((await t.http.get('/healthz')).status).toBe(200);
    const ready = await t.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
  });

  it('serves the bundled API explorer (not a CDN page) to browsers', async () => {
    const res = await t.http.get('/graphql').set('accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<script src="/graphql/explorer.js">');
    expect(res.text).not.toMatch(/https?:\/\//);
  });

  it('blocks CSRF: a GET query without a preflight header (Authorization counts as one) is refused', async () => {
    const res = await t.http.get('/graphql').query({ query: '{ viewer { id } }' });
    expect(res.status).toBe(400);
    // No browser sends Authorization cross-site without a CORS preflight: urql's default GET carries it (issue 19).
    const withKey = await t.http
      .get('/graphql')
      .query({ query: '{ viewer { id } }' })
      .set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(withKey.status).toBe(200);
    const withHeader = await t.http
      .get('/graphql')
      .query({ query: '{ viewer { id } }' })
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .set('apollo-require-preflight', 'true');
    expect(withHeader.status).toBe(200);
    expect(withHeader.body.data.viewer.id).toBeTruthy();
  });

  it('answers malformed JSON with BAD_USER_INPUT', async () => {
    const res = await t.http
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .send('{"query": ');
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses mutations over GET', async () => {
    const res = await t.http
      .get('/graphql')
      .query({ query: 'mutation { createPartner(name: "x") { id } }' })
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .set('apollo-require-preflight', 'true');
    expect(res.status).toBe(405);
    const partners = await t.ok('{ partners { id } }');
    expect(partners.partners).toEqual([]);
  });
});
