/**
 * Temperature as stored state (contract "Temperature"; docs/scoring.md):
 * read, filtered and ordered from the stored column, it agrees with the
 * definition (engagement points of unexpired applications whose activity
 * occurred inside the window, against the thresholds) after activities enter,
 * after they leave the window or expire (the service's clock, which the timer
 * sweep reads, moved by the test), after a policy change (thresholds at once;
 * a window change as a rescore job whose progress is read), after a rescore,
 * and after the migration's backfill.
 */
import { StoredTemperature1774000000000 } from '../../migrations/1774000000000-StoredTemperature';
import { startTestApp, type TestApp } from '../helpers/app';
import { createContact, createRule, recordActivities } from '../helpers/factories';
import { dbDate } from '../../src/db/portable';
import { sleep } from '../helpers/ws';

const DAY = 86_400_000;

/** The service's clock: the timer sweep reads it; the test moves it forward. */
class ManualClock {
  t = Date.now();
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

const clock = new ManualClock();
let t: TestApp;
let demoRule: { id: string };
beforeAll(async () => {
  t = await startTestApp({ EXPIRY_SWEEP_MS: '100' }, { clock });
  demoRule = await createRule(t, { name: 'Demo', kind: 'BEHAVIOR', activityType: 'demo_request', points: 30 });
  await createRule(t, {
    name: 'Webinar',
    kind: 'BEHAVIOR',
    activityType: 'webinar_attended',
    points: 25,
    expiresAfterDays: 3,
  });
  await t.app.services.rescore.idle();
});
afterAll(() => t.stop());

const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

/** The definition, worked out from the stored applications at `now` (not from the columns under test). */
async function definition(source: string, now: number): Promise<Map<string, string>> {
  const { qualificationPolicy: p } = await t.ok(
    `{ qualificationPolicy { hotThreshold warmThreshold temperatureWindowDays } }`,
  );
  const rows: { id: string; pts: number | string }[] = await t.app.ds.query(
    `SELECT c.id, (SELECT COALESCE(SUM(sa.points), 0) FROM score_applications sa WHERE sa.contact_id = c.id ` +
      `AND (sa.expires_at IS NULL OR sa.expires_at >= ?) AND sa.occurred_at > ?) AS pts FROM contacts c WHERE ` +
      `c.source = ?`,
    [dbDate(now), dbDate(now - p.temperatureWindowDays * DAY), source],
  );
  const temperature = (pts: number) => (pts >= p.hotThreshold ? 'HOT' : pts >= p.warmThreshold ? 'WARM' : 'COLD');
  return new Map(rows.map((r) => [r.id, temperature(Number(r.pts))]));
}

const LIST =
  `query($filter: ContactFilter) { contacts(first: 100, filter: $filter, orderBy: { field: SCORE, direction: ` +
  `DESC }) { edges { node { id score temperature } } } }`;

/** What the API says: each contact's temperature read, and the ids each temperature filter returns, in score order. */
async function api(source: string) {
  const read = (await t.ok(LIST, { filter: { source } })).contacts.edges.map((e: any) => e.node);
  const filtered: Record<string, { id: string; score: number }[]> = {};
  for (const temp of ['HOT', 'WARM', 'COLD'])
    filtered[temp] = (await t.ok(LIST, { filter: { source, temperatures: [temp] } })).contacts.edges.map(
      (e: any) => e.node,
    );
  return { read: new Map<string, string>(read.map((c: any) => [c.id, c.temperature])), filtered };
}

/** Asserts that reads, filters and their score order agree with the definition at `now`. */
async function expectAgreement(source: string, now: number): Promise<Map<string, string>> {
  const expected = await definition(source, now);
  const { read, filtered } = await api(source);
  expect(read).toEqual(expected);
  for (const [temp, nodes] of Object.entries(filtered)) {
    expect(nodes.map((n) => n.id).sort()).toEqual(
      [...expected]
        .filter(([, v]) => v === temp)
        .map(([id]) => id)
        .sort(),
    );
    const scores = nodes.map((n) => n.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  }
  return expected;
}

/** Polls until the API agrees with the definition (the timer sweep runs every 100 ms). */
async function eventually(source: string, now: () => number, timeoutMs = 15_000): Promise<Map<string, string>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await expectAgreement(source, now());
    } catch (err) {
      if (Date.now() > end) throw err;
      await sleep(100);
    }
  }
}

