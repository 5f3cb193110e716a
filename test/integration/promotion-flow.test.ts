import { startTestApp, type TestApp } from '../helpers/app';
import { createContact, createKey, createRule, recordActivities } from '../helpers/factories';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await createRule(t, { name: 'Demo request', kind: 'BEHAVIOR', activityType: 'demo_request', points: 40 });
  await createRule(t, { name: 'Page view', kind: 'BEHAVIOR', activityType: 'page_view', points: 5 });
  await createRule(t, {
    name: 'Business email',
    kind: 'FIT',
    points: 10,
    conditions: [{ field: 'freeEmail', operator: 'EQ', value: false }],
  });
  await createRule(t, { name: 'Unsubscribe', kind: 'BEHAVIOR', activityType: 'unsubscribe', points: -30 });
});
afterAll(() => t.stop());

const CONTACT = `query($id: ID!) { contact(id: $id) { stage score fitScore engagementScore stageChangedAt
  transitions { fromStage toStage trigger score actor reason occurredAt }
  qualification { budget authority need timeline notes qualifiedBy }
  scoreBreakdown { ruleName kind points applications } } }`;

const at = (min: number) => new Date(Date.UTC(2026, 5, 1, 9, 0) + min * 60_000).toISOString();

it('walks a contact from PROSPECT to SQL and back to MQL through NURTURE', async () => {
  const c = await createContact(t);
  expect(c).toMatchObject({ stage: 'PROSPECT', fitScore: 10, score: 10 });

  // 40 engagement + 10 fit = 50: PROSPECT -> LEAD -> MQL, both dated by the demo request.
  const r1 = await recordActivities(t, [
    { contactId: c.id, type: 'page_view', occurredAt: at(0) },
    { contactId: c.id, type: 'demo_request', occurredAt: at(5) },
  ]);
  expect(r1.activities.map((a: any) => a.points)).toEqual([5, 40]);
  expect(r1.transitions.map((x: any) => [x.fromStage, x.toStage, x.occurredAt])).toEqual([
    ['PROSPECT', 'LEAD', at(0)],
    ['LEAD', 'MQL', at(5)],
  ]);
  let read = (await t.ok(CONTACT, { id: c.id })).contact;
  expect(read).toMatchObject({ stage: 'MQL', score: 55, fitScore: 10, engagementScore: 45 });
  expect(read.scoreBreakdown).toEqual([
    { ruleName: 'Demo request', kind: 'BEHAVIOR', points: 40, applications: 1 },
    { ruleName: 'Business email', kind: 'FIT', points: 10, applications: 1 },
    { ruleName: 'Page view', kind: 'BEHAVIOR', points: 5, applications: 1 },
  ]);

  // Falling scores never move a stage back.
  await recordActivities(t, [{ contactId: c.id, type: 'unsubscribe', occurredAt: at(10) }]);
  read = (await t.ok(CONTACT, { id: c.id })).contact;
  expect(read).toMatchObject({ stage: 'MQL', score: 25 });

  // Sales sends it back with too few BANT criteria: NURTURE, stored with who.
  const sales = await createKey(t, 'SALES', undefined, 'sally');
  const q = await t.ok(
    `mutation($id: ID!) { qualifyContact(id: $id, input: { budget: true, authority: true, need: false, ` +
      `timeline: false, notes: "later" }) { stage } }`,
    { id: c.id },
    sales,
  );
  expect(q.qualifyContact.stage).toBe('NURTURE');
  read = (await t.ok(CONTACT, { id: c.id })).contact;
  expect(read.qualification).toEqual({
    budget: true,
    authority: true,
    need: false,
    timeline: false,
    notes: 'later',
    qualifiedBy: 'sally',
  });
  expect(read.transitions[2]).toMatchObject({
    fromStage: 'MQL',
    toStage: 'NURTURE',
    trigger: 'QUALIFICATION',
    actor: 'sally',
  });

  // qualifyContact on a non-MQL is BAD_USER_INPUT and changes nothing.
  const again = await t.gql(
    `mutation($id: ID!) { qualifyContact(id: $id, input: { budget: true, authority: true, need: true, ` +
      `timeline: true }) { stage } }`,
    { id: c.id },
    sales,
  );
  expect(again.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

  // New engagement re-promotes NURTURE to MQL (score 25 + 40 = 65), dated now-ish (after the NURTURE transition).
  const now = new Date().toISOString();
  const r2 = await recordActivities(t, [{ contactId: c.id, type: 'demo_request', occurredAt: now }]);
  expect(r2.transitions.map((x: any) => [x.fromStage, x.toStage, x.trigger])).toEqual([['NURTURE', 'MQL', 'SCORE']]);

  // Enough BANT: SQL.
  const ok = await t.ok(
    `mutation($id: ID!) { qualifyContact(id: $id, input: { budget: true, authority: true, need: true, ` +
      `timeline: false }) { stage } }`,
    { id: c.id },
    sales,
  );
  expect(ok.qualifyContact.stage).toBe('SQL');

  // Manual moves need a reason and another stage; the actor is the key's name.
  const noReason = await t.gql(
    `mutation($id: ID!) { transitionContact(id: $id, toStage: OPPORTUNITY, reason: "  ") { stage } }`,
    { id: c.id },
    sales,
  );
  expect(noReason.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
  const same = await t.gql(
    `mutation($id: ID!) { transitionContact(id: $id, toStage: SQL, reason: "x") { stage } }`,
    { id: c.id },
    sales,
  );
  expect(same.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  await t.ok(
    `mutation($id: ID!) { transitionContact(id: $id, toStage: OPPORTUNITY, reason: "Meeting booked") { stage } }`,
    { id: c.id },
    sales,
  );
  read = (await t.ok(CONTACT, { id: c.id })).contact;
  expect(read.transitions.map((x: any) => x.toStage)).toEqual(['LEAD', 'MQL', 'NURTURE', 'MQL', 'SQL', 'OPPORTUNITY']);
  expect(read.transitions[5]).toMatchObject({ trigger: 'MANUAL', actor: 'sally', reason: 'Meeting booked' });

  // OPPORTUNITY is never changed by score.
  await recordActivities(t, [{ contactId: c.id, type: 'demo_request' }]);
  expect((await t.ok(CONTACT, { id: c.id })).contact.stage).toBe('OPPORTUNITY');
});

it('does not leave PROSPECT on fit alone, and a NURTURE contact stays without new engagement', async () => {
  await t.ok(`mutation { updateQualificationPolicy(input: { mqlThreshold: 5 }) { mqlThreshold } }`);
  try {
    const c = await createContact(t);
    expect(c).toMatchObject({ stage: 'PROSPECT', score: 10 });
    const updated = await t.ok(`mutation($id: ID!) { updateContact(id: $id, input: { company: "Big" }) { stage } }`, {
      id: c.id,
    });
    expect(updated.updateContact.stage).toBe('PROSPECT');
  } finally {
    await t.ok(`mutation { updateQualificationPolicy(input: { mqlThreshold: 50 }) { mqlThreshold } }`);
  }
});

it('promotes on a policy change, dated at that moment, and sqlThreshold null clears it', async () => {
  const c = await createContact(t);
  await recordActivities(t, [{ contactId: c.id, type: 'page_view' }]);
  expect((await t.ok(CONTACT, { id: c.id })).contact.stage).toBe('LEAD');
  const before = Date.now();
  const p = await t
    .ok(
      `mutation { updateQualificationPolicy(input: { mqlThreshold: 15, sqlThreshold: 15 }) { mqlThreshold ` +
        `sqlThreshold } }`,
    )
    .catch((e) => e);
  expect(String(p)).toMatch(/sqlThreshold/);
  await t.ok(`mutation { updateQualificationPolicy(input: { mqlThreshold: 15 }) { mqlThreshold } }`);
  const read = (await t.ok(CONTACT, { id: c.id })).contact;
  expect(read.stage).toBe('MQL');
  const last = read.transitions[read.transitions.length - 1];
  expect(last).toMatchObject({ fromStage: 'LEAD', toStage: 'MQL', trigger: 'SCORE', actor: null });
  expect(Date.parse(last.occurredAt)).toBeGreaterThanOrEqual(before - 5);
  const set = await t.ok(`mutation { updateQualificationPolicy(input: { sqlThreshold: 100 }) { sqlThreshold } }`);
  expect(set.updateQualificationPolicy.sqlThreshold).toBe(100);
  const cleared = await t.ok(
    `mutation { updateQualificationPolicy(input: { sqlThreshold: null, mqlThreshold: 50 }) { sqlThreshold ` +
      `mqlThreshold leadThreshold } }`,
  );
  expect(cleared.updateQualificationPolicy).toEqual({ sqlThreshold: null, mqlThreshold: 50, leadThreshold: 1 });
});

it('loses no points and promotes once when many requests score one contact at the same time', async () => {
  const c = await createContact(t);
  // 20 concurrent requests of one 5-point page view each: 100 engagement points, one LEAD and one MQL.
  await Promise.all(Array.from({ length: 20 }, () => recordActivities(t, [{ contactId: c.id, type: 'page_view' }])));
  const read = (await t.ok(CONTACT, { id: c.id })).contact;
  expect(read).toMatchObject({ engagementScore: 100, score: 110, stage: 'MQL' });
  expect(read.transitions.map((x: any) => x.toStage)).toEqual(['LEAD', 'MQL']);
});
