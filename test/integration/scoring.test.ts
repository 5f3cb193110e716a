import { startTestApp, type TestApp, TEST_DB } from '../helpers/app';
import { sleep } from '../helpers/ws';
import { dbDate } from '../../src/db/portable';
import { createContact, createRule, recordActivities, uniqueEmail } from '../helpers/factories';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ EXPIRY_SWEEP_MS: '100' });
});
afterAll(() => t.stop());

const DAY = 86_400_000;
const READ = `query($id: ID!) { contact(id: $id) { score fitScore engagementScore temperature stage
  activities(first: 50) { edges { node { type occurredAt points } } }
  scoreBreakdown { ruleName kind points applications } } }`;
const HOT_LIST = '{ contacts(first: 500, filter: { temperatures: [HOT], stages: null }) { edges { node { id } } } }';
const read = async (id: string) => (await t.ok(READ, { id })).contact;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

/** Each scenario uses its own activity type so rules of other scenarios never match. */
describe('engagement rules', () => {
  it('caps a rule at maxApplications inside a sliding window (occurredAt order, boundary excluded)', async () => {
    await createRule(t, {
      name: 'webinar cap',
      kind: 'BEHAVIOR',
      activityType: 'webinar_attended',
      points: 10,
      maxApplications: 2,
      capWindowDays: 7,
    });
    await t.app.services.rescore.idle();
    const c = await createContact(t);
    const base = Date.UTC(2026, 0, 1);
    const at = (d: number, h = 0) => new Date(base + d * DAY + h * 3_600_000).toISOString();
    // Days 0, 1 count; 2 is past the cap; 7: day 0 left the window -> counts; 8 h1: day 1 left -> counts; 8 h2: capped.
    await recordActivities(
      t,
      [0, 1, 2, 7].map((d) => ({ contactId: c.id, type: 'webinar_attended', occurredAt: at(d) })),
    );
    await recordActivities(t, [
      { contactId: c.id, type: 'webinar_attended', occurredAt: at(8, 1) },
      { contactId: c.id, type: 'webinar_attended', occurredAt: at(8, 2) },
    ]);
    const r = await read(c.id);
    const points = r.activities.edges.map((e: any) => [e.node.occurredAt, e.node.points]).reverse();
    expect(points).toEqual([
      [at(0), 10],
      [at(1), 10],
      [at(2), 0],
      [at(7), 10],
      [at(8, 1), 10],
      [at(8, 2), 0],
    ]);
    expect(r.engagementScore).toBe(40);
    expect(r.scoreBreakdown).toEqual([{ ruleName: 'webinar cap', kind: 'BEHAVIOR', points: 40, applications: 4 }]);
  });

  it('rescoring a contact in full when a backdated activity changes earlier cap decisions', async () => {
    await createRule(t, {
      name: 'download cap',
      kind: 'BEHAVIOR',
      activityType: 'content_download',
      points: 7,
      maxApplications: 1,
    });
    await t.app.services.rescore.idle();
    const c = await createContact(t);
    await recordActivities(t, [{ contactId: c.id, type: 'content_download', occurredAt: '2026-03-10T00:00:00.000Z' }]);
    // Earlier in time: it takes the one slot, the later one earns 0; the total stays 7.
    await recordActivities(t, [{ contactId: c.id, type: 'content_download', occurredAt: '2026-03-01T00:00:00.000Z' }]);
    const r = await read(c.id);
    expect(r.activities.edges.map((e: any) => [e.node.occurredAt, e.node.points])).toEqual([
      ['2026-03-10T00:00:00.000Z', 0],
      ['2026-03-01T00:00:00.000Z', 7],
    ]);
    expect(r.engagementScore).toBe(7);
  });

  it('counts every rule an activity matches, negative points too, property conditions ignoring case', async () => {
    await createRule(t, { name: 'any click', kind: 'BEHAVIOR', activityType: 'email_click', points: 3 });
    await createRule(t, {
      name: 'pricing click',
      kind: 'BEHAVIOR',
      activityType: 'email_click',
      points: 12,
      conditions: [{ field: 'properties.url', operator: 'CONTAINS', value: 'PRICING' }],
    });
    await createRule(t, {
      name: 'careers click',
      kind: 'BEHAVIOR',
      activityType: 'email_click',
      points: -20,
      conditions: [{ field: 'properties.url', operator: 'STARTS_WITH', value: '/careers' }],
    });
    await t.app.services.rescore.idle();
    const c = await createContact(t);
    const res = await recordActivities(t, [
      { contactId: c.id, type: 'email_click', properties: { url: '/Pricing/enterprise' } },
      { contactId: c.id, type: 'email_click', properties: { url: '/careers/jobs' } },
      { contactId: c.id, type: 'email_click' },
    ]);
    expect(res.activities.map((a: any) => a.points)).toEqual([15, -17, 3]);
    const r = await read(c.id);
    expect(r.engagementScore).toBe(1);
    expect(r.scoreBreakdown.map((b: any) => [b.ruleName, b.points, b.applications])).toEqual([
      ['careers click', -20, 1],
      ['pricing click', 12, 1],
      ['any click', 9, 3],
    ]);
    expect(r.scoreBreakdown.reduce((s: number, b: any) => s + b.points, 0)).toBe(r.score);
  });

  it('expires points without new activity: a read reflects them within the sweep interval', async () => {
    await createRule(t, {
      name: 'open decays',
      kind: 'BEHAVIOR',
      activityType: 'email_open',
      points: 30,
      expiresAfterDays: 10,
    });
    await t.app.services.rescore.idle();
    const c = await createContact(t);
    // 10 days minus 1.5 s ago: still counts now, expires within two seconds.
    const soon = new Date(Date.now() - 10 * DAY + 1500).toISOString();
    const res = await recordActivities(t, [
      { contactId: c.id, type: 'email_open', occurredAt: soon },
      { contactId: c.id, type: 'email_open', occurredAt: ago(11) },
    ]);
    expect(res.activities.map((a: any) => a.points)).toEqual([30, 30]);
    expect((await read(c.id)).engagementScore).toBe(30);
    await new Promise((r) => setTimeout(r, 2500));
    const r = await read(c.id);
    expect(r).toMatchObject({ engagementScore: 0, score: 0, stage: 'LEAD' });
    expect(r.scoreBreakdown).toEqual([]);
    expect(r.activities.edges.map((e: any) => e.node.points)).toEqual([30, 30]);
  });

  it('derives temperature from points inside the window', async () => {
    await createRule(t, { name: 'demo', kind: 'BEHAVIOR', activityType: 'demo_request', points: 25 });
    await t.app.services.rescore.idle();
    const warm = await createContact(t);
    const hot = await createContact(t);
    const cold = await createContact(t);
    await recordActivities(t, [
      { contactId: warm.id, type: 'demo_request' },
      { contactId: hot.id, type: 'demo_request' },
      { contactId: hot.id, type: 'demo_request', occurredAt: ago(13) },
      { contactId: hot.id, type: 'demo_request', occurredAt: ago(1) },
      { contactId: cold.id, type: 'demo_request', occurredAt: ago(15) },
    ]);
    expect((await read(warm.id)).temperature).toBe('WARM');
    expect((await read(hot.id)).temperature).toBe('HOT');
    expect(await read(cold.id)).toMatchObject({ temperature: 'COLD', engagementScore: 25 });
    const ids = (await t.ok(HOT_LIST)).contacts.edges.map((e: any) => e.node.id);
    expect(ids).toContain(hot.id);
    expect(ids).not.toContain(warm.id);
  });
});

