/**
 * ruleInsights and suggestScoring through HTTP on a history built so the
 * answers are known: every contact signs up (and becomes MQL) at its anchor,
 * spread over 120 days; half read the newsletter (by index parity, whatever
 * happens next); 30% request a demo; sales qualifies each three days later,
 * SQL for 80% of those who requested a demo and 10% of the others. So the
 * newsletter's lift is 1 up to chance, the demo request is the predictive
 * behaviour, and the holdout's parts hold exactly the contacts anchored in
 * them.
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { createRule, recordActivities } from '../helpers/factories';
import { prng } from '../../scripts/demo/random';
import { Role } from '../../src/modules/access/api-key.entity';

const DAY = 86_400_000;
const N = 600;
const HORIZON = 10;
let t: TestApp;
const base = Date.now() - 140 * DAY;
const window = { from: new Date(base).toISOString(), to: new Date(base + 120 * DAY).toISOString() };
const anchors: { at: number; sql: boolean }[] = [];

beforeAll(async () => {
  t = await startTestApp();
  await createRule(t, { name: 'Signup', kind: 'BEHAVIOR', activityType: 'signup', points: 60 });
  await createRule(t, { name: 'Newsletter', kind: 'BEHAVIOR', activityType: 'newsletter', points: 1 });
  await createRule(t, { name: 'Demo', kind: 'BEHAVIOR', activityType: 'demo_request', points: 5 });
  await t.app.services.rescore.idle();
  const rand = prng(17);
  const inputs: Record<string, unknown>[] = [];
  for (let i = 0; i < N; i++) {
    const at = base + Math.floor(((i + 0.5) / N) * 119 * DAY);
    const email = `known-${i}@acme-corp.com`;
    const demo = rand() < 0.3;
    anchors.push({ at, sql: rand() < (demo ? 0.8 : 0.1) });
    inputs.push({ contactEmail: email, type: 'signup', occurredAt: new Date(at).toISOString() });
    if (i % 2 === 0)
      inputs.push({ contactEmail: email, type: 'newsletter', occurredAt: new Date(at + 60_000).toISOString() });
    if (demo)
      inputs.push({ contactEmail: email, type: 'demo_request', occurredAt: new Date(at + 120_000).toISOString() });
  }
  for (let i = 0; i < inputs.length; i += 1000) await recordActivities(t, inputs.slice(i, i + 1000));
  const sales = { keyId: 'test', name: 'test-sales', role: Role.SALES, partnerId: null };
  const ids: { id: string; email: string }[] = await t.app.ds.query(`SELECT id, email FROM contacts`);
  const byEmail = new Map(ids.map((r) => [r.email, r.id]));
  for (let i = 0; i < N; i++) {
    const qualified = anchors[i].sql;
    const bant = { budget: qualified, authority: qualified, need: qualified, timeline: false };
    await t.app.services.lifecycle.qualify(
      sales,
      byEmail.get(`known-${i}@acme-corp.com`)!,
      bant,
      new Date(anchors[i].at + 3 * DAY),
    );
  }
}, 180_000);
afterAll(() => t.stop());

it('gives a behaviour independent of the outcome a lift near 1 and finds the planted one', async () => {
  const res = (
    await t.ok(
      `query($from: DateTime!, $to: DateTime!, $h: Int) { ruleInsights(from: $from, to: $to, horizonDays: $h) {
    contacts reachedSql rules { ruleName appliedContacts appliedRate otherRate lift { estimate low high }
      medianDaysToSql signal } } }`,
      { ...window, h: HORIZON },
    )
  ).ruleInsights;
  expect(res.contacts).toBe(N);
  expect(res.reachedSql).toBe(anchors.filter((a) => a.sql).length);
  const by = Object.fromEntries(res.rules.map((r: any) => [r.ruleName, r]));
  expect(by.Newsletter.appliedContacts).toBe(N / 2);
  expect(by.Newsletter.lift.low).toBeLessThan(1);
  expect(by.Newsletter.lift.high).toBeGreaterThan(1);
  expect(by.Newsletter.lift.estimate).toBeGreaterThan(0.8);
  expect(by.Newsletter.lift.estimate).toBeLessThan(1.25);
  expect(by.Newsletter.signal).toBe('NOISE');
  expect(by.Demo.signal).toBe('PREDICTIVE');
  expect(by.Demo.lift.low).toBeGreaterThan(4);
  expect(by.Demo.medianDaysToSql).toBeCloseTo(3, 1);
  expect(res.rules[0].ruleName).toBe('Demo');
});

it('gives the planted behaviour the most points; the holdout holds exactly the contacts of each part', async () => {
  const s = (
    await t.ok(
      `query($from: DateTime!, $to: DateTime!, $h: Int) { suggestScoring(from: $from, to: $to, horizonDays: $h) {
    rules { ruleName suggestedPoints } currentAuc suggestedAuc
    holdout { trainTo testFrom trainContacts trainReachedSql testContacts testReachedSql } } }`,
      { ...window, h: HORIZON },
    )
  ).suggestScoring;
  const points = Object.fromEntries(s.rules.map((r: any) => [r.ruleName, r.suggestedPoints]));
  expect(points.Demo).toBeGreaterThan(points.Newsletter);
  expect(points.Demo).toBeGreaterThan(points.Signup);
  expect(Math.abs(points.Newsletter)).toBeLessThan(points.Demo / 4);
  const trainTo = new Date(s.holdout.trainTo).getTime();
  const testFrom = new Date(s.holdout.testFrom).getTime();
  expect(testFrom - trainTo).toBe(HORIZON * DAY);
  const train = anchors.filter((a) => a.at <= trainTo);
  const test = anchors.filter((a) => a.at >= testFrom);
  expect(s.holdout).toMatchObject({
    trainContacts: train.length,
    trainReachedSql: train.filter((a) => a.sql).length,
    testContacts: test.length,
    testReachedSql: test.filter((a) => a.sql).length,
  });
  // Every training outcome (three days after its anchor) was known before the first test contact entered.
  for (const a of train) expect(a.at + 3 * DAY).toBeLessThan(testFrom);
  expect(train.length + test.length).toBeLessThan(N);
  expect(s.suggestedAuc).toBeGreaterThan(0.8);
});
