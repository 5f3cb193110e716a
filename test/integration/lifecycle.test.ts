/**
 * The contract's Lifecycle section through the public API: promotions after
 * score changes, their dates, NURTURE, stages score never touches, BANT
 * qualification, manual transitions, the stageTransitions list and the policy.
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { createContact, createKey, createRule, recordActivities, uniqueEmail } from '../helpers/factories';

let t: TestApp;
let sales: string;
beforeAll(async () => {
  t = await startTestApp();
  // Every test contact has a business address (acme-corp.com): fit 10.
  await createRule(t, {
    name: 'Business email',
    kind: 'FIT',
    points: 10,
    conditions: [{ field: 'freeEmail', operator: 'EQ', value: false }],
  });
  await createRule(t, {
    name: 'Executive',
    kind: 'FIT',
    points: 40,
    conditions: [{ field: 'jobTitle', operator: 'IN', value: ['ceo', 'cto'] }],
  });
  await createRule(t, { name: 'Demo request', kind: 'BEHAVIOR', activityType: 'demo_request', points: 40 });
  await createRule(t, { name: 'Page view', kind: 'BEHAVIOR', activityType: 'page_view', points: 5 });
  await createRule(t, { name: 'Newsletter', kind: 'BEHAVIOR', activityType: 'newsletter_open', points: 0 });
  await createRule(t, { name: 'Unsubscribe', kind: 'BEHAVIOR', activityType: 'unsubscribe', points: -30 });
  await t.app.services.rescore.idle();
  sales = await createKey(t, 'SALES', undefined, 'sally');
});
afterAll(() => t.stop());

const CONTACT = `query($id: ID!) { contact(id: $id) { stage score fitScore engagementScore stageChangedAt
  transitions { fromStage toStage trigger score actor reason occurredAt }
  qualification { budget authority need timeline notes qualifiedBy qualifiedAt } } }`;
const read = async (id: string) => (await t.ok(CONTACT, { id })).contact;
const steps = (transitions: any[]) => transitions.map((x) => [x.fromStage, x.toStage, x.trigger, x.occurredAt]);
const at = (min: number) => new Date(Date.UTC(2026, 5, 1, 9, 0) + min * 60_000).toISOString();
const QUALIFY = `mutation($id: ID!, $input: QualificationInput!) { qualifyContact(id: $id, input: $input) { stage } }`;
const MOVE =
  `mutation($id: ID!, $to: LifecycleStage!, $reason: String!) { transitionContact(id: $id, toStage: $to, ` +
  `reason: $reason) { stage } }`;
const POLICY =
  `mutation($input: QualificationPolicyInput!) { updateQualificationPolicy(input: $input) { leadThreshold ` +
  `mqlThreshold sqlThreshold requiredBantCriteria hotThreshold warmThreshold temperatureWindowDays } }`;
const bant = (n: number, notes?: string) => ({
  budget: n > 0,
  authority: n > 1,
  need: n > 2,
  timeline: n > 3,
  ...(notes ? { notes } : {}),
});

async function mql(): Promise<any> {
  const c = await createContact(t);
  await recordActivities(t, [{ contactId: c.id, type: 'demo_request', occurredAt: at(0) }]);
  expect((await read(c.id)).stage).toBe('MQL');
  return c;
}

async function withPolicy(patch: Record<string, unknown>, fn: () => Promise<void>): Promise<void> {
  const before = (
    await t.ok(`{ qualificationPolicy { leadThreshold mqlThreshold sqlThreshold requiredBantCriteria } }`)
  ).qualificationPolicy;
  await t.ok(POLICY, { input: patch });
  try {
    await fn();
  } finally {
    await t.ok(POLICY, { input: before });
  }
}

describe('promotions by score', () => {
  it('starts a new contact as PROSPECT with no transition, and never leaves PROSPECT on fit alone', async () => {
    const c = await createContact(t, { jobTitle: 'CEO' });
    expect(c).toMatchObject({ stage: 'PROSPECT', fitScore: 50, score: 50, engagementScore: 0 });
    const updated = await t.ok(
      `mutation($id: ID!) { updateContact(id: $id, input: { jobTitle: "CTO", company: "Big" }) { stage score } }`,
      { id: c.id },
    );
    expect(updated.updateContact).toEqual({ stage: 'PROSPECT', score: 50 });
    expect((await read(c.id)).transitions).toEqual([]);
  });

  it('records one transition per stage passed, each dated by the activity that crossed its threshold', async () => {
    const c = await createContact(t);
    const res = await recordActivities(t, [
      { contactId: c.id, type: 'demo_request', occurredAt: at(10) },
      { contactId: c.id, type: 'page_view', occurredAt: at(0) },
      { contactId: c.id, type: 'page_view', occurredAt: at(5) },
    ]);
    // In occurredAt order: view (eng 5: LEAD), view (score 20), demo (score 60: MQL).
    expect(steps(res.transitions)).toEqual([
      ['PROSPECT', 'LEAD', 'SCORE', at(0)],
      ['LEAD', 'MQL', 'SCORE', at(10)],
    ]);
    expect(res.transitions.map((x: any) => x.score)).toEqual([15, 60]);
    const r = await read(c.id);
    expect(r).toMatchObject({ stage: 'MQL', score: 60, engagementScore: 50, stageChangedAt: at(10) });
    expect(steps(r.transitions)).toEqual(steps(res.transitions));
    expect(r.transitions.map((x: any) => x.actor)).toEqual([null, null]);
  });

  it('passes MQL on the way to SQL when sqlThreshold is set, all dated by the one crossing activity', async () => {
    await withPolicy({ sqlThreshold: 90 }, async () => {
      const c = await createContact(t);
      const res = await recordActivities(t, [
        { contactId: c.id, type: 'demo_request', occurredAt: at(1) },
        { contactId: c.id, type: 'demo_request', occurredAt: at(2) },
      ]);
      expect(steps(res.transitions)).toEqual([
        ['PROSPECT', 'LEAD', 'SCORE', at(1)],
        ['LEAD', 'MQL', 'SCORE', at(1)],
        ['MQL', 'SQL', 'SCORE', at(2)],
      ]);
      expect((await read(c.id)).stage).toBe('SQL');
    });
  });

  it('never dates a promotion before the contact’s previous transition (backdated activity)', async () => {
    const c = await createContact(t);
    await recordActivities(t, [{ contactId: c.id, type: 'page_view', occurredAt: at(60) }]);
    const res = await recordActivities(t, [{ contactId: c.id, type: 'demo_request', occurredAt: at(30) }]);
    expect(steps(res.transitions)).toEqual([['LEAD', 'MQL', 'SCORE', at(60)]]);
    expect(steps((await read(c.id)).transitions)).toEqual([
      ['PROSPECT', 'LEAD', 'SCORE', at(60)],
      ['LEAD', 'MQL', 'SCORE', at(60)],
    ]);
  });

  it('never moves a stage back when scores fall', async () => {
    const c = await mql();
    const res = await recordActivities(t, [
      { contactId: c.id, type: 'unsubscribe', occurredAt: at(1) },
      { contactId: c.id, type: 'unsubscribe', occurredAt: at(2) },
    ]);
    expect(res.transitions).toEqual([]);
    expect(await read(c.id)).toMatchObject({ stage: 'MQL', score: -10, engagementScore: -20 });
  });

  it('promotes a LEAD whose fit rises when the contact changes, dated at the change', async () => {
    const c = await createContact(t);
    await recordActivities(t, [{ contactId: c.id, type: 'page_view', occurredAt: at(0) }]);
    const before = Date.now();
    const updated = await t.ok(
      `mutation($id: ID!) { updateContact(id: $id, input: { jobTitle: "cto" }) { stage score fitScore } }`,
      { id: c.id },
    );
    expect(updated.updateContact).toEqual({ stage: 'MQL', score: 55, fitScore: 50 });
    const r = await read(c.id);
    expect(r.stage).toBe('MQL');
    const last = r.transitions[1];
    expect(last).toMatchObject({ fromStage: 'LEAD', toStage: 'MQL', trigger: 'SCORE', score: 55 });
    expect(Date.parse(last.occurredAt)).toBeGreaterThanOrEqual(before - 5);
    expect(Date.parse(last.occurredAt)).toBeLessThanOrEqual(Date.now());
  });

  it.each(['DISQUALIFIED', 'OPPORTUNITY', 'CUSTOMER'])('leaves %s untouched by score', async (stage) => {
    const c = await createContact(t);
    await t.ok(MOVE, { id: c.id, to: stage, reason: 'set by sales' }, sales);
    const res = await recordActivities(t, [
      { contactId: c.id, type: 'demo_request' },
      { contactId: c.id, type: 'demo_request' },
    ]);
    expect(res.transitions).toEqual([]);
    const r = await read(c.id);
    expect(r).toMatchObject({ stage, score: 90 });
    expect(r.transitions.map((x: any) => x.trigger)).toEqual(['MANUAL']);
  });
});

describe('NURTURE', () => {
  it('is re-promoted only by new engagement: positive points occurring after it entered NURTURE', async () => {
    const c = await mql();
    await t.ok(QUALIFY, { id: c.id, input: bant(1) }, sales);
    const entered = (await read(c.id)).stageChangedAt;
    const after = (ms: number) => new Date(Date.parse(entered) + ms).toISOString();

    // Points from an activity that happened before NURTURE, nothing earned, points lost: no new engagement.
    let res = await recordActivities(t, [{ contactId: c.id, type: 'demo_request', occurredAt: at(5) }]);
    expect(res.transitions).toEqual([]);
    res = await recordActivities(t, [{ contactId: c.id, type: 'newsletter_open', occurredAt: after(1000) }]);
    expect(res.transitions).toEqual([]);
    res = await recordActivities(t, [{ contactId: c.id, type: 'unsubscribe', occurredAt: after(2000) }]);
    expect(res.transitions).toEqual([]);
    expect(await read(c.id)).toMatchObject({ stage: 'NURTURE', score: 60 });

    res = await recordActivities(t, [{ contactId: c.id, type: 'page_view', occurredAt: after(3000) }]);
    expect(steps(res.transitions)).toEqual([['NURTURE', 'MQL', 'SCORE', after(3000)]]);
    expect((await read(c.id)).transitions.map((x: any) => x.toStage)).toEqual(['LEAD', 'MQL', 'NURTURE', 'MQL']);
  });

  it('is not re-promoted by a policy change without new engagement', async () => {
    const c = await mql();
    await t.ok(QUALIFY, { id: c.id, input: bant(0) }, sales);
    await withPolicy({ mqlThreshold: 20 }, async () => {
      expect((await read(c.id)).stage).toBe('NURTURE');
    });
  });
});

describe('qualifyContact', () => {
  it('makes an MQL an SQL with enough BANT criteria, stored with who and when; trigger QUALIFICATION', async () => {
    const c = await mql();
    const before = Date.now();
    const res = await t.ok(QUALIFY, { id: c.id, input: bant(3, 'budget approved') }, sales);
    expect(res.qualifyContact.stage).toBe('SQL');
    const r = await read(c.id);
    expect(r.qualification).toMatchObject({
      budget: true,
      authority: true,
      need: true,
      timeline: false,
      notes: 'budget approved',
      qualifiedBy: 'sally',
    });
    expect(Date.parse(r.qualification.qualifiedAt)).toBeGreaterThanOrEqual(before - 5);
    expect(r.transitions[2]).toMatchObject({
      fromStage: 'MQL',
      toStage: 'SQL',
      trigger: 'QUALIFICATION',
      actor: 'sally',
      score: 50,
      occurredAt: r.qualification.qualifiedAt,
    });
  });

  it('sends it to NURTURE with too few criteria, per the policy’s requiredBantCriteria', async () => {
    await withPolicy({ requiredBantCriteria: 4 }, async () => {
      const c = await mql();
      expect((await t.ok(QUALIFY, { id: c.id, input: bant(3) }, sales)).qualifyContact.stage).toBe('NURTURE');
      expect((await read(c.id)).transitions[2]).toMatchObject({
        fromStage: 'MQL',
        toStage: 'NURTURE',
        trigger: 'QUALIFICATION',
        actor: 'sally',
      });
    });
  });

  it('rejects any stage but MQL with BAD_USER_INPUT and stores nothing', async () => {
    const prospect = await createContact(t);
    const lead = await createContact(t);
    await recordActivities(t, [{ contactId: lead.id, type: 'page_view' }]);
    for (const c of [prospect, lead]) {
      const res = await t.gql(QUALIFY, { id: c.id, input: bant(4) }, sales);
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      const r = await read(c.id);
      expect(r.qualification).toBeNull();
      expect(r.transitions.filter((x: any) => x.trigger === 'QUALIFICATION')).toEqual([]);
    }
  });

  it('is NOT_FOUND for an unknown contact and FORBIDDEN for MARKETING', async () => {
    expect((await t.gql(QUALIFY, { id: 'nope', input: bant(4) }, sales)).errors?.[0].extensions?.code).toBe(
      'NOT_FOUND',
    );
    const c = await mql();
    const marketing = await createKey(t, 'MARKETING');
    expect((await t.gql(QUALIFY, { id: c.id, input: bant(4) }, marketing)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect((await read(c.id)).stage).toBe('MQL');
  });
});

describe('transitionContact', () => {
  it('moves to any other stage with a reason; trigger MANUAL, actor is the key’s name', async () => {
    const c = await mql();
    await t.ok(MOVE, { id: c.id, to: 'LEAD', reason: '  wrong segment ' }, sales);
    await t.ok(MOVE, { id: c.id, to: 'CUSTOMER', reason: 'signed' }, sales);
    const r = await read(c.id);
    expect(r.stage).toBe('CUSTOMER');
    expect(r.transitions.slice(2)).toEqual([
      expect.objectContaining({
        fromStage: 'MQL',
        toStage: 'LEAD',
        trigger: 'MANUAL',
        actor: 'sally',
        reason: 'wrong segment',
      }),
      expect.objectContaining({
        fromStage: 'LEAD',
        toStage: 'CUSTOMER',
        trigger: 'MANUAL',
        actor: 'sally',
        reason: 'signed',
      }),
    ]);
  });

  it('rejects an empty reason or the current stage (BAD_USER_INPUT), an unknown contact (NOT_FOUND)', async () => {
    const c = await createContact(t);
    for (const reason of ['', '   ']) {
      const res = await t.gql(MOVE, { id: c.id, to: 'LEAD', reason }, sales);
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    }
    expect((await t.gql(MOVE, { id: c.id, to: 'PROSPECT', reason: 'x' }, sales)).errors?.[0].extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
    expect((await t.gql(MOVE, { id: 'nope', to: 'LEAD', reason: 'x' }, sales)).errors?.[0].extensions?.code).toBe(
      'NOT_FOUND',
    );
    expect(await read(c.id)).toMatchObject({ stage: 'PROSPECT', transitions: [] });
  });
});

describe('stageTransitions', () => {
  it('filters by contact, stages, triggers and [occurredAfter, occurredBefore), and pages oldest first', async () => {
    const c = await createContact(t);
    await recordActivities(t, [
      { contactId: c.id, type: 'page_view', occurredAt: at(100) },
      { contactId: c.id, type: 'demo_request', occurredAt: at(200) },
    ]);
    await t.ok(QUALIFY, { id: c.id, input: bant(4) }, sales);
    await t.ok(MOVE, { id: c.id, to: 'OPPORTUNITY', reason: 'meeting' }, sales);
    const LIST = `query($filter: StageTransitionFilter, $first: Int, $after: String) { stageTransitions(filter:
                   $filter, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { contactId toStage trigger occurredAt } } } }`;
    const list = async (filter: Record<string, unknown>, first = 20, after?: string) =>
      (await t.ok(LIST, { filter: { contactId: c.id, ...filter }, first, after })).stageTransitions;

    const all = await list({});
    expect(all.totalCount).toBe(4);
    expect(all.edges.map((e: any) => e.node.toStage)).toEqual(['LEAD', 'MQL', 'SQL', 'OPPORTUNITY']);
    expect((await list({ toStages: ['MQL', 'OPPORTUNITY'] })).edges.map((e: any) => e.node.toStage)).toEqual([
      'MQL',
      'OPPORTUNITY',
    ]);
    expect((await list({ triggers: ['SCORE'] })).edges.map((e: any) => e.node.toStage)).toEqual(['LEAD', 'MQL']);
    expect((await list({ triggers: ['QUALIFICATION', 'MANUAL'] })).totalCount).toBe(2);
    expect((await list({ toStages: [] })).totalCount).toBe(0);
    expect(
      (await list({ occurredAfter: at(100), occurredBefore: at(200) })).edges.map((e: any) => e.node.toStage),
    ).toEqual(['LEAD']);
    expect((await list({ occurredAfter: at(101) })).edges.map((e: any) => e.node.toStage)).toEqual([
      'MQL',
      'SQL',
      'OPPORTUNITY',
    ]);

    const page1 = await list({}, 3);
    expect(page1.totalCount).toBe(4);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = await list({}, 3, page1.pageInfo.endCursor);
    expect(page2.edges.map((e: any) => e.node.toStage)).toEqual(['OPPORTUNITY']);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const other = await t.ok(LIST, { filter: { contactId: 'nope' } });
    expect(other.stageTransitions.totalCount).toBe(0);
  });
});

describe('qualification policy', () => {
  it.each([
    [{ warmThreshold: 70 }, 'input.warmThreshold'],
    [{ sqlThreshold: 50 }, 'input.sqlThreshold'],
    [{ leadThreshold: -1 }, 'input.leadThreshold'],
    [{ temperatureWindowDays: 0 }, 'input.temperatureWindowDays'],
    [{ requiredBantCriteria: 5 }, 'input.requiredBantCriteria'],
  ])('rejects %p with BAD_USER_INPUT naming %s and keeps the policy', async (input, field) => {
    const before = (
      await t.ok(
        `{ qualificationPolicy { leadThreshold mqlThreshold sqlThreshold requiredBantCriteria hotThreshold ` +
          `warmThreshold temperatureWindowDays } }`,
      )
    ).qualificationPolicy;
    const res = await t.gql(POLICY, { input });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(
      (
        await t.ok(
          `{ qualificationPolicy { leadThreshold mqlThreshold sqlThreshold requiredBantCriteria hotThreshold ` +
            `warmThreshold temperatureWindowDays } }`,
        )
      ).qualificationPolicy,
    ).toEqual(before);
  });

  it('keeps omitted fields, null clears sqlThreshold, re-evaluates: promotions only, dated now', async () => {
    const lead = await createContact(t);
    await recordActivities(t, [{ contactId: lead.id, type: 'page_view', occurredAt: at(0) }]);
    const high = await mql();
    const disqualified = await createContact(t);
    await recordActivities(t, [{ contactId: disqualified.id, type: 'page_view', occurredAt: at(0) }]);
    await t.ok(MOVE, { id: disqualified.id, to: 'DISQUALIFIED', reason: 'spam' }, sales);

    const before = Date.now();
    const p = (await t.ok(POLICY, { input: { mqlThreshold: 15, sqlThreshold: 55 } })).updateQualificationPolicy;
    expect(p).toEqual({
      leadThreshold: 1,
      mqlThreshold: 15,
      sqlThreshold: 55,
      requiredBantCriteria: 3,
      hotThreshold: 60,
      warmThreshold: 20,
      temperatureWindowDays: 14,
    });
    const promoted = await read(lead.id);
    expect(promoted.stage).toBe('MQL');
    const last = promoted.transitions[1];
    expect(last).toMatchObject({ fromStage: 'LEAD', toStage: 'MQL', trigger: 'SCORE', actor: null, score: 15 });
    expect(Date.parse(last.occurredAt)).toBeGreaterThanOrEqual(before - 5);
    expect(Date.parse(last.occurredAt)).toBeLessThanOrEqual(Date.now());
    expect((await read(high.id)).transitions.map((x: any) => x.toStage)).toEqual(['LEAD', 'MQL']);
    expect((await read(disqualified.id)).stage).toBe('DISQUALIFIED');

    // Raising thresholds again demotes nobody; null clears sqlThreshold, omitted fields stay.
    const cleared = (await t.ok(POLICY, { input: { mqlThreshold: 50, sqlThreshold: null } })).updateQualificationPolicy;
    expect(cleared).toEqual({ ...p, mqlThreshold: 50, sqlThreshold: null });
    expect((await read(lead.id)).stage).toBe('MQL');
    const kept = (await t.ok(POLICY, { input: { hotThreshold: 80 } })).updateQualificationPolicy;
    expect(kept).toEqual({ ...cleared, hotThreshold: 80 });
    await t.ok(POLICY, { input: { hotThreshold: 60 } });
  });

  it('lets SALES read but not change the policy', async () => {
    expect((await t.gql(POLICY, { input: { mqlThreshold: 10 } }, sales)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect((await t.ok(`{ qualificationPolicy { mqlThreshold } }`, {}, sales)).qualificationPolicy.mqlThreshold).toBe(
      50,
    );
  });
});

describe('concurrent scoring of one contact', () => {
  it('loses no points and promotes once when racing requests name the same new email', async () => {
    const email = uniqueEmail('race');
    // Ten requests at once, each one demo request (40): the first creates the PROSPECT, all score it.
    await Promise.all(
      Array.from({ length: 10 }, () => recordActivities(t, [{ contactEmail: email, type: 'demo_request' }])),
    );
    const c = (await t.ok(`query($e: String!) { contactByEmail(email: $e) { id } }`, { e: email })).contactByEmail;
    const r = await read(c.id);
    expect(r).toMatchObject({ engagementScore: 400, score: 410, stage: 'MQL' });
    expect(r.transitions.map((x: any) => [x.fromStage, x.toStage])).toEqual([
      ['PROSPECT', 'LEAD'],
      ['LEAD', 'MQL'],
    ]);
  });
});
