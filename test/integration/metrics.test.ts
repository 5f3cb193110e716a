/**
 * conversionMetrics, black box: datasets built through the public API with
 * backdated activities (score transitions take the activity's time), stage
 * jumps, NURTURE and DISQUALIFIED contacts, a re-entry, a deleted contact and
 * two partners. Qualifications and manual moves happen "now" (the API dates
 * them when they are made), as does every contact's creation.
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { createContact, createKey, createPartner, createRule, recordActivities } from '../helpers/factories';
import { TransitionStays1767000000000 } from '../../migrations/1767000000000-TransitionStays';
import { GroupKeys1768000000000 } from '../../migrations/1768000000000-GroupKeys';

const DAY = 86_400_000;
let t: TestApp;
/** The moment the dataset is built around; "n days ago" is T0 - n days. */
const T0 = Date.now();
const ago = (days: number) => new Date(T0 - days * DAY).toISOString();
/** Covers the backdated month and the manual moves made while the test runs. */
const WINDOW = { from: ago(30), to: new Date(T0 + 3_600_000).toISOString() };

const METRICS = `query($from: DateTime!, $to: DateTime!, $groupBy: MetricsGroupBy) {
  conversionMetrics(from: $from, to: $to, groupBy: $groupBy) {
    from to
    stages { stage entered current medianDaysInStage }
    conversions { fromStage toStage entered converted rate medianDaysToConvert }
    groups { key stages { stage entered current medianDaysInStage } conversions { fromStage toStage entered
      converted rate medianDaysToConvert } }
  } }`;
const TRANSITIONS = `query($id: ID!) { contact(id: $id) { transitions { toStage occurredAt } } }`;
const QUALIFY = `mutation($id: ID!, $input: QualificationInput!) { qualifyContact(id: $id, input: $input) { stage } }`;
const MOVE =
  `mutation($id: ID!, $to: LifecycleStage!) { transitionContact(id: $id, toStage: $to, reason: "test") { stage ` +
  `} }`;
const BANT = (n: number) => ({ budget: n > 0, authority: n > 1, need: n > 2, timeline: n > 3 });

async function metrics(vars: Record<string, unknown>, key?: string) {
  return (await t.ok(METRICS, vars, key)).conversionMetrics;
}

/** Stage -> value of one field, for compact assertions. */
const byStage = (rows: any[], field: string) => Object.fromEntries(rows.map((r) => [r.stage, r[field]]));
const byConversion = (rows: any[], field: string) =>
  Object.fromEntries(rows.map((r) => [`${r.fromStage}->${r.toStage}`, r[field]]));

/** Milliseconds between two ISO times. */
const ms = (from: string, to: string) => Date.parse(to) - Date.parse(from);
/** The median of durations in milliseconds, in days: the service takes medians of whole milliseconds. */
const medianDays = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) / DAY;
};

/** When a contact entered a stage (its first transition into it). */
async function enteredAt(contactId: string, stage: string): Promise<string> {
  const tr = (await t.ok(TRANSITIONS, { id: contactId })).contact.transitions;
  return tr.find((x: any) => x.toStage === stage).occurredAt;
}

let p1: { id: string };
let p2: { id: string };
const c: Record<string, any> = {};