describe('the first behaviour rule', () => {
  let fresh: TestApp;
  beforeAll(async () => {
    fresh = await startTestApp();
  });
  afterAll(() => fresh.stop());

  it('scores the batch right after it, though the batch before had no rule to score with', async () => {
    const c = await createContact(fresh);
    await recordActivities(fresh, [{ contactId: c.id, type: 'demo_request' }]);
    await createRule(fresh, { name: 'demo', kind: 'BEHAVIOR', activityType: 'demo_request', points: 40 });
    await fresh.app.services.rescore.idle();
    await recordActivities(fresh, [{ contactId: c.id, type: 'demo_request' }]);
    const r = (await fresh.ok(READ, { id: c.id })).contact;
    expect(r.activities.edges.map((e: any) => e.node.points)).toEqual([40, 40]);
    expect([r.engagementScore, r.score, r.stage]).toEqual([80, 80, 'MQL']);
  });

  // SQLite runs one transaction at a time, so no rule change can be in flight there.
  (TEST_DB === 'mysql' ? it : it.skip)(
    'holds a batch that arrives while a rule change is in flight, then scores it with the new rule',
    async () => {
      const c = await createContact(fresh);
      await recordActivities(fresh, [{ contactId: c.id, type: 'email_click' }]);
      // A rule change as every one starts (the rule set's version bumped, its write lock held), not yet committed.
      const change = fresh.app.ds.createQueryRunner();
      await change.startTransaction();
      try {
        await change.query('UPDATE scoring_rule_set SET version = version + 1 WHERE id = 1');
        const at = dbDate(Date.now());
        await change.query(
          `INSERT INTO scoring_rules (id, name, kind, activity_type, conditions, points, max_applications, ` +
            `cap_window_days, expires_after_days, active, created_at, updated_at) VALUES (?, 'click', ` +
            `'BEHAVIOR', 'email_click', '[]', 7, NULL, NULL, NULL, 1, ?, ?)`,
          ['00000000-0000-4000-8000-00000000c11c', at, at],
        );
        let done = false;
        const batch = recordActivities(fresh, [{ contactId: c.id, type: 'email_click' }]).finally(() => (done = true));
        await sleep(500);
        expect(done).toBe(false);
        await change.commitTransaction();
        await batch;
      } finally {
        if (change.isTransactionActive) await change.rollbackTransaction();
        await change.release();
      }
      const r = (await fresh.ok(READ, { id: c.id })).contact;
      expect(r.activities.edges.map((e: any) => e.node.points)).toEqual([7, 0]);
      expect(r.engagementScore).toBe(7);
    },
  );
});