describe('stored temperature', () => {
  it('the migration backfill gives the temperatures of the read-time definition', async () => {
    const source = 'temp-backfill';
    const a = await createContact(t, { source });
    const b = await createContact(t, { source });
    const c = await createContact(t, { source });
    await recordActivities(t, [
      { contactId: a.id, type: 'demo_request', occurredAt: ago(1) },
      { contactId: a.id, type: 'demo_request', occurredAt: ago(2) },
      { contactId: b.id, type: 'demo_request', occurredAt: ago(20) },
      { contactId: b.id, type: 'webinar_attended', occurredAt: ago(1) },
      { contactId: c.id, type: 'webinar_attended', occurredAt: ago(5) },
      { contactId: c.id, type: 'demo_request', occurredAt: ago(13) },
    ]);
    const before = await expectAgreement(source, clock.now());
    expect([...before.values()]).toEqual(expect.arrayContaining(['HOT', 'WARM']));
    // Columns as an older store has them, then the migration's backfill.
    await t.app.ds.query("UPDATE contacts SET window_points = 0, temperature = 'COLD'");
    await t.app.ds.query('UPDATE score_applications SET in_window = 0');
    expect([...(await api(source)).read.values()]).toEqual(['COLD', 'COLD', 'COLD']);
    const q = t.app.ds.createQueryRunner();
    try {
      await StoredTemperature1774000000000.backfill(q);
    } finally {
      await q.release();
    }
    expect(await expectAgreement(source, clock.now())).toEqual(before);
  });

  it('points enter with the activity and leave at expiry or occurredAt + window, by the timer sweep', async () => {
    const source = 'temp-window';
    const [a, b, c, d] = [
      await createContact(t, { source }),
      await createContact(t, { source }),
      await createContact(t, { source }),
      await createContact(t, { source }),
    ];
    await recordActivities(t, [
      { contactId: a.id, type: 'demo_request', occurredAt: ago(13) },
      { contactId: b.id, type: 'demo_request', occurredAt: ago(0) },
      { contactId: b.id, type: 'demo_request', occurredAt: ago(0.5) },
      { contactId: c.id, type: 'webinar_attended', occurredAt: ago(2) },
      { contactId: c.id, type: 'webinar_attended', occurredAt: ago(2.1) },
      { contactId: c.id, type: 'demo_request', occurredAt: ago(12) },
    ]);
    const now = await expectAgreement(source, clock.now());
    expect([now.get(a.id), now.get(b.id), now.get(c.id), now.get(d.id)]).toEqual(['WARM', 'HOT', 'HOT', 'COLD']);

    // A day and a half later a's activity has left the 14-day window and c's webinars have expired (3 days).
    clock.advance(1.5 * DAY);
    const later = await eventually(source, clock.now);
    expect([later.get(a.id), later.get(b.id), later.get(c.id), later.get(d.id)]).toEqual([
      'COLD',
      'HOT',
      'WARM',
      'COLD',
    ]);
    const { contact } = await t.ok(`query($id: ID!) { contact(id: $id) { temperature engagementScore } }`, {
      id: c.id,
    });
    expect(contact).toEqual({ temperature: 'WARM', engagementScore: 30 });
  });

  it('a policy change: thresholds at once, a new window through a rescore job with progress', async () => {
    const source = 'temp-window';
    const policy =
      `mutation($input: QualificationPolicyInput!) { updateQualificationPolicy(input: $input) { hotThreshold } ` + `}`;
    await t.ok(policy, { input: { hotThreshold: 30 } });
    // One UPDATE inside the policy's transaction: visible as soon as the mutation returns.
    const hot30 = await expectAgreement(source, clock.now());
    expect([...hot30.values()].filter((v) => v === 'HOT')).toHaveLength(2);

    const jobsBefore = Number((await t.app.ds.query('SELECT COUNT(*) AS n FROM rescore_jobs'))[0].n);
    await t.ok(policy, { input: { temperatureWindowDays: 30 } });
    const [job] = await t.app.ds.query('SELECT id FROM rescore_jobs ORDER BY started_at DESC LIMIT 1');
    expect(Number((await t.app.ds.query('SELECT COUNT(*) AS n FROM rescore_jobs'))[0].n)).toBe(jobsBefore + 1);
    let progress: any;
    for (let i = 0; i < 300; i++) {
      progress = (await t.ok(`query($id: ID!) { rescoreJob(id: $id) { state processed total } }`, { id: job.id }))
        .rescoreJob;
      if (progress.state === 'SUCCEEDED') break;
      await sleep(50);
    }
    const contacts = Number((await t.app.ds.query('SELECT COUNT(*) AS n FROM contacts'))[0].n);
    expect(progress).toEqual({ state: 'SUCCEEDED', processed: contacts, total: contacts });
    // a's activity (14.5 days old by the service's clock) is back inside the 30-day window.
    const wide = await eventually(source, clock.now);
    expect([...wide.values()].filter((v) => v === 'COLD')).toHaveLength(1);

    await t.ok(policy, { input: { hotThreshold: 60, temperatureWindowDays: 14 } });
    await t.app.services.rescore.idle();
    await eventually(source, clock.now);
  });

  it('follows a rescore after a rule change', async () => {
    const source = 'temp-window';
    await t.ok(`mutation($id: ID!) { updateScoringRule(id: $id, input: { points: 10 }) { id } }`, {
      id: demoRule.id,
    });
    await t.app.services.rescore.idle();
    const after = await eventually(source, clock.now);
    // b's two demos are worth 20 now: WARM; c keeps only its 10-point demo: COLD.
    expect([...after.values()].sort()).toEqual(['COLD', 'COLD', 'COLD', 'WARM']);
  });
});

