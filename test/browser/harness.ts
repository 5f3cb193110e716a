/**
 * Browser harness: Debian's chromium (/usr/bin/chromium) driven by
 * playwright-core with a fresh profile, the console served by the real
 * service, axe-core run inside the page, screenshots into docs/console/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import axe from 'axe-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = join(__dirname, '../../docs/console');
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface Browser {
  context: BrowserContext;
  /** A new tab (its own sessionStorage, so its own signed-in key). */
  page(): Promise<Page>;
  close(): Promise<void>;
}

/** Starts chromium with a new empty profile directory, removed on close. */
export async function launch(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'lq-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'UTC',
    reducedMotion: 'reduce',
  });
  return {
    context,
    page: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the console and signs in with `secret` through the form, as a person would. */
export async function signIn(page: Page, base: string, secret: string): Promise<void> {
  await page.goto(base);
  await page.getByLabel('API key').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Screens' }).waitFor();
}

/** The navigation's entries, in order. */
export async function navLabels(page: Page): Promise<string[]> {
  return page.getByRole('navigation', { name: 'Screens' }).getByRole('link').allInnerTexts();
}

/** axe-core's serious and critical violations on the page as it is now (empty when accessible). */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ content: axe.source });
  const violations = await page.evaluate(async () => {
    // The whole document, as axe.run checks it with no context given.
    const result = await (globalThis as unknown as { axe: typeof axe }).axe.run({ resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(', ')})`);
}

/** Waits for `text` on the page; on timeout the error carries what the page shows instead. */
export async function waitText(page: Page, text: string, timeout = 10_000): Promise<void> {
  try {
    await page.getByText(text, { exact: true }).first().waitFor({ timeout });
  } catch {
    throw new Error(
      `"${text}" did not appear within ${timeout} ms; the page shows:\n${await page.locator('body').innerText()}`,
    );
  }
}

/** Saves docs/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Presses Tab until the focused element's text or label is `name`; fails after `max` presses. */
export async function tabTo(page: Page, name: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = (
        globalThis as unknown as {
          document: { activeElement: { textContent: string | null; getAttribute(n: string): string | null } | null };
        }
      ).document.activeElement;
      return el ? (el.getAttribute('aria-label') ?? el.textContent ?? '').trim() : '';
    });
    if (focused === name) return;
  }
  throw new Error(`${name} not reached with ${max} presses of Tab`);
}