beforeAll(async () => {
  t = await startTestApp();
  await createRule(t, { name: 'Page view', kind: 'BEHAVIOR', activityType: 'page_view', points: 10 });
  await createRule(t, { name: 'Demo request', kind: 'BEHAVIOR', activityType: 'demo_request', points: 60 });
  p1 = await createPartner(t);
  p2 = await createPartner(t);
  // 10 points make a LEAD, 70 an MQL (default policy: lead 1, mql 50).
  c.A = await createContact(t, { source: 'webinar', ownerId: 'ana', partnerId: p1.id });
  c.B = await createContact(t, { source: 'webinar', ownerId: 'ben' });
  c.C = await createContact(t, { source: 'organic', ownerId: 'ana' });
  c.D = await createContact(t, { source: 'organic', partnerId: p2.id });
  c.E = await createContact(t);
  c.F = await createContact(t, { source: 'webinar', ownerId: 'ben' });
  c.G = await createContact(t, { source: 'organic', ownerId: 'ben' });
  c.H = await createContact(t, { source: 'partner', ownerId: 'ana', partnerId: p1.id });
  await recordActivities(t, [
    { contactId: c.A.id, type: 'page_view', occurredAt: ago(20) }, // LEAD 20 days ago
    { contactId: c.A.id, type: 'demo_request', occurredAt: ago(10) }, // MQL 10 days ago
    { contactId: c.B.id, type: 'demo_request', occurredAt: ago(15) }, // jump: LEAD and MQL 15 days ago
    { contactId: c.C.id, type: 'page_view', occurredAt: ago(40) }, // LEAD before the window
    { contactId: c.C.id, type: 'demo_request', occurredAt: ago(5) }, // MQL 5 days ago
    { contactId: c.D.id, type: 'page_view', occurredAt: ago(12) },
    { contactId: c.D.id, type: 'demo_request', occurredAt: ago(6) },
    { contactId: c.E.id, type: 'page_view', occurredAt: ago(8) }, // stays LEAD
    { contactId: c.F.id, type: 'demo_request', occurredAt: ago(9) }, // deleted below
    { contactId: c.H.id, type: 'demo_request', occurredAt: ago(3) }, // jump 3 days ago
  ]);
  const sales = await createKey(t, 'SALES');
  await t.ok(QUALIFY, { id: c.A.id, input: BANT(4) }, sales); // SQL now
  await t.ok(MOVE, { id: c.A.id, to: 'OPPORTUNITY' }, sales);
  await t.ok(MOVE, { id: c.A.id, to: 'CUSTOMER' }, sales);
  await t.ok(QUALIFY, { id: c.B.id, input: BANT(1) }, sales); // NURTURE now
  await recordActivities(t, [{ contactId: c.B.id, type: 'page_view' }]); // new engagement: MQL again (a second entry)
  await t.ok(QUALIFY, { id: c.B.id, input: BANT(3) }, sales); // SQL now, through NURTURE
  await t.ok(MOVE, { id: c.D.id, to: 'DISQUALIFIED' }, sales);
  await t.ok(QUALIFY, { id: c.H.id, input: BANT(3) }, sales);
});
afterAll(() => t.stop());

