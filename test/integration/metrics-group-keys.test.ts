/**
 * conversionMetrics group keys are exact strings on both stores: sources that
 * differ only in letter case are separate groups, in entries and in current
 * counts alike (MySQL compares such strings under a case-insensitive
 * collation elsewhere), and the overall funnel is still every contact's.
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { createContact, createKey, createPartner, createRule, recordActivities } from '../helpers/factories';

const DAY = 86_400_000;
let t: TestApp;

const METRICS = `query($from: DateTime!, $to: DateTime!, $groupBy: MetricsGroupBy = SOURCE) {
  conversionMetrics(from: $from, to: $to, groupBy: $groupBy) {
    stages { stage entered }
    groups { key stages { stage entered current medianDaysInStage } }
  } }`;

beforeAll(async () => {
  t = await startTestApp();
  await createRule(t, { name: 'Page view', kind: 'BEHAVIOR', activityType: 'page_view', points: 10 });
});
afterAll(() => t.stop());

it('keeps sources that differ in letter case apart', async () => {
  const sources = ['Web', 'web', 'WEB', 'web', null];
  const contacts = [];
  for (const source of sources) contacts.push(await createContact(t, { source }));
  // Each becomes a LEAD (10 points) one day after the previous one, then an MQL 4 days later.
  const start = Date.now() - 20 * DAY;
  await recordActivities(
    t,
    contacts.flatMap((c, i) => [
      { contactId: c.id, type: 'page_view', occurredAt: new Date(start + i * DAY).toISOString() },
      ...Array.from({ length: 5 }, () => ({
        contactId: c.id,
        type: 'page_view',
        occurredAt: new Date(start + (i + 4) * DAY).toISOString(),
      })),
    ]),
  );

  const m = (
    await t.ok(METRICS, { from: new Date(start - DAY).toISOString(), to: new Date(Date.now() + 60_000).toISOString() })
  ).conversionMetrics;
  const lead = (g: any) => g.stages.find((s: any) => s.stage === 'LEAD');
  const mql = (g: any) => g.stages.find((s: any) => s.stage === 'MQL');
  expect(m.groups.map((g: any) => [g.key, lead(g).entered, mql(g).current])).toEqual([
    ['WEB', 1, 1],
    ['Web', 1, 1],
    ['web', 2, 2],
    [null, 1, 1],
  ]);
  expect(m.groups.every((g: any) => lead(g).medianDaysInStage === 4)).toBe(true);
  expect(m.stages.find((s: any) => s.stage === 'LEAD').entered).toBe(5);
});

it("moves a contact's past entries to its new source, owner and partner when they change", async () => {
  const [p1, p2] = [await createPartner(t), await createPartner(t)];
  const c = await createContact(t, { source: 'fair', ownerId: 'olga', partnerId: p1.id });
  const at = new Date(Date.now() - 2 * DAY).toISOString();
  await recordActivities(t, [{ contactId: c.id, type: 'page_view', occurredAt: at }]); // LEAD two days ago
  const window = {
    from: new Date(Date.now() - 3 * DAY).toISOString(),
    to: new Date(Date.now() + 60_000).toISOString(),
  };
  const leads = async (groupBy: string, key?: string) => {
    const m = (await t.ok(METRICS, { ...window, groupBy }, key)).conversionMetrics;
    return Object.fromEntries(m.groups.map((g: any) => [g.key, g.stages.find((s: any) => s.stage === 'LEAD').entered]));
  };
  expect(await leads('SOURCE')).toMatchObject({ fair: 1 });
  expect(await leads('OWNER')).toMatchObject({ olga: 1 });
  expect(await leads('PARTNER', await createKey(t, 'PARTNER', p1.id))).toEqual({ [p1.id]: 1 });

  await t.ok(
    `mutation($id: ID!) { updateContact(id: $id, input: { source: "expo", ownerId: "omar", partnerId: ` +
      `"${p2.id}" }) { id } }`,
    { id: c.id },
  );
  const bySource = await leads('SOURCE');
  expect(bySource).toMatchObject({ expo: 1 });
  expect(bySource).not.toHaveProperty('fair');
  expect(await leads('OWNER')).toMatchObject({ omar: 1 });
  expect(await leads('PARTNER', await createKey(t, 'PARTNER', p1.id))).toEqual({});
  expect(await leads('PARTNER', await createKey(t, 'PARTNER', p2.id))).toEqual({ [p2.id]: 1 });
});

it('stores each new value once when many writers bring it at the same time', async () => {
  const values = ['alpha-fair', 'beta-expo', 'gamma-web'];
  // Twelve concurrent creations, each with a source and an owner new to the store, in varying order.
  const created = await Promise.all(
    Array.from({ length: 12 }, (_, i) => createContact(t, { source: values[i % 3], ownerId: values[(i + 1) % 3] })),
  );
  expect(created).toHaveLength(12);
  const rows = await t.app.ds.query(`SELECT value FROM group_values WHERE value IN (?, ?, ?)`, values);
  expect(rows.map((r: any) => r.value).sort()).toEqual(values);
  const m = (
    await t.ok(METRICS, {
      from: new Date(Date.now() - DAY).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
    })
  ).conversionMetrics;
  const prospects = Object.fromEntries(
    m.groups.map((g: any) => [g.key, g.stages.find((s: any) => s.stage === 'PROSPECT').entered]),
  );
  expect(prospects).toMatchObject({ 'alpha-fair': 4, 'beta-expo': 4, 'gamma-web': 4 });
});