describe('time order', () => {
  it('breaks ties in occurredAt by arrival: the first recorded takes a cap slot, and a rescore agrees', async () => {
    await createRule(t, {
      name: 'trial once',
      kind: 'BEHAVIOR',
      activityType: 'trial_tie',
      points: 10,
      maxApplications: 1,
    });
    await t.app.services.rescore.idle();
    const c = await createContact(t);
    const when = '2026-04-01T12:00:00.000Z';
    const res = await recordActivities(
      t,
      ['tie-first', 'tie-second', 'tie-third'].map((k) => ({
        contactId: c.id,
        type: 'trial_tie',
        occurredAt: when,
        idempotencyKey: `${c.id}-${k}`,
      })),
    );
    expect(res.activities.map((a: any) => a.points)).toEqual([10, 0, 0]);
    await t.ok(`mutation { rescoreContacts { id } }`);
    await t.app.services.rescore.idle();
    const read = await t.ok(
      `query($id: ID!) { contact(id: $id) { score activities { edges { node { idempotencyKey points } } } } }`,
      { id: c.id },
    );
    const points = Object.fromEntries(
      read.contact.activities.edges.map((e: any) => [e.node.idempotencyKey.slice(c.id.length + 1), e.node.points]),
    );
    expect(points).toEqual({ 'tie-first': 10, 'tie-second': 0, 'tie-third': 0 });
    expect(read.contact.score).toBe(10);
  });

  it('dates a promotion by the crossing activity when a backdated activity forces a full recompute', async () => {
    await createRule(t, {
      name: 'guide once',
      kind: 'BEHAVIOR',
      activityType: 'guide_download',
      points: 7,
      maxApplications: 1,
    });
    await createRule(t, { name: 'pricing call', kind: 'BEHAVIOR', activityType: 'pricing_call', points: 60 });
    await t.app.services.rescore.idle();
    const c = await createContact(t);
    const day = (d: number) => new Date(Date.UTC(2026, 2, d)).toISOString();
    await recordActivities(t, [{ contactId: c.id, type: 'guide_download', occurredAt: day(10) }]);
    const res = await recordActivities(t, [
      { contactId: c.id, type: 'pricing_call', occurredAt: day(20) },
      { contactId: c.id, type: 'guide_download', occurredAt: day(1) },
    ]);
    expect(res.activities.map((a: any) => a.points)).toEqual([60, 7]);
    expect(res.transitions.map((x: any) => [x.fromStage, x.toStage, x.occurredAt, x.score])).toEqual([
      ['LEAD', 'MQL', day(20), 67],
    ]);
    const r = await t.ok(
      `query($id: ID!) { contact(id: $id) { score stage activities { edges { node { occurredAt points } } } ` +
        `transitions { toStage occurredAt } } }`,
      { id: c.id },
    );
    expect(r.contact).toEqual({
      score: 67,
      stage: 'MQL',
      activities: {
        edges: [
          { node: { occurredAt: day(20), points: 60 } },
          { node: { occurredAt: day(10), points: 0 } },
          { node: { occurredAt: day(1), points: 7 } },
        ],
      },
      transitions: [
        { toStage: 'LEAD', occurredAt: day(10) },
        { toStage: 'MQL', occurredAt: day(20) },
      ],
    });
  });
});