describe('the window sweep, run by several sweepers at once', () => {
  it('takes each point out of the window once', async () => {
    const source = 'temp-sweepers';
    const contacts = [];
    for (let i = 0; i < 5; i++) contacts.push(await createContact(t, { source }));
    await recordActivities(
      t,
      contacts.flatMap((c, i) => [
        { contactId: c.id, type: 'demo_request', occurredAt: ago(10 + i * 0.1) },
        { contactId: c.id, type: 'demo_request', occurredAt: ago(10.5 + i * 0.1) },
        { contactId: c.id, type: 'demo_request', occurredAt: ago(1) },
      ]),
    );
    const at = clock.now() + 4.6 * DAY;
    // On MariaDB the sweeps run concurrently (a pool of connections); SQLite serialises them.
    await Promise.all(Array.from({ length: 4 }, () => t.app.services.scoring.sweepExpired(new Date(at))));
    const rows: { window_points: number | string }[] = await t.app.ds.query(
      'SELECT window_points FROM contacts WHERE source = ?',
      [source],
    );
    // Only the activity of a day ago is left inside the window (10 points since the rule change above).
    expect(rows.map((r) => Number(r.window_points))).toEqual([10, 10, 10, 10, 10]);
    clock.advance(4.6 * DAY);
    await expectAgreement(source, clock.now());
  });
});

describe('what a scored batch writes', () => {
  it('scores, temperature and lastActivityAt of any number of contacts in the same statements', async () => {
    const source = 'temp-batch';
    const contacts = [];
    for (let i = 0; i < 120; i++) contacts.push(await createContact(t, { source }));
    const BATCH = `mutation($inputs: [ActivityInput!]!) { recordActivities(inputs: $inputs) { activities { id } } }`;
    const batch = async (ids: { id: string }[], type: string) => {
      const res = await t.gql(BATCH, {
        inputs: ids.map((c) => ({ contactId: c.id, type, occurredAt: ago(0.2) })),
      });
      expect(res.errors).toBeUndefined();
      return res.sql;
    };
    await batch(contacts.slice(110, 112), 'demo_request'); // the instance reads the rules once
    // Scored (a demo earns points, so window points and temperature move) and unscored types alike.
    expect(await batch(contacts.slice(0, 100), 'demo_request')).toBe(
      await batch(contacts.slice(100, 110), 'demo_request'),
    );
    expect(await batch(contacts.slice(0, 100), 'page_view')).toBe(await batch(contacts.slice(100, 110), 'page_view'));
    const { contacts: page } = await t.ok(
      `query($filter: ContactFilter) { contacts(first: 200, filter: $filter) { edges { node { id ` +
        `lastActivityAt temperature } } } }`,
      { filter: { source } },
    );
    const byId = new Map(page.edges.map((e: any) => [e.node.id, e.node]));
    for (const c of contacts.slice(0, 110)) expect((byId.get(c.id) as any).lastActivityAt).not.toBeNull();
    expect((byId.get(contacts[115].id) as any).lastActivityAt).toBeNull();
    expect(new Map(page.edges.map((e: any) => [e.node.id, e.node.temperature]))).toEqual(
      await definition(source, clock.now()),
    );
  });
});
