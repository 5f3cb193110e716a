import { ADMIN_KEY, startTestApp, type TestApp, TEST_DB } from '../helpers/app';
import { createContact, createKey, createRule, recordActivities } from '../helpers/factories';
import { collect, wsClient } from '../helpers/ws';
import { dbDate } from '../../src/db/portable';
import { loadConfig } from '../../src/config/config';
import { startApp } from '../../src/main';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ RESCORE_BATCH_SIZE: '3' });
});
afterAll(() => t.stop());

const JOB = `query($id: ID!) { rescoreJob(id: $id) { id state processed total startedAt finishedAt error } }`;
const SCORES =
  `query { contacts(first: 100, orderBy: { field: CREATED_AT, direction: ASC }, filter: { source: "rescore" }) ` +
  `{ edges { node { id score engagementScore fitScore stage activities { edges { node { points } } } ` +
  `transitions { toStage trigger } scoreBreakdown { ruleName points } } } } }`;

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
  await recordActivities(
    t,
    contacts.flatMap((c, i) => Array.from({ length: i + 1 }, () => ({ contactId: c.id, type: 'page_view' }))),
  );
  let read = (await t.ok(SCORES)).contacts.edges.map((e: any) => e.node);
  expect(read.map((c: any) => c.score)).toEqual([10, 20, 30, 40, 50, 60, 70]);
  expect(read.map((c: any) => c.stage)).toEqual(['LEAD', 'LEAD', 'LEAD', 'LEAD', 'MQL', 'MQL', 'MQL']);

  const res = await t.ok(`mutation($id: ID!) { updateScoringRule(id: $id, input: { points: 25 }) { points } }`, {
    id: rule.id,
  });
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
  expect(read[1].transitions).toEqual([
    { toStage: 'LEAD', trigger: 'SCORE' },
    { toStage: 'MQL', trigger: 'SCORE' },
  ]);
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
  // A FIT rule stored without the rescore a change starts, and a job left RUNNING by a process that stopped
  // heartbeating.
  const stale = dbDate(Date.now() - 60_000);
  await t.app.ds.query(
    `INSERT INTO scoring_rules (id, name, kind, activity_type, conditions, points, max_applications, ` +
      `cap_window_days, expires_after_days, active, created_at, updated_at) VALUES (?, 'fit', 'FIT', NULL, ` +
      `'[]', 3, NULL, NULL, NULL, 1, ?, ?)`,
    ['00000000-0000-4000-8000-0000000000f1', stale, stale],
  );
  await t.app.ds.query(
    `INSERT INTO rescore_jobs (id, state, processed, total, last_contact_id, runner, heartbeat_at, ` +
      `started_at, finished_at, error) VALUES (?, 'RUNNING', 0, 7, NULL, 'dead-host:1', ?, ?, NULL, NULL)`,
    ['00000000-0000-4000-8000-000000000001', stale, stale],
  );
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

it('recomputes fit scores of existing contacts when a FIT rule is created or changed', async () => {
  await t.app.services.rescore.idle();
  const big = await createContact(t, { source: 'fit-change', companySize: 900 });
  const small = await createContact(t, { source: 'fit-change', companySize: 20 });
  const rule = await createRule(t, {
    name: 'big company',
    kind: 'FIT',
    points: 15,
    conditions: [{ field: 'companySize', operator: 'GTE', value: 500 }],
  });
  await t.app.services.rescore.idle();
  const fit = async () =>
    await t.ok(
      `query($a: ID!, $b: ID!) { a: contact(id: $a) { fitScore score } b: contact(id: $b) { fitScore score } }`,
      { a: big.id, b: small.id },
    );
  const base = big.fitScore;
  expect(await fit()).toEqual({ a: { fitScore: base + 15, score: base + 15 }, b: { fitScore: base, score: base } });
  await t.ok(
    `mutation($id: ID!) { updateScoringRule(id: $id, input: { conditions: [{ field: "companySize", operator: ` +
      `LT, value: 100 }] }) { id } }`,
    { id: rule.id },
  );
  await t.app.services.rescore.idle();
  expect(await fit()).toEqual({ a: { fitScore: base, score: base }, b: { fitScore: base + 15, score: base + 15 } });
  await t.ok(`mutation($id: ID!) { deleteScoringRule(id: $id) }`, { id: rule.id });
  await t.app.services.rescore.idle();
  expect(await fit()).toEqual({ a: { fitScore: base, score: base }, b: { fitScore: base, score: base } });
});

it('answers null for an unknown job', async () => {
  expect((await t.ok(JOB, { id: 'nope' })).rescoreJob).toBeNull();
});

