/**
 * The demo (scripts/demo/) seeded through the services: contacts created
 * across the window, every transition after its contact's creation and after
 * the step before it, sales steps days after what caused them, a planted
 * signal (demo requests lead to SQL far more often than email opens), a key
 * of every role that works, and `--live` on the seeded store.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../helpers/app';
import { DemoPlan } from '../../scripts/demo/plan';
import { seedThroughServices } from '../../scripts/demo/seed';
import { parseDbDate } from '../../src/db/portable';

const DAY = 86_400_000;
let t: TestApp;
let keys: Awaited<ReturnType<typeof seedThroughServices>>['keys'];
beforeAll(async () => {
  t = await startTestApp();
  const plan = new DemoPlan({ contacts: 600, days: 90, seed: 11, policy: await t.app.services.lifecycle.policy() });
  ({ keys } = await seedThroughServices(t.app.services, plan));
}, 180_000);
afterAll(() => t.stop());

const FUNNEL = `query($from: DateTime!, $to: DateTime!) { conversionMetrics(from: $from, to: $to) {
  stages { stage entered medianDaysInStage } conversions { fromStage toStage rate medianDaysToConvert } } }`;

it('creates contacts across the window; every transition is after its contact and the one before', async () => {
  const contacts: { id: string; created_at: unknown }[] = await t.app.ds.query('SELECT id, created_at FROM contacts');
  const created = contacts.map((c) => parseDbDate(c.created_at).getTime());
  expect(Math.max(...created) - Math.min(...created)).toBeGreaterThan(80 * DAY);
  const rows: { contact_id: string; occurred_at: unknown; to_stage: string; trigger: string }[] = await t.app.ds.query(
    'SELECT contact_id, occurred_at, to_stage, `trigger` FROM stage_transitions ORDER BY contact_id, id',
  );
  const createdOf = new Map(contacts.map((c) => [c.id, parseDbDate(c.created_at).getTime()]));
  const last = new Map<string, number>();
  for (const r of rows) {
    const at = parseDbDate(r.occurred_at).getTime();
    expect(at).toBeGreaterThanOrEqual(createdOf.get(r.contact_id)!);
    expect(at).toBeGreaterThanOrEqual(last.get(r.contact_id) ?? -Infinity);
    last.set(r.contact_id, at);
  }
  expect(rows.filter((r) => r.trigger === 'QUALIFICATION').length).toBeGreaterThan(50);
});

it('shows a funnel with plausible delays (days, not seconds) through the API', async () => {
  const res = await t.ok(FUNNEL, {
    from: new Date(Date.now() - 100 * DAY).toISOString(),
    to: new Date(Date.now() + DAY).toISOString(),
  });
  const conv = Object.fromEntries(
    res.conversionMetrics.conversions.map((c: any) => [`${c.fromStage}->${c.toStage}`, c]),
  );
  expect(conv['MQL->SQL'].medianDaysToConvert).toBeGreaterThan(1);
  expect(conv['SQL->OPPORTUNITY'].medianDaysToConvert).toBeGreaterThan(2);
  expect(conv['OPPORTUNITY->CUSTOMER'].medianDaysToConvert).toBeGreaterThan(4);
  const stage = Object.fromEntries(res.conversionMetrics.stages.map((s: any) => [s.stage, s]));
  expect(stage.CUSTOMER.entered).toBeGreaterThan(5);
});

it('plants a real signal: demo requests and pricing visits lead to SQL far more often than email opens', async () => {
  const rate = async (where: string): Promise<number> => {
    const [r] = await t.app.ds.query(
      `SELECT COUNT(*) AS n, SUM(CASE WHEN EXISTS (SELECT 1 FROM stage_transitions s WHERE s.contact_id = c.id AND
        s.to_stage = 'SQL') THEN 1 ELSE 0 END) AS k
       FROM contacts c WHERE EXISTS (SELECT 1 FROM activities a WHERE a.contact_id = c.id AND ${where})`,
    );
    return Number(r.k) / Number(r.n);
  };
  const demo = await rate(`a.type = 'demo_request'`);
  const pricing = await rate(`a.type = 'page_view' AND a.properties LIKE '%/pricing%'`);
  const opens = await rate(`a.type = 'email_open'`);
  expect(demo).toBeGreaterThan(3 * opens);
  expect(pricing).toBeGreaterThan(1.8 * opens);
});

it('has a sales team: MQLs routed round-robin per team, sales steps stamped with the owner who took them', async () => {
  const q = `{ owners { id name team } routingPolicy { assignAtStage defaultTeam rules { team } }
    contacts(first: 500, filter: { stages: [MQL, SQL, OPPORTUNITY, CUSTOMER] }) { totalCount edges { node { owner
      { id team } assignments { trigger } qualification { qualifiedBy qualifiedByOwner { id } } } } } }`;
  const data = await t.ok(q, {}, keys.ADMIN.secret!);
  expect(data.owners.length).toBeGreaterThanOrEqual(8);
  expect(data.routingPolicy).toMatchObject({ assignAtStage: 'MQL', defaultTeam: 'inside-sales' });
  const nodes = data.contacts.edges.map((e: any) => e.node);
  expect(nodes.length).toBeGreaterThan(20);
  // Every contact that passed MQL was assigned by routing, and every team got some.
  expect(nodes.every((n: any) => n.owner !== null && n.assignments.some((a: any) => a.trigger === 'ROUTING'))).toBe(
    true,
  );
  expect(new Set(nodes.map((n: any) => n.owner.team))).toEqual(new Set(['enterprise', 'emea', 'inside-sales']));
  const perOwner = new Map<string, number>();
  for (const n of nodes) perOwner.set(n.owner.id, (perOwner.get(n.owner.id) ?? 0) + 1);
  expect(perOwner.size).toBe(8);
  const qualified = nodes.filter((n: any) => n.qualification);
  expect(qualified.length).toBeGreaterThan(0);
  const names = new Set(data.owners.map((o: any) => o.name));
  expect(
    qualified.every(
      (n: any) => names.has(n.qualification.qualifiedBy) && n.qualification.qualifiedByOwner.id === n.owner.id,
    ),
  ).toBe(true);
});

it('prints a working key of every role, and --live records promotions on the seeded store', async () => {
  for (const k of Object.values(keys)) {
    expect(k.secret).toMatch(/\S{20,}/);
    const res = await t.gql(`{ contacts(first: 1) { totalCount } }`, {}, k.secret);
    expect(res.errors).toBeUndefined();
    expect(res.data.contacts.totalCount).toBeGreaterThan(0);
  }
  const { stdout } = await promisify(execFile)(
    'npx',
    ['ts-node', '--transpile-only', 'scripts/seed-demo.ts', '--live', '3'],
    {
      env: { ...process.env, DATABASE_URL: t.db.url, LOG_LEVEL: 'silent', REDIS_URL: '' },
      timeout: 120_000,
    },
  );
  expect(stdout).toMatch(/MARKETING\s+demo-marketing/);
  expect(stdout).toMatch(/LEAD -> MQL/);
  expect(stdout).toMatch(/[1-9]\d* live promotions/);
}, 180_000);
