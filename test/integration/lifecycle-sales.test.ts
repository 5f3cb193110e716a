/**
 * The contract's Lifecycle section, sales side: BANT qualification, manual transitions, the stageTransitions
 * list and the qualification policy.
 */
import { type TestApp } from '../helpers/app';
import { createContact, createKey, recordActivities } from '../helpers/factories';
import { MOVE, POLICY, QUALIFY, at, bant, lifecycleWorld } from '../helpers/lifecycle';

let t: TestApp;
let sales: string;
const { read, mql, withPolicy } = lifecycleWorld((w) => ({ t, sales } = w));

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
