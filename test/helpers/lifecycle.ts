/**
 * The lifecycle tests' world (test/integration/lifecycle*.test.ts): a service with fit and behaviour rules, a
 * SALES key, and the queries and helpers both files use.
 */
import { startTestApp, type TestApp } from './app';
import { createContact, createKey, createRule, recordActivities } from './factories';

/** The app and key of a lifecycle test file, set in its beforeAll; `read`, `mql` and `withPolicy` use them. */
export interface LifecycleWorld {
  t: TestApp;
  sales: string;
  read(id: string): Promise<any>;
  mql(): Promise<any>;
  withPolicy(patch: Record<string, unknown>, fn: () => Promise<void>): Promise<void>;
}

export const CONTACT = `query($id: ID!) { contact(id: $id) { stage score fitScore engagementScore stageChangedAt
  transitions { fromStage toStage trigger score actor reason occurredAt }
  qualification { budget authority need timeline notes qualifiedBy qualifiedAt } } }`;
export const steps = (transitions: any[]) => transitions.map((x) => [x.fromStage, x.toStage, x.trigger, x.occurredAt]);
export const at = (min: number) => new Date(Date.UTC(2026, 5, 1, 9, 0) + min * 60_000).toISOString();
export const QUALIFY =
  'mutation($id: ID!, $input: QualificationInput!) { qualifyContact(id: $id, input: $input) { stage } }';
export const MOVE =
  `mutation($id: ID!, $to: LifecycleStage!, $reason: String!) { transitionContact(id: $id, toStage: $to, ` +
  `reason: $reason) { stage } }`;
export const POLICY =
  `mutation($input: QualificationPolicyInput!) { updateQualificationPolicy(input: $input) { leadThreshold ` +
  `mqlThreshold sqlThreshold requiredBantCriteria hotThreshold warmThreshold temperatureWindowDays } }`;
export const bant = (n: number, notes?: string) => ({
  budget: n > 0,
  authority: n > 1,
  need: n > 2,
  timeline: n > 3,
  ...(notes ? { notes } : {}),
});

/** Starts the world before the file's tests (then calls `started`) and stops it after them. */
export function lifecycleWorld(started: (w: LifecycleWorld) => void): LifecycleWorld {
  const w = {} as LifecycleWorld;
  w.read = async (id) => (await w.t.ok(CONTACT, { id })).contact;
  w.mql = async () => {
    const c = await createContact(w.t);
    await recordActivities(w.t, [{ contactId: c.id, type: 'demo_request', occurredAt: at(0) }]);
    expect((await w.read(c.id)).stage).toBe('MQL');
    return c;
  };
  w.withPolicy = async (patch, fn) => {
    const before = (
      await w.t.ok(`{ qualificationPolicy { leadThreshold mqlThreshold sqlThreshold requiredBantCriteria } }`)
    ).qualificationPolicy;
    await w.t.ok(POLICY, { input: patch });
    try {
      await fn();
    } finally {
      await w.t.ok(POLICY, { input: before });
    }
  };
  beforeAll(async () => {
    const t = (w.t = await startTestApp());
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
    w.sales = await createKey(t, 'SALES', undefined, 'sally');
    started(w);
  });
  afterAll(() => w.t.stop());
  return w;
}