describe('jobs across restarts and instances', () => {
  beforeAll(async () => {
    // Without the catch-all FIT rule of the tests above.
    await t.ok(`mutation { deleteScoringRule(id: "00000000-0000-4000-8000-0000000000f1") }`);
    await t.app.services.rescore.idle();
  });
  const FIT_RULE = (id: string, points: number, source: string) =>
    t.app.ds.query(
      `INSERT INTO scoring_rules (id, name, kind, activity_type, conditions, points, max_applications, ` +
        `cap_window_days, expires_after_days, active, created_at, updated_at) VALUES (?, ?, 'FIT', NULL, ?, ?, ` +
        `NULL, NULL, NULL, 1, ?, ?)`,
      [
        id,
        `fit ${source}`,
        JSON.stringify([{ field: 'source', operator: 'EQ', value: source }]),
        points,
        dbDate(Date.now()),
        dbDate(Date.now()),
      ],
    );
  const fitBySource = async (source: string) =>
    (
      await t.ok(
        `query($s: String!) { contacts(first: 100, filter: { source: $s }) { edges { node { id fitScore } } } }`,
        { s: source },
      )
    ).contacts.edges.map((e: any) => e.node);

  it('resumes an orphaned job from its keyset position: contacts before lastContactId are not redone', async () => {
    await t.app.services.rescore.idle();
    await t.app.services.rescore.stop();
    for (let i = 0; i < 6; i++) await createContact(t, { source: 'resume' });
    // Stored without the rescore a change starts: only the resumed job applies it.
    await FIT_RULE('00000000-0000-4000-8000-0000000000f2', 4, 'resume');
    const ids: string[] = (await t.app.ds.query('SELECT id FROM contacts ORDER BY id')).map(
      (r: { id: string }) => r.id,
    );
    const resumeIds = (await fitBySource('resume')).map((c: any) => c.id).sort();
    const last = resumeIds[2];
    const doneBefore = ids.filter((id) => id <= last).length;
    const stale = dbDate(Date.now() - 60_000);
    await t.app.ds.query(
      `INSERT INTO rescore_jobs (id, state, processed, total, last_contact_id, runner, heartbeat_at, ` +
        `started_at, finished_at, error) VALUES (?, 'RUNNING', ?, ?, ?, 'dead-host:2', ?, ?, NULL, NULL)`,
      ['00000000-0000-4000-8000-000000000002', doneBefore, ids.length, last, stale, stale],
    );
    t.app.services.rescore.start(() => undefined);
    const job = await finished('00000000-0000-4000-8000-000000000002');
    expect(job).toMatchObject({ state: 'SUCCEEDED', processed: ids.length, total: ids.length });
    const fit = new Map((await fitBySource('resume')).map((c: any) => [c.id, c.fitScore]));
    expect(resumeIds.map((id: string) => fit.get(id))).toEqual([0, 0, 0, 4, 4, 4]);
  });

  it('queues a fresh run for a change made while a job runs, reuses it while queued, and runs it after', async () => {
    await t.app.services.rescore.idle();
    await t.app.services.rescore.stop();
    // Another instance is running a job (fresh heartbeat).
    const now = dbDate(Date.now());
    await t.app.ds.query(
      `INSERT INTO rescore_jobs (id, state, processed, total, last_contact_id, runner, heartbeat_at, ` +
        `started_at, finished_at, error) VALUES (?, 'RUNNING', 0, 1, NULL, 'other-host:1', ?, ?, NULL, NULL)`,
      ['00000000-0000-4000-8000-000000000003', now, now],
    );
    const c = await createContact(t, { source: 'queued' });
    await recordActivities(t, [{ contactId: c.id, type: 'trial_started' }]);
    await createRule(t, { name: 'trial', kind: 'BEHAVIOR', activityType: 'trial_started', points: 7 });
    const queued = (await t.ok(`mutation { rescoreContacts { id state processed total } }`)).rescoreContacts;
    expect(queued).toMatchObject({ state: 'QUEUED', processed: 0 });
    expect(queued.id).not.toBe('00000000-0000-4000-8000-000000000003');
    expect(queued.total).toBe(Number((await t.app.ds.query('SELECT COUNT(*) AS n FROM contacts'))[0].n));
    expect((await t.ok(`mutation { rescoreContacts { id } }`)).rescoreContacts.id).toBe(queued.id);

    // One job at a time: this instance waits while the other's job heartbeats.
    t.app.services.rescore.start(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect((await t.ok(JOB, { id: queued.id })).rescoreJob.state).toBe('QUEUED');
    await t.app.ds.query(`UPDATE rescore_jobs SET state = 'SUCCEEDED', finished_at = ? WHERE id = ?`, [
      now,
      '00000000-0000-4000-8000-000000000003',
    ]);
    expect(await finished(queued.id)).toMatchObject({ state: 'SUCCEEDED', error: null });
    expect(
      (
        await t.ok(`query($id: ID!) { contact(id: $id) { score activities { edges { node { points } } } } }`, {
          id: c.id,
        })
      ).contact,
    ).toEqual({
      score: 7,
      activities: { edges: [{ node: { points: 7 } }] },
    });
  });

  it('records and streams the promotions it causes, trigger SCORE, dated at that moment', async () => {
    await t.app.services.rescore.idle();
    const viewer = await createKey(t, 'VIEWER');
    const sub = collect(
      wsClient(t.app.url, viewer),
      `subscription { leadPromoted(stages: [LEAD, MQL]) { transition { contactId fromStage toStage trigger ` +
        `occurredAt } } }`,
    );
    await new Promise((r) => setTimeout(r, 300));
    const a = await createContact(t, { source: 'promoted' });
    const b = await createContact(t, { source: 'promoted' });
    await recordActivities(t, [
      { contactId: a.id, type: 'signup', occurredAt: '2026-01-05T00:00:00.000Z' },
      { contactId: b.id, type: 'signup', occurredAt: '2026-01-05T00:00:00.000Z' },
    ]);
    const before = Date.now();
    await createRule(t, { name: 'signup', kind: 'BEHAVIOR', activityType: 'signup', points: 60 });
    await t.app.services.rescore.idle();
    const after = Date.now();
    try {
      const events = (await sub.waitFor(4)).map((e) => e.leadPromoted.transition);
      expect(events.map((e) => [e.contactId, e.fromStage, e.toStage, e.trigger]).sort()).toEqual(
        [
          [a.id, 'PROSPECT', 'LEAD', 'SCORE'],
          [a.id, 'LEAD', 'MQL', 'SCORE'],
          [b.id, 'PROSPECT', 'LEAD', 'SCORE'],
          [b.id, 'LEAD', 'MQL', 'SCORE'],
        ].sort(),
      );
      for (const e of events) {
        expect(Date.parse(e.occurredAt)).toBeGreaterThanOrEqual(before - 5);
        expect(Date.parse(e.occurredAt)).toBeLessThanOrEqual(after);
      }
      const stored = (
        await t.ok(`query($id: ID!) { contact(id: $id) { stage score transitions { toStage trigger } } }`, { id: a.id })
      ).contact;
      expect(stored).toEqual({
        stage: 'MQL',
        score: 60,
        transitions: [
          { toStage: 'LEAD', trigger: 'SCORE' },
          { toStage: 'MQL', trigger: 'SCORE' },
        ],
      });
    } finally {
      sub.dispose();
    }
  });

  // A SQLite file has one writer: several instances are a MariaDB/MySQL deployment.
  (TEST_DB === 'mysql' ? it : it.skip)(
    'runs each job once with two instances polling, every contact rescored once',
    async () => {
      await t.app.services.rescore.idle();
      const other = await startApp(
        loadConfig({
          DATABASE_URL: t.db.url,
          PORT: '0',
          ADMIN_API_KEY: ADMIN_KEY,
          LOG_LEVEL: 'silent',
          NODE_ENV: 'test',
          RESCORE_BATCH_SIZE: '2',
        }),
      );
      try {
        const contacts = [];
        for (let i = 0; i < 5; i++) contacts.push(await createContact(t, { source: 'two' }));
        await recordActivities(
          t,
          contacts.map((c) => ({ contactId: c.id, type: 'webinar', occurredAt: '2026-02-01T00:00:00.000Z' })),
        );
        await createRule(t, { name: 'webinar', kind: 'BEHAVIOR', activityType: 'webinar', points: 55 });
        await Promise.all([t.app.services.rescore.idle(), other.services.rescore.idle()]);
        const read = (
          await t.ok(
            `{ contacts(first: 10, filter: { source: "two" }) { edges { node { stage score transitions { ` +
              `toStage } } } } }`,
          )
        ).contacts.edges.map((e: any) => e.node);
        expect(read).toEqual(
          Array.from({ length: 5 }, () => ({
            stage: 'MQL',
            score: 55,
            transitions: [{ toStage: 'LEAD' }, { toStage: 'MQL' }],
          })),
        );
        const jobs = await t.app.ds.query(`SELECT state FROM rescore_jobs WHERE state IN ('QUEUED', 'RUNNING')`);
        expect(jobs).toEqual([]);
      } finally {
        await other.stop();
      }
    },
  );
});
