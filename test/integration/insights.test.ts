/**
 * simulateScoring, applySimulation, ruleInsights and suggestScoring through
 * HTTP, on a demo history whose answers are known by construction
 * (scripts/demo/: demo requests lead to SQL far more often than anything
 * else, email opens come to every profile alike).
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { createKey } from '../helpers/factories';
import { DemoPlan } from '../../scripts/demo/plan';
import { seedThroughServices } from '../../scripts/demo/seed';

const DAY = 86_400_000;
let t: TestApp;
let window: { from: string; to: string };
beforeAll(async () => {
  t = await startTestApp({ RESCORE_BATCH_SIZE: '97' });
  const plan = new DemoPlan({ contacts: 800, days: 120, seed: 5, policy: await t.app.services.lifecycle.policy() });
  await seedThroughServices(t.app.services, plan);
  window = { from: new Date(Date.now() - 121 * DAY).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
}, 240_000);
afterAll(() => t.stop());

const JOB = `query($id: ID!) { simulationJob(id: $id) { id state processed total error appliedAt result {
  stages { stage simulated actual } weeklyMqls { weekStart simulated actual } changedContactCount
  simulated { mqls reachedSql reachedCustomer precision recall unjudged judgedPrecision } current { mqls
    reachedSql reachedCustomer precision recall unjudged judgedPrecision }
  changedContacts(first: 5) { totalCount pageInfo { hasNextPage endCursor } edges { node { simulatedMql actualMql
    contact { email } rules { ruleId ruleName currentPoints simulatedPoints } } } } } } }`;
const SIMULATE = `mutation($input: SimulateScoringInput!) { simulateScoring(input: $input) { id state total } }`;
const RULES = `{ scoringRules { id name points } }`;

async function finished(id: string, key?: string): Promise<any> {
  for (let i = 0; i < 1200; i++) {
    const job = (await t.ok(JOB, { id }, key)).simulationJob;
    if (job.state === 'SUCCEEDED' || job.state === 'FAILED') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('simulation did not finish');
}

async function simulate(rules: unknown[], extra: Record<string, unknown> = {}): Promise<any> {
  const started = (await t.ok(SIMULATE, { input: { rules, ...window, horizonDays: 30, ...extra } })).simulateScoring;
  expect(started.state).toBe('RUNNING');
  return finished(started.id);
}

it('a simulation of the current rules reproduces the stored stages exactly, writing nothing', async () => {
  const rules = (await t.ok(RULES)).scoringRules;
  const before = await t.app.ds.query('SELECT COUNT(*) AS n FROM stage_transitions');
  const job = await simulate(rules.map((r: any) => ({ id: r.id })));
  expect(job.error).toBeNull();
  expect(job.processed).toBe(800);
  for (const s of job.result.stages) expect([s.stage, s.simulated]).toEqual([s.stage, s.actual]);
  expect(job.result.stages.find((s: any) => s.stage === 'SQL').actual).toBeGreaterThan(50);
  for (const w of job.result.weeklyMqls) expect(w.simulated).toBe(w.actual);
  expect(job.result.changedContactCount).toBe(0);
  expect(job.result.simulated).toEqual(job.result.current);
  expect(await t.app.ds.query('SELECT COUNT(*) AS n FROM stage_transitions')).toEqual(before);
});

it('catches a plausible change that lowers MQL precision, names the rule of each change, applies it', async () => {
  const rules = (await t.ok(RULES)).scoringRules;
  const open = rules.find((r: any) => r.name.startsWith('Email open'));
  const proposal = rules.map((r: any) =>
    r.id === open.id ? { id: r.id, points: 8, expiresAfterDays: null } : { id: r.id },
  );
  const job = await simulate(proposal);
  const r = job.result;
  expect(r.simulated.mqls).toBeGreaterThan(r.current.mqls);
  expect(r.simulated.precision).toBeLessThan(r.current.precision - 0.05);
  expect(r.simulated.unjudged).toBeGreaterThan(0);
  expect(r.current.unjudged).toBe(0);
  expect(r.changedContactCount).toBeGreaterThan(5);
  const first = r.changedContacts.edges[0].node;
  expect(first.simulatedMql).not.toBe(first.actualMql);
  expect(first.rules[0]).toMatchObject({ ruleId: open.id, ruleName: open.name });
  expect(r.changedContacts.pageInfo.hasNextPage).toBe(true);
  const next = await t.ok(
    `query($id: ID!, $after: String) { simulationJob(id: $id) { result { changedContacts(first: 500, after: ` +
      `$after) { edges { node { contact { email } } } } } } }`,
    {
      id: job.id,
      after: r.changedContacts.pageInfo.endCursor,
    },
  );
  expect(next.simulationJob.result.changedContacts.edges.length).toBe(r.changedContactCount - 5);

  const applied = (await t.ok(`mutation($id: ID!) { applySimulation(jobId: $id) { id appliedAt } }`, { id: job.id }))
    .applySimulation;
  expect(applied.appliedAt).not.toBeNull();
  await t.app.services.rescore.idle(120_000);
  const after = (await t.ok(RULES)).scoringRules;
  expect(after.find((x: any) => x.id === open.id).points).toBe(8);
  const again = await t.gql(`mutation($id: ID!) { applySimulation(jobId: $id) { id } }`, { id: job.id });
  expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
  // Back to the hand-made rules for the next tests.
  await t.ok(`mutation($id: ID!) { updateScoringRule(id: $id, input: { points: 1, expiresAfterDays: 30 }) { id } }`, {
    id: open.id,
  });
  await t.app.services.rescore.idle(120_000);
}, 120_000);

it('ranks demo requests above email opens: demo requests predict SQL, email opens are noise', async () => {
  const res = (
    await t.ok(
      `query($from: DateTime!, $to: DateTime!) { ruleInsights(from: $from, to: $to, horizonDays: 30) {
    contacts reachedSql rules { ruleName appliedContacts appliedRate otherRate lift { estimate low high }
      medianDaysToSql pointsEarned signal } } }`,
      window,
    )
  ).ruleInsights;
  const by = Object.fromEntries(res.rules.map((r: any) => [r.ruleName, r]));
  const demo = by['Demo request'];
  const open = by['Email open (decays)'];
  expect(demo.signal).toBe('PREDICTIVE');
  expect(demo.lift.low).toBeGreaterThan(2);
  expect(open.lift.low).toBeLessThan(1.05);
  expect(open.lift.estimate).toBeLessThan(demo.lift.low);
  expect(['NOISE', 'NO_EVIDENCE', 'COUNTER_PREDICTIVE']).toContain(open.signal);
  expect(res.rules.indexOf(demo)).toBeLessThan(res.rules.indexOf(open));
  expect(demo.medianDaysToSql).toBeGreaterThan(0);
});

it('suggests points: demo requests most, beats hand-made rules on a later holdout, feeds simulateScoring', async () => {
  const s = (
    await t.ok(
      `query($from: DateTime!, $to: DateTime!) { suggestScoring(from: $from, to: $to, horizonDays: 30) {
    rules { ruleName currentPoints suggestedPoints coefficient } simulationRules mqlThreshold mqlsCurrent
      mqlsSuggested currentAuc suggestedAuc
    holdout { trainTo testFrom trainContacts testContacts trainReachedSql testReachedSql }
    calibration { minProbability maxProbability contacts predictedRate actualRate } } }`,
      window,
    )
  ).suggestScoring;
  const behaviour = s.rules.filter(
    (r: any) => !['Decision maker', 'Mid-market and up', 'Target industry', 'Free email address'].includes(r.ruleName),
  );
  const top = behaviour.reduce((a: any, b: any) => (b.suggestedPoints > a.suggestedPoints ? b : a));
  expect(top.ruleName).toBe('Demo request');
  expect(s.suggestedAuc).toBeGreaterThan(s.currentAuc);
  expect(new Date(s.holdout.testFrom).getTime() - new Date(s.holdout.trainTo).getTime()).toBe(30 * DAY);
  expect(s.holdout.trainContacts).toBeGreaterThan(100);
  expect(s.holdout.testContacts).toBeGreaterThan(50);
  expect(s.calibration.reduce((n: number, b: any) => n + b.contacts, 0)).toBe(s.holdout.testContacts);
  expect(Math.abs(s.mqlsSuggested - s.mqlsCurrent)).toBeLessThan(0.15 * s.mqlsCurrent);
  const job = await simulate(s.simulationRules);
  expect(job.state).toBe('SUCCEEDED');
  expect(job.result.simulated.mqls).toBeGreaterThan(0);
});

it('refuses partners, sales and viewers, and bad input with a code', async () => {
  const [{ id: partnerId }] = await t.app.ds.query('SELECT id FROM partners LIMIT 1');
  const rules = (await t.ok(RULES)).scoringRules.map((r: any) => ({ id: r.id }));
  // A key per call: each costs most of a full request (src/server/cost.ts), more than a PARTNER's burst allows twice.
  for (const role of ['PARTNER', 'SALES', 'VIEWER']) {
    for (const [q, v] of [
      [SIMULATE, { input: { rules, ...window } }],
      [`query($from: DateTime!, $to: DateTime!) { ruleInsights(from: $from, to: $to) { contacts } }`, window],
      [`query($from: DateTime!, $to: DateTime!) { suggestScoring(from: $from, to: $to) { currentAuc } }`, window],
      [`mutation { applySimulation(jobId: "x") { id } }`, {}],
    ] as const) {
      const res = await t.gql(q, v, await createKey(t, role, role === 'PARTNER' ? partnerId : undefined));
      expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
  }
  const marketing = await createKey(t, 'MARKETING');
  expect(
    (
      await t.gql(
        `query($from: DateTime!, $to: DateTime!) { ruleInsights(from: $from, to: $to) { contacts } }`,
        window,
        marketing,
      )
    ).errors,
  ).toBeUndefined();
  const bad = async (input: Record<string, unknown>, field: string) => {
    const res = await t.gql(SIMULATE, { input: { rules, ...window, ...input } });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  };
  await bad({ to: window.from }, 'to');
  await bad({ horizonDays: 0 }, 'horizonDays');
  await bad({ rules: [{ id: 'nope' }] }, 'input.rules.0.id');
  await bad({ rules: [{ name: 'x', kind: 'BEHAVIOR' }] }, 'input.rules.0.points');
  await bad({ policy: { mqlThreshold: -1 } }, 'input.policy.mqlThreshold');
  const sales = await t.gql(`mutation { applySimulation(jobId: "nope") { id } }`);
  expect(sales.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  const short = await t.gql(
    `query($from: DateTime!, $to: DateTime!) { suggestScoring(from: $from, to: $to, horizonDays: 200) { currentAuc } }`,
    window,
  );
  expect(short.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
});