describe('conversionMetrics', () => {
  it('stops counting a contact once it is deleted', async () => {
    const before = await metrics(WINDOW);
    expect(byStage(before.stages, 'entered')).toMatchObject({ PROSPECT: 8, LEAD: 6, MQL: 6 });
    await t.ok('mutation($id: ID!) { deleteContact(id: $id) }', { id: c.F.id });
    const after = await metrics(WINDOW);
    expect(byStage(after.stages, 'entered')).toMatchObject({ PROSPECT: 7, LEAD: 5, MQL: 5 });
    expect(byStage(after.stages, 'current')).toMatchObject({ MQL: 1 });
  });

  it('counts entries, current contacts and conversions of the whole funnel', async () => {
    const m = await metrics(WINDOW);
    expect(m.from).toBe(WINDOW.from);
    expect(m.groups).toEqual([]);
    expect(m.stages.map((s: any) => s.stage)).toEqual(['PROSPECT', 'LEAD', 'MQL', 'SQL', 'OPPORTUNITY', 'CUSTOMER']);
    // PROSPECT: the 7 contacts created now; LEAD: A B D E H (C became a LEAD before the window);
    // MQL: A B C D H, B counted once although it entered twice; SQL: A, B (through NURTURE), H.
    expect(byStage(m.stages, 'entered')).toEqual({ PROSPECT: 7, LEAD: 5, MQL: 5, SQL: 3, OPPORTUNITY: 1, CUSTOMER: 1 });
    // Now: G PROSPECT, E LEAD, C MQL, B and H SQL, A CUSTOMER (D is DISQUALIFIED, outside the funnel).
    expect(byStage(m.stages, 'current')).toEqual({ PROSPECT: 1, LEAD: 1, MQL: 1, SQL: 2, OPPORTUNITY: 0, CUSTOMER: 1 });
    expect(m.conversions.map((x: any) => [x.fromStage, x.toStage])).toEqual([
      ['LEAD', 'MQL'],
      ['MQL', 'SQL'],
      ['SQL', 'OPPORTUNITY'],
      ['OPPORTUNITY', 'CUSTOMER'],
    ]);
    expect(byConversion(m.conversions, 'entered')).toEqual({
      'LEAD->MQL': 5,
      'MQL->SQL': 5,
      'SQL->OPPORTUNITY': 3,
      'OPPORTUNITY->CUSTOMER': 1,
    });
    // LEAD->MQL: all but E; MQL->SQL: A, B, H (C still MQL, D disqualified); SQL->OPPORTUNITY: A.
    expect(byConversion(m.conversions, 'converted')).toEqual({
      'LEAD->MQL': 4,
      'MQL->SQL': 3,
      'SQL->OPPORTUNITY': 1,
      'OPPORTUNITY->CUSTOMER': 1,
    });
    expect(byConversion(m.conversions, 'rate')).toEqual({
      'LEAD->MQL': 0.8,
      'MQL->SQL': 0.6,
      'SQL->OPPORTUNITY': 1 / 3,
      'OPPORTUNITY->CUSTOMER': 1,
    });
  });

  it('computes medians in days from the transitions times', async () => {
    const m = await metrics(WINDOW);
    const stay = byStage(m.stages, 'medianDaysInStage');
    // Created now, left PROSPECT through a backdated transition: 0 days each.
    expect(stay.PROSPECT).toBe(0);
    // LEAD stays: A 10 days, D 6, B and H 0 (jumps); E is still a LEAD. Median of [0, 0, 6, 10].
    expect(stay.LEAD).toBe(3);
    // MQL stays end with the sales decisions made now; B's counts from its first entry, 15 days ago.
    expect(stay.MQL).toBe(
      medianDays([
        ms(ago(10), await enteredAt(c.A.id, 'SQL')),
        ms(ago(15), await enteredAt(c.B.id, 'NURTURE')),
        ms(ago(6), await enteredAt(c.D.id, 'DISQUALIFIED')),
        ms(ago(3), await enteredAt(c.H.id, 'SQL')),
      ]),
    );
    expect(stay.SQL).toBe(medianDays([ms(await enteredAt(c.A.id, 'SQL'), await enteredAt(c.A.id, 'OPPORTUNITY'))]));
    expect(stay.CUSTOMER).toBeNull();
    const convert = byConversion(m.conversions, 'medianDaysToConvert');
    expect(convert['LEAD->MQL']).toBe(3);
    // A from 10 days ago, B from 15 (through NURTURE and back), H from 3: the middle one is A.
    expect(convert['MQL->SQL']).toBe(medianDays([ms(ago(10), await enteredAt(c.A.id, 'SQL'))]));
    expect(convert['OPPORTUNITY->CUSTOMER']).toBe(
      medianDays([ms(await enteredAt(c.A.id, 'OPPORTUNITY'), await enteredAt(c.A.id, 'CUSTOMER'))]),
    );
  });

  it('counts conversions after the window, and nothing but the window entries', async () => {
    // 11 days ago up to yesterday: E (8) and H (3) became LEADs; A (10), C (5), D (6), H (3) became MQLs.
    const m = await metrics({ from: ago(11), to: ago(1) });
    expect(byStage(m.stages, 'entered')).toEqual({ PROSPECT: 0, LEAD: 2, MQL: 4, SQL: 0, OPPORTUNITY: 0, CUSTOMER: 0 });
    expect(byConversion(m.conversions, 'converted')).toMatchObject({ 'LEAD->MQL': 1, 'MQL->SQL': 2 });
    expect(byConversion(m.conversions, 'rate')).toMatchObject({
      'LEAD->MQL': 0.5,
      'MQL->SQL': 0.5,
      'SQL->OPPORTUNITY': 0,
    });
    expect(byConversion(m.conversions, 'medianDaysToConvert')).toMatchObject({
      'LEAD->MQL': 0,
      'SQL->OPPORTUNITY': null,
    });
    // Current counts ignore the window.
    expect(byStage(m.stages, 'current')).toEqual({ PROSPECT: 1, LEAD: 1, MQL: 1, SQL: 2, OPPORTUNITY: 0, CUSTOMER: 1 });
  });

  it('groups by source, owner and partner (null key last)', async () => {
    const bySource = await metrics({ ...WINDOW, groupBy: 'SOURCE' });
    expect(bySource.groups.map((g: any) => g.key)).toEqual(['organic', 'partner', 'webinar', null]);
    const group = (m: any, key: string | null) => m.groups.find((g: any) => g.key === key);
    expect(byStage(group(bySource, 'webinar').stages, 'entered')).toEqual({
      PROSPECT: 2,
      LEAD: 2,
      MQL: 2,
      SQL: 2,
      OPPORTUNITY: 1,
      CUSTOMER: 1,
    });
    expect(byStage(group(bySource, 'webinar').stages, 'current')).toEqual({
      PROSPECT: 0,
      LEAD: 0,
      MQL: 0,
      SQL: 1,
      OPPORTUNITY: 0,
      CUSTOMER: 1,
    });
    expect(byStage(group(bySource, 'organic').stages, 'entered')).toEqual({
      PROSPECT: 3,
      LEAD: 1,
      MQL: 2,
      SQL: 0,
      OPPORTUNITY: 0,
      CUSTOMER: 0,
    });
    expect(byStage(group(bySource, 'organic').stages, 'current')).toEqual({
      PROSPECT: 1,
      LEAD: 0,
      MQL: 1,
      SQL: 0,
      OPPORTUNITY: 0,
      CUSTOMER: 0,
    });
    expect(byStage(group(bySource, null).stages, 'entered')).toEqual({
      PROSPECT: 1,
      LEAD: 1,
      MQL: 0,
      SQL: 0,
      OPPORTUNITY: 0,
      CUSTOMER: 0,
    });
    // Per group: webinar LEAD stays A 10 and B 0; organic D 6; partner H 0; E (no source) is still a LEAD.
    expect(group(bySource, 'webinar').stages[1].medianDaysInStage).toBe(5);
    expect(group(bySource, 'organic').stages[1].medianDaysInStage).toBe(6);
    expect(group(bySource, null).stages[1].medianDaysInStage).toBeNull();
    expect(byConversion(group(bySource, 'webinar').conversions, 'rate')).toEqual({
      'LEAD->MQL': 1,
      'MQL->SQL': 1,
      'SQL->OPPORTUNITY': 0.5,
      'OPPORTUNITY->CUSTOMER': 1,
    });
    expect(byConversion(group(bySource, null).conversions, 'rate')).toMatchObject({ 'LEAD->MQL': 0 });
    // The overall funnel is still every contact's (not a combination of the groups' medians).
    expect(bySource.stages).toEqual((await metrics(WINDOW)).stages);

    const byOwner = await metrics({ ...WINDOW, groupBy: 'OWNER' });
    expect(byOwner.groups.map((g: any) => g.key)).toEqual(['ana', 'ben', null]);
    expect(byStage(byOwner.groups[0].stages, 'entered')).toEqual({
      PROSPECT: 3,
      LEAD: 2,
      MQL: 3,
      SQL: 2,
      OPPORTUNITY: 1,
      CUSTOMER: 1,
    });
    expect(byStage(byOwner.groups[2].stages, 'entered')).toEqual({
      PROSPECT: 2,
      LEAD: 2,
      MQL: 1,
      SQL: 0,
      OPPORTUNITY: 0,
      CUSTOMER: 0,
    });

    const byPartner = await metrics({ ...WINDOW, groupBy: 'PARTNER' });
    expect(byPartner.groups.map((g: any) => g.key)).toEqual([...[p1.id, p2.id].sort(), null]);
    const partnerGroup = (id: string | null) => byPartner.groups.find((g: any) => g.key === id);
    expect(byStage(partnerGroup(p1.id).stages, 'entered')).toEqual({
      PROSPECT: 2,
      LEAD: 2,
      MQL: 2,
      SQL: 2,
      OPPORTUNITY: 1,
      CUSTOMER: 1,
    });
    expect(byStage(partnerGroup(p2.id).stages, 'entered')).toEqual({
      PROSPECT: 1,
      LEAD: 1,
      MQL: 1,
      SQL: 0,
      OPPORTUNITY: 0,
      CUSTOMER: 0,
    });
    expect(byStage(partnerGroup(null).stages, 'current')).toEqual({
      PROSPECT: 1,
      LEAD: 1,
      MQL: 1,
      SQL: 1,
      OPPORTUNITY: 0,
      CUSTOMER: 0,
    });
  });

  it('groups by the UTC week and month in which each counted entry happened', async () => {
    const monday = (iso: string) => {
      const d = new Date(iso);
      d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
      return d.toISOString().slice(0, 10);
    };
    const month = (iso: string) => `${iso.slice(0, 7)}-01`;
    const now = new Date().toISOString();
    // LEAD entries: A 20, B 15, D 12, E 8, H 3 days ago; everything created, qualified or moved: now.
    const leadEntries = [ago(20), ago(15), ago(12), ago(8), ago(3)];
    for (const [groupBy, period] of [
      ['WEEK', monday],
      ['MONTH', month],
    ] as const) {
      const m = await metrics({ ...WINDOW, groupBy });
      const keys = m.groups.map((g: any) => g.key);
      expect(keys).toEqual([...keys].sort());
      const expected = new Map<string, number>();
      for (const at of leadEntries) expected.set(period(at), (expected.get(period(at)) ?? 0) + 1);
      for (const g of m.groups)
        expect({ key: g.key, lead: g.stages[1].entered }).toEqual({ key: g.key, lead: expected.get(g.key) ?? 0 });
      const nowGroup = m.groups.find((g: any) => g.key === period(now));
      expect(nowGroup.stages[0].entered).toBe(7);
      // Current contacts fall in the period their current stay began: G created now, E's LEAD stay 8 days ago.
      expect(nowGroup.stages[0].current).toBe(1);
      expect(m.groups.find((g: any) => g.key === period(ago(8))).stages[1].current).toBe(1);
      expect(m.groups.reduce((n: number, g: any) => n + g.stages[3].entered, 0)).toBe(3);
    }
  });

  it('shows a PARTNER key its own contacts only', async () => {
    const key = await createKey(t, 'PARTNER', p1.id);
    const m = await metrics({ ...WINDOW, groupBy: 'PARTNER' }, key);
    expect(byStage(m.stages, 'entered')).toEqual({ PROSPECT: 2, LEAD: 2, MQL: 2, SQL: 2, OPPORTUNITY: 1, CUSTOMER: 1 });
    expect(byStage(m.stages, 'current')).toEqual({ PROSPECT: 0, LEAD: 0, MQL: 0, SQL: 1, OPPORTUNITY: 0, CUSTOMER: 1 });
    expect(m.groups.map((g: any) => g.key)).toEqual([p1.id]);
    // A's LEAD stay (10 days) and H's (0): median 5.
    expect(byStage(m.stages, 'medianDaysInStage').LEAD).toBe(5);
    const viewer = await createKey(t, 'VIEWER');
    expect(byStage((await metrics(WINDOW, viewer)).stages, 'entered').LEAD).toBe(5);
  });

  it('rejects a window that is empty, reversed or longer than 3 years', async () => {
    const from = '2024-01-01T00:00:00.000Z';
    for (const to of [from, '2023-12-31T00:00:00.000Z', '2027-01-01T00:00:00.001Z']) {
      const res = await t.gql(METRICS, { from, to });
      expect({ to, ext: res.errors?.[0].extensions }).toMatchObject({
        to,
        ext: { code: 'BAD_USER_INPUT', field: 'to' },
      });
    }
    const longest = await t.gql(METRICS, { from, to: '2027-01-01T00:00:00.000Z' });
    expect(longest.errors).toBeUndefined();
    const bad = await t.gql(METRICS, { from: 'last week', to: from });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await t.gql(METRICS, WINDOW, null)).status).toBe(401);
  });

  it('answers an empty window with zeros and no medians', async () => {
    const m = await metrics({ from: '2020-01-01T00:00:00.000Z', to: '2020-02-01T00:00:00.000Z', groupBy: 'MONTH' });
    expect(byStage(m.stages, 'entered')).toEqual({ PROSPECT: 0, LEAD: 0, MQL: 0, SQL: 0, OPPORTUNITY: 0, CUSTOMER: 0 });
    expect(m.stages.every((s: any) => s.medianDaysInStage === null)).toBe(true);
    expect(m.conversions.every((x: any) => x.rate === 0 && x.medianDaysToConvert === null)).toBe(true);
    expect(m.groups).toEqual([]);
  });
});

