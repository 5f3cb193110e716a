/**
 * The offline API explorer, in a real Chromium (playwright-core, Debian's
 * /usr/bin/chromium): served at /graphql to browsers, every byte from this
 * service (any other request fails the test), with a place for the key,
 * the docs explorer, queries over HTTP and subscriptions over graphql-ws.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app';
import { uniqueEmail } from '../helpers/factories';

let t: TestApp;
let browser: BrowserContext;
let profile: string;
beforeAll(async () => {
  t = await startTestApp();
  profile = mkdtempSync(join(tmpdir(), 'lq-explorer-'));
  // A fresh profile directory (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(profile, { recursive: true, force: true });
  await t.stop();
});

/** Opens the explorer with every request outside this service refused and recorded. */
async function open(): Promise<{ page: Page; outside: string[] }> {
  const page = await browser.newPage();
  const base = new URL(t.app.url);
  const outside: string[] = [];
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.host === base.host || url.protocol === 'data:') return route.continue();
    outside.push(url.href);
    return route.abort();
  });
  await page.goto(t.app.url, { waitUntil: 'load' });
  return { page, outside };
}

/** The browser's document, as far as these helpers use it (the test compiles without the DOM library). */
declare const document: { querySelector(selector: string): unknown };

/** Sets a CodeMirror editor's text (typing would meet its bracket auto-closing). */
async function setEditor(page: Page, selector: string, text: string): Promise<void> {
  await page.evaluate(
    ([s, v]) => (document.querySelector(`${s} .CodeMirror`) as any).CodeMirror.setValue(v),
    [selector, text],
  );
  // GraphiQL reads the edited operation (its name, its type) after a debounce.
  await page.waitForTimeout(500);
}
const editorText = (page: Page, selector: string) =>
  page.evaluate((s) => (document.querySelector(`${s} .CodeMirror`) as any).CodeMirror.getValue() as string, selector);

/** The response editor's text once it holds `wanted` (or as it is after `ms`). */
async function responseHolding(page: Page, wanted: string, ms = 15_000): Promise<string> {
  const end = Date.now() + ms;
  let text = '';
  while (Date.now() < end && !(text = await editorText(page, '.graphiql-response')).includes(wanted))
    await page.waitForTimeout(100);
  return text;
}

async function useKey(page: Page, key: string): Promise<void> {
  await page.fill('#lq-api-key', key);
  await page.click('.lq-key button[type=submit]');
  await page.getByText('Key set').waitFor();
}

it('serves GraphiQL with everything it loads from this service, and says where the key goes', async () => {
  const { page, outside } = await open();
  await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
  await page.getByText('No key: every request, introspection included, is refused').waitFor();
  expect(await page.locator('label[for=lq-api-key]').textContent()).toBe('API key');
  expect(outside).toEqual([]);
  await page.close();
}, 60_000);

it('introspects with the key into the docs explorer and runs a query over HTTP', async () => {
  const { page, outside } = await open();
  await useKey(page, ADMIN_KEY);
  await page.getByLabel('Show Documentation Explorer').click();
  await page
    .locator('.graphiql-doc-explorer')
    .getByText('contactChanged')
    .first()
    .waitFor({ timeout: 20_000 })
    .catch(async () => {
      // The root types list Query/Mutation/Subscription; open Subscription to reach contactChanged.
      await page.locator('.graphiql-doc-explorer').getByText('Subscription', { exact: true }).first().click();
      await page.locator('.graphiql-doc-explorer').getByText('contactChanged').first().waitFor();
    });
  await setEditor(page, '.graphiql-query-editor', '{ viewer { name role } }');
  await page.locator('.graphiql-execute-button').click();
  expect(await responseHolding(page, '"role": "ADMIN"')).toContain('"role": "ADMIN"');
  expect(outside).toEqual([]);
  await page.close();
}, 60_000);

it('runs a subscription over graphql-ws with the same key', async () => {
  const { page, outside } = await open();
  await useKey(page, ADMIN_KEY);
  await setEditor(page, '.graphiql-query-editor', 'subscription { contactChanged { changes contact { email } } }');
  await page.locator('.graphiql-execute-button').click();
  await page.waitForTimeout(1000);
  const email = uniqueEmail('explorer');
  await t.ok(`mutation($e: String!) { createContact(input: { email: $e }) { id } }`, { e: email });
  const response = await responseHolding(page, email);
  expect(response).toContain(email);
  expect(response).toContain('CREATED');
  expect(outside).toEqual([]);
  await page.close();
}, 60_000);

it('leaves API requests to the API: JSON GETs and POSTs, and no page in production', async () => {
  const json = await t.http
    .get('/graphql')
    .query({ query: '{ viewer { role } }' })
    .set('accept', 'application/json')
    .set('authorization', `Bearer ${ADMIN_KEY}`);
  expect(json.body.data.viewer.role).toBe('ADMIN');
  const page = await t.http.get('/graphql').set('accept', 'text/html,application/xhtml+xml');
  expect(page.status).toBe(200);
  expect(page.headers['content-security-policy']).toContain("default-src 'self'");
  expect(page.text).toContain('/graphql/explorer.js');
  const prod = await startTestApp({ NODE_ENV: 'production' });
  try {
    const res = await prod.http.get('/graphql').set('accept', 'text/html');
    expect(res.text).not.toContain('explorer.js');
    expect((await prod.http.get('/graphql/explorer.js')).status).toBe(404);
  } finally {
    await prod.stop();
  }
});
