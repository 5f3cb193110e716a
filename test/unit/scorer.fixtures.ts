/** Shared builders of the scorer's unit tests (test/unit/scorer-*.test.ts). */
import { type ActivityFacts, type ContactFacts, type Rule } from '../../src/modules/scoring/scorer';

export const rule = (over: Partial<Rule>): Rule => ({
  id: over.id ?? 'r1',
  name: over.name ?? 'rule',
  kind: 'BEHAVIOR',
  activityType: 'page_view',
  conditions: [],
  points: 10,
  maxApplications: null,
  capWindowDays: null,
  expiresAfterDays: null,
  ...over,
});
export const act = (
  id: string,
  t: number,
  props: Record<string, unknown> | null = null,
  type = 'page_view',
): ActivityFacts => ({ id, type, occurredAt: t, properties: props });
export const contact = (over: Partial<ContactFacts> = {}): ContactFacts => ({
  email: 'ada@acme.com',
  firstName: 'Ada',
  lastName: null,
  company: 'Acme',
  jobTitle: 'CTO',
  industry: null,
  companySize: 250,
  country: 'DE',
  source: 'webinar',
  ownerId: null,
  partnerId: null,
  attributes: { plan: 'Pro', since: '2024-05-01' },
  ...over,
});
