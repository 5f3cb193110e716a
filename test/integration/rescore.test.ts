import { startTestApp, TestApp } from '../helpers/app';
import { createContact, createRule, recordActivities } from '../helpers/factories';
import { dbDate } from '../../src/db/portable';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ RESCORE_BATCH_SIZE: '3' });
});
afterAll(() => t.stop());

const JOB = `query($id: ID!) { rescoreJob(id: $id) { id state processed total startedAt finishedAt error } }`;
const SCORES = `query { contacts(first: 100, orderBy: { field: CREATED_AT, direction: ASC }, filter: { source: "rescore" }) { edges { node { id score engagementScore fitScore stage activities { edges { node { points } } } transitions { toStage trigger } scoreBreakdown { ruleName points } } } } }`;

async function finished(id: string): Promise<any> {
  for (let i = 0; i < 400; i++) {
    const job = (await t.ok(JOB, { id })).rescoreJob;
    if (job.state === 'SUCCEEDED' || job.state === 'FAILED') return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('job did not finish');
}

it('recomputes every contact in batches after a rule change, with progress, and records its promotions', async () => {
  const rule = await createRule(t, { name: 'view', kind: 'BEHAVIOR', activityType: 'page_view', points: 10 });
  await t.app.services.rescore.idle();
  const contacts = [];
  for (let i = 0; i < 7; i++) contacts.push(await createContact(t, { source: 'rescore' }));
  await recordActivities(t, contacts.flatMap((c, i) => Array.from({ length: i + 1 }, () => ({ contactId: c.id, type: 'page_view' }))));
  let read = (await t.ok(SCORES)).contacts.edges.map((e: any) => e.node);
  expect(read.map((c: any) => c.score)).toEqual([10, 20, 30, 40, 50, 60, 70]);
  expect(read.map((c: any) => c.stage)).toEqual(['LEAD', 'LEAD', 'LEAD', 'LEAD', 'MQL', 'MQL', 'MQL']);

  const res = await t.ok(`mutation($id: ID!) { updateScoringRule(id: $id, input: { points: 25 }) { points } }`, { id: rule.id });
  expect(res.updateScoringRule.points).toBe(25);
  const started = (await t.ok(`mutation { rescoreContacts { id state total } }`)).rescoreContacts;
  expect(['QUEUED', 'RUNNING', 'SUCCEEDED']).toContain(started.state);
  await t.app.services.rescore.idle();
  const job = await finished(started.id);
  expect(job).toMatchObject({ state: 'SUCCEEDED', error: null });
  expect(job.processed).toBe(job.total);
  expect(job.total).toBeGreaterThanOrEqual(7);

  read = (await t.ok(SCORES)).contacts.edges.map((e: any) => e.node);
  expect(read.map((c: any) => c.score)).toEqual([25, 50, 75, 100, 125, 150, 175]);
  expect(read.map((c: any) => c.stage)).toEqual(['LEAD', 'MQL', 'MQL', 'MQL', 'MQL', 'MQL', 'MQL']);
  expect(read[1].transitions).toEqual([{ toStage: 'LEAD', trigger: 'SCORE' }, { toStage: 'MQL', trigger: 'SCORE' }]);
  expect(read[1].activities.edges.map((e: any) => e.node.points)).toEqual([25, 25]);
  expect(read[6].scoreBreakdown).toEqual([{ ruleName: 'view', points: 175 }]);

  // Deactivating the rule takes its points away after the rescore; stages never go back.
  await t.ok(`mutation($id: ID!) { deleteScoringRule(id: $id) }`, { id: rule.id });
  await t.app.services.rescore.idle();
  read = (await t.ok(SCORES)).contacts.edges.map((e: any) => e.node);
  expect(read.map((c: any) => c.score)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  expect(read.map((c: any) => c.stage)).toEqual(['LEAD', 'MQL', 'MQL', 'MQL', 'MQL', 'MQL', 'MQL']);
  expect(read[6].scoreBreakdown).toEqual([]);
  const rules = await t.ok(`{ active: scoringRules { id } all: scoringRules(includeInactive: true) { id active } }`);
  expect(rules.active).toEqual([]);
  expect(rules.all).toEqual([{ id: rule.id, active: false }]);
});

it('resumes a job whose runner died, from its last finished batch', async () => {
  await t.app.services.rescore.stop();
  // A FIT rule stored without the rescore a change starts, and a job left RUNNING by a process that stopped heartbeating.
  const stale = dbDate(Date.now() - 60_000);
  await t.app.ds.query(
    `INSERT INTO scoring_rules (id, name, kind, activity_type, conditions, points, max_applications, cap_window_days, expires_after_days, active, created_at, updated_at) VALUES (?, 'fit', 'FIT', NULL, '[]', 3, NULL, NULL, NULL, 1, ?, ?)`,
    ['00000000-0000-4000-8000-0000000000f1', stale, stale],
  );
  await t.app.ds.query(`INSERT INTO rescore_jobs (id, state, processed, total, last_contact_id, runner, heartbeat_at, started_at, finished_at, error) VALUES (?, 'RUNNING', 0, 7, NULL, 'dead-host:1', ?, ?, NULL, NULL)`, [
    '00000000-0000-4000-8000-000000000001',
    stale,
    stale,
  ]);
  let read = (await t.ok(SCORES)).contacts.edges.map((e: any) => e.node);
  expect(read.every((c: any) => c.fitScore === 0)).toBe(true);
  t.app.services.rescore.start(() => undefined);
  const job = await finished('00000000-0000-4000-8000-000000000001');
  expect(job.state).toBe('SUCCEEDED');
  expect(job.processed).toBe(job.total);
  read = (await t.ok(SCORES)).contacts.edges.map((e: any) => e.node);
  expect(read.map((c: any) => [c.fitScore, c.score])).toEqual(Array.from({ length: 7 }, () => [3, 3]));
});

it('runs one job at a time: a change while one is queued reuses it', async () => {
  await t.app.services.rescore.stop();
  const a = (await t.ok(`mutation { rescoreContacts { id state } }`)).rescoreContacts;
  const b = (await t.ok(`mutation { rescoreContacts { id state } }`)).rescoreContacts;
  expect(b.id).toBe(a.id);
  expect(a.state).toBe('QUEUED');
  t.app.services.rescore.start(() => undefined);
  expect((await finished(a.id)).state).toBe('SUCCEEDED');
});

it('answers null for an unknown job', async () => {
  expect((await t.ok(JOB, { id: 'nope' })).rescoreJob).toBeNull();
});