describe('fit rules', () => {
  it('scores who the contact is: emailDomain, freeEmail, numbers, attributes; recomputed on update', async () => {
    await createRule(t, {
      name: 'free mail',
      kind: 'FIT',
      points: -15,
      conditions: [{ field: 'freeEmail', operator: 'EQ', value: true }],
    });
    await createRule(t, {
      name: 'big company',
      kind: 'FIT',
      points: 20,
      conditions: [{ field: 'companySize', operator: 'GTE', value: 500 }],
    });
    await createRule(t, {
      name: 'exec',
      kind: 'FIT',
      points: 10,
      conditions: [{ field: 'jobTitle', operator: 'IN', value: ['cto', 'ceo', 'vp engineering'] }],
    });
    await createRule(t, {
      name: 'enterprise plan',
      kind: 'FIT',
      points: 5,
      conditions: [{ field: 'attributes.plan', operator: 'EQ', value: 'Enterprise' }],
    });
    await createRule(t, {
      name: 'acme domain',
      kind: 'FIT',
      points: 1,
      conditions: [{ field: 'emailDomain', operator: 'ENDS_WITH', value: 'acme-corp.com' }],
    });
    await t.app.services.rescore.idle();
    const free = await createContact(t, {
      email: uniqueEmail('x').replace('acme-corp.com', 'GMail.com'),
      companySize: 10,
    });
    expect(free.fitScore).toBe(-15);
    const exec = await createContact(t, { jobTitle: 'CTO', companySize: 500, attributes: { plan: 'enterprise' } });
    expect(exec.fitScore).toBe(36);
    const updated = await t.ok(
      `mutation($id: ID!) { updateContact(id: $id, input: { companySize: 499 }) { fitScore score } }`,
      { id: exec.id },
    );
    expect(updated.updateContact).toEqual({ fitScore: 16, score: 16 });
    const breakdown = (await read(exec.id)).scoreBreakdown.map((b: any) => [b.ruleName, b.kind, b.points]);
    expect(breakdown).toEqual([
      ['exec', 'FIT', 10],
      ['enterprise plan', 'FIT', 5],
      ['acme domain', 'FIT', 1],
    ]);
  });
});

describe('rule validation', () => {
  it.each([
    [
      { name: 'x', kind: 'FIT', points: 1, conditions: [{ field: 'shoeSize', operator: 'EQ', value: 1 }] },
      'input.conditions[0].field',
    ],
    [
      {
        name: 'x',
        kind: 'BEHAVIOR',
        activityType: 'page_view',
        points: 1,
        conditions: [{ field: 'companySize', operator: 'EQ', value: 1 }],
      },
      'input.conditions[0].field',
    ],
    [
      { name: 'x', kind: 'FIT', points: 1, conditions: [{ field: 'country', operator: 'IN', value: 'DE' }] },
      'input.conditions[0].value',
    ],
    [
      { name: 'x', kind: 'FIT', points: 1, conditions: [{ field: 'companySize', operator: 'GT', value: 'big' }] },
      'input.conditions[0].value',
    ],
    [
      { name: 'x', kind: 'FIT', points: 1, conditions: [{ field: 'country', operator: 'EXISTS', value: 'x' }] },
      'input.conditions[0].value',
    ],
    [{ name: 'x', kind: 'FIT', points: 1, maxApplications: 2 }, 'input.maxApplications'],
    [{ name: 'x', kind: 'FIT', points: 1, expiresAfterDays: 3 }, 'input.expiresAfterDays'],
    [{ name: 'x', kind: 'BEHAVIOR', points: 1 }, 'input.activityType'],
    [{ name: 'x', kind: 'BEHAVIOR', activityType: 'page_view', points: 1, capWindowDays: 3 }, 'input.capWindowDays'],
    [{ name: ' ', kind: 'FIT', points: 1 }, 'input.name'],
  ])('rejects %p with BAD_USER_INPUT naming %s, storing nothing', async (input, field) => {
    const before = (await t.ok('{ scoringRules(includeInactive: true) { id } }')).scoringRules.length;
    const res = await t.gql(`mutation($input: ScoringRuleInput!) { createScoringRule(input: $input) { id } }`, {
      input,
    });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect((await t.ok('{ scoringRules(includeInactive: true) { id } }')).scoringRules.length).toBe(before);
  });

  it('rejects a patch that makes a rule invalid and NOT_FOUND for an unknown rule', async () => {
    const rule = await createRule(t, { name: 'patch me', kind: 'BEHAVIOR', activityType: 'form_submit', points: 4 });
    const bad = await t.gql(`mutation($id: ID!) { updateScoringRule(id: $id, input: { capWindowDays: 5 }) { id } }`, {
      id: rule.id,
    });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.capWindowDays' });
    const missing = await t.gql(`mutation { updateScoringRule(id: "nope", input: { points: 1 }) { id } }`);
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const gone = await t.gql(`mutation { deleteScoringRule(id: "nope") }`);
    expect(gone.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});