describe('stay columns', () => {
  const STAYS = 'SELECT id, previous_entry_at, left_at, converted_at FROM stage_transitions ORDER BY id';
  const FIRSTS = 'SELECT id, first_transition_at FROM contacts ORDER BY id';

  it('the migration that adds them backfills stored transitions exactly as the lifecycle writes them', async () => {
    const written = { stays: await t.app.ds.query(STAYS), firsts: await t.app.ds.query(FIRSTS) };
    // B's second MQL entry points at its first; A's stays are closed and converted.
    expect(written.stays.filter((r: any) => r.previous_entry_at !== null)).toHaveLength(1);
    expect(written.stays.filter((r: any) => r.left_at !== null && r.converted_at !== null).length).toBeGreaterThan(3);
    const before = await metrics({ ...WINDOW, groupBy: 'SOURCE' });
    const q = t.app.ds.createQueryRunner();
    try {
      // 1768 extends the indexes 1767 builds: step back over both, then forward.
      const [stays, groupKeys] = [new TransitionStays1767000000000(), new GroupKeys1768000000000()];
      // As the migration runner does: SQLite rebuilds a table to change it, which foreign keys would refuse.
      await q.beforeMigration();
      await groupKeys.down(q);
      await stays.down(q);
      await stays.up(q);
      await groupKeys.up(q);
      await q.afterMigration();
    } finally {
      await q.release();
    }
    expect({ stays: await t.app.ds.query(STAYS), firsts: await t.app.ds.query(FIRSTS) }).toEqual(written);
    expect(await metrics({ ...WINDOW, groupBy: 'SOURCE' })).toEqual(before);
  });
});
