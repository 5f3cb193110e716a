/**
 * The web console as the service serves it (console/dist, built by `npm install`):
 * index not cached, hashed assets cached for a year, gzip when asked, nothing
 * outside the build reachable, /graphql untouched.
 */
import { type TestApp, startTestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

test('GET / is the console index, revalidated on every load, with its hashed script', async () => {
  const res = await t.http.get('/');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['cache-control']).toBe('no-cache');
  expect(res.text).toMatch(/<title>Lead console<\/title>/);
  // No CDN: every script and stylesheet comes from this service.
  expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//);
  expect(res.text).toMatch(/src="\/assets\/index-[\w-]+\.js"/);
});

test('hashed assets are immutable for a year and gzipped for clients that accept it', async () => {
  const index = await t.http.get('/');
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.text)![1];
  const plain = await t.http.get(script).set('accept-encoding', 'identity');
  expect(plain.status).toBe(200);
  expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
  expect(plain.headers['content-encoding']).toBeUndefined();
  const zipped = await t.http
    .get(script)
    .set('accept-encoding', 'gzip, br')
    .buffer(true)
    .parse((res, done) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => done(null, n));
    });
  expect(zipped.headers['content-encoding']).toBe('gzip');
  expect(Number(zipped.headers['content-length'])).toBeLessThan(Number(plain.headers['content-length']) / 2);
});

test('unknown assets and paths outside the build are 404, and /graphql is still the API', async () => {
  expect((await t.http.get('/assets/nope.js')).status).toBe(404);
  expect((await t.http.get('/assets/../package.json')).status).toBe(404);
  expect((await t.http.get('/assets/%2e%2e/%2e%2e/package.json')).status).toBe(404);
  expect((await t.http.post('/').send({})).status).toBe(404);
  const api = await t.gql('{ viewer { role } }');
  expect(api.data.viewer.role).toBe('ADMIN');
});
