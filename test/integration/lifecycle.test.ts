/**
 * The contract's Lifecycle section through the public API: promotions after score changes, their dates,
 * NURTURE, stages score never touches (BANT qualification, manual moves, the list and the policy are in
 * lifecycle-sales.test.ts).
 */
import { type TestApp } from '../helpers/app';
import { createContact, recordActivities, uniqueEmail } from '../helpers/factories';
import { MOVE, QUALIFY, at, bant, lifecycleWorld, steps } from '../helpers/lifecycle';

let t: TestApp;
let sales: string;
const { read, mql, withPolicy } = lifecycleWorld((w) => ({ t, sales } = w));

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
