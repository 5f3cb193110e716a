/**
 * Expiry (contract Scoring): points of a rule with expiresAfterDays stop
 * counting once their activity occurred longer ago than that, visible
 * without new activity, subtracted once however many instances sweep.
 */
import { loadConfig } from '../../src/config/config';
import { type App, startApp } from '../../src/main';
import { ADMIN_KEY, startTestApp, type TestApp, TEST_DB } from '../helpers/app';
import { createContact, createRule, recordActivities } from '../helpers/factories';
import { sleep } from '../helpers/ws';

const DAY = 86_400_000;
let t: TestApp;
let second: App | null = null;
beforeAll(async () => {
  t = await startTestApp({ EXPIRY_SWEEP_MS: '200' });
  // On MariaDB a second instance on the same database sweeps too. A SQLite file has one writer, so one
  // instance (two in one process would block each other's synchronous driver).
  if (TEST_DB === 'mysql') {
    second = await startApp(
      loadConfig({
        DATABASE_URL: t.db.url,
        PORT: '0',
        ADMIN_API_KEY: ADMIN_KEY,
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
        EXPIRY_SWEEP_MS: '100',
      }),
    );
  }
  await createRule(t, {
    name: 'Webinar',
    kind: 'BEHAVIOR',
    activityType: 'webinar_attended',
    points: 30,
    expiresAfterDays: 10,
  });
  await createRule(t, { name: 'Webinar lasting', kind: 'BEHAVIOR', activityType: 'webinar_attended', points: 5 });
  await createRule(t, {
    name: 'Trial',
    kind: 'BEHAVIOR',
    activityType: 'trial_started',
    points: 20,
    maxApplications: 1,
    expiresAfterDays: 5,
  });
  await t.app.services.rescore.idle();
});
afterAll(async () => {
  await second?.stop();
  await t.stop();
});

const READ = `query($id: ID!) { contact(id: $id) { stage score engagementScore temperature
  activities(first: 10) { edges { node { type points } } }
  scoreBreakdown { ruleName points applications } transitions { toStage } } }`;
const read = async (id: string) => (await t.ok(READ, { id })).contact;
/** An occurredAt that is `days` days old plus `ms` milliseconds from now. */
const daysAgoPlus = (days: number, ms: number) => new Date(Date.now() - days * DAY + ms).toISOString();

it('takes expired points off the score without new activity, keeping Activity.points and the stage', async () => {
  const c = await createContact(t);
  // 30 + 5 points now; the 30 expire about 3 s from now (10 days after the activity).
  await recordActivities(t, [{ contactId: c.id, type: 'webinar_attended', occurredAt: daysAgoPlus(10, 3000) }]);
  const before = await read(c.id);
  expect(before).toMatchObject({ stage: 'LEAD', score: 35, engagementScore: 35, temperature: 'WARM' });
  expect(before.scoreBreakdown).toEqual([
    { ruleName: 'Webinar', points: 30, applications: 1 },
    { ruleName: 'Webinar lasting', points: 5, applications: 1 },
  ]);

  await sleep(4500);
  const after = await read(c.id);
  expect(after).toMatchObject({ stage: 'LEAD', score: 5, engagementScore: 5, temperature: 'COLD' });
  expect(after.scoreBreakdown).toEqual([{ ruleName: 'Webinar lasting', points: 5, applications: 1 }]);
  expect(after.activities.edges.map((e: any) => e.node.points)).toEqual([35]);
});

it('lowers temperature when recent points expire', async () => {
  const c = await createContact(t);
  // Inside the 14-day window: 2 x 35 = 70 (HOT); once the 30s expire: 10 (COLD).
  await recordActivities(t, [
    { contactId: c.id, type: 'webinar_attended', occurredAt: daysAgoPlus(10, 3000) },
    { contactId: c.id, type: 'webinar_attended', occurredAt: daysAgoPlus(10, 3100) },
  ]);
  expect((await read(c.id)).temperature).toBe('HOT');
  await sleep(4500);
  expect(await read(c.id)).toMatchObject({ temperature: 'COLD', score: 10 });
});

it('records an activity older than its rule’s expiry with its points, counting none, promoting nothing', async () => {
  const c = await createContact(t);
  const res = await recordActivities(t, [{ contactId: c.id, type: 'trial_started', occurredAt: daysAgoPlus(6, 0) }]);
  expect(res.activities.map((a: any) => a.points)).toEqual([20]);
  expect(res.transitions).toEqual([]);
  const r = await read(c.id);
  expect(r).toMatchObject({ stage: 'PROSPECT', score: 0, engagementScore: 0, scoreBreakdown: [], transitions: [] });
});

it('lets expired points keep their cap slot: a capped rule does not count a later activity', async () => {
  const c = await createContact(t);
  const res = await recordActivities(t, [
    { contactId: c.id, type: 'trial_started', occurredAt: daysAgoPlus(6, 0) },
    { contactId: c.id, type: 'trial_started' },
  ]);
  expect(res.activities.map((a: any) => a.points)).toEqual([20, 0]);
  expect((await read(c.id)).score).toBe(0);
});

it('subtracts expired points once, however many sweeps and instances run', async () => {
  const contacts = [];
  for (let i = 0; i < 12; i++) contacts.push(await createContact(t, { source: 'sweep' }));
  await recordActivities(
    t,
    contacts.flatMap((c, i) => [
      { contactId: c.id, type: 'webinar_attended', occurredAt: daysAgoPlus(10, 1000 + i * 50) },
      { contactId: c.id, type: 'webinar_attended', occurredAt: daysAgoPlus(10, 1200 + i * 50) },
    ]),
  );
  await sleep(3000);
  const list = await t.ok(
    `{ contacts(first: 50, filter: { source: "sweep" }) { edges { node { score engagementScore scoreBreakdown ` +
      `{ points } } } } }`,
  );
  const nodes = list.contacts.edges.map((e: any) => e.node);
  expect(nodes).toHaveLength(12);
  for (const n of nodes) expect(n).toEqual({ score: 10, engagementScore: 10, scoreBreakdown: [{ points: 10 }] });
});

it('keeps expired points out after a rescore', async () => {
  const c = await createContact(t);
  await recordActivities(t, [
    { contactId: c.id, type: 'webinar_attended', occurredAt: daysAgoPlus(11, 0) },
    { contactId: c.id, type: 'webinar_attended' },
  ]);
  expect((await read(c.id)).score).toBe(40);
  await t.ok(`mutation { rescoreContacts { id } }`);
  await t.app.services.rescore.idle();
  const r = await read(c.id);
  expect(r.score).toBe(40);
  expect(r.scoreBreakdown).toEqual([
    { ruleName: 'Webinar', points: 30, applications: 1 },
    { ruleName: 'Webinar lasting', points: 10, applications: 2 },
  ]);
});
