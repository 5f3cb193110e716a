import { serverAudits } from 'graphql-http';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

it('passes every MUST audit of the GraphQL-over-HTTP spec (graphql-http serverAudits)', async () => {
  const audits = serverAudits({
    url: () => t.app.url,
    // Every call carries a key (the contract answers 401 without one) and the header Apollo's CSRF prevention asks of
    // GET requests.
    fetchFn: (input: any, init: any = {}) =>
      fetch(input, {
        ...init,
        headers: { ...(init.headers ?? {}), authorization: `Bearer ${ADMIN_KEY}`, 'apollo-require-preflight': 'true' },
      }),
  });
  const musts = audits.filter((a) => a.name.startsWith('MUST'));
  expect(musts.length).toBeGreaterThan(10);
  const failed: string[] = [];
  for (const audit of musts) {
    const result = await audit.fn();
    if (result.status !== 'ok') failed.push(`${audit.name}: ${result.reason}`);
  }
  expect(failed).toEqual([]);
});
