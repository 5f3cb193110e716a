/**
 * Lead scoring as pure functions: conditions, fit, engagement with caps and
 * expiry, temperature points and the per-rule breakdown. No GraphQL or ORM
 * imports, so every rule of the contract is unit-tested without a database.
 */
import freeDomains from './free-email-domains.json';
import { DAY_MS } from '../../config/units';

export { DAY_MS };

export type ConditionOperator =
  | 'EQ'
  | 'NEQ'
  | 'IN'
  | 'NOT_IN'
  | 'CONTAINS'
  | 'NOT_CONTAINS'
  | 'STARTS_WITH'
  | 'ENDS_WITH'
  | 'GT'
  | 'GTE'
  | 'LT'
  | 'LTE'
  | 'EXISTS'
  | 'NOT_EXISTS';
export type RuleKind = 'BEHAVIOR' | 'FIT';

export interface RuleCondition {
  field: string;
  operator: ConditionOperator;
  value?: unknown;
}

/** A scoring rule as the scorer reads it (only active rules are passed in). */
export interface Rule {
  id: string;
  name: string;
  kind: RuleKind;
  activityType: string | null;
  conditions: RuleCondition[];
  points: number;
  maxApplications: number | null;
  capWindowDays: number | null;
  expiresAfterDays: number | null;
}

/** Contact fields FIT rules read. */
export interface ContactFacts {
  email: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  jobTitle: string | null;
  industry: string | null;
  companySize: number | null;
  country: string | null;
  source: string | null;
  ownerId: string | null;
  partnerId: string | null;
  attributes: Record<string, unknown> | null;
}

/** An activity as BEHAVIOR rules read it; times are epoch milliseconds. */
export interface ActivityFacts {
  id: string;
  type: string;
  occurredAt: number;
  properties: Record<string, unknown> | null;
}

/** One rule's points earned by one activity. Activities past a cap earn nothing and have no Application. */
export interface Application {
  activityId: string;
  ruleId: string;
  points: number;
  occurredAt: number;
  expiresAt: number | null;
}

/** Per capped rule id: occurredAt (ms, ascending) of its counted applications for one contact. */
export type CapState = Map<string, number[]>;

const FREE_DOMAINS = new Set<string>((freeDomains as string[]).map((d) => d.toLowerCase()));

/** True when the domain is a consumer mail provider (the list is data: free-email-domains.json). */
export function isFreeEmailDomain(domain: string): boolean {
  return FREE_DOMAINS.has(domain.toLowerCase());
}

/** The part after '@', lower-cased. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** Reads a FIT condition field from a contact (`attributes.<key>` included); undefined when absent. */
export function contactField(contact: ContactFacts, field: string): unknown {
  if (field === 'emailDomain') return emailDomain(contact.email);
  if (field === 'freeEmail') return isFreeEmailDomain(emailDomain(contact.email));
  if (field.startsWith('attributes.')) return contact.attributes?.[field.slice('attributes.'.length)];
  return (contact as unknown as Record<string, unknown>)[field];
}

function lower(v: unknown): string {
  return String(v).toLowerCase();
}

function missing(v: unknown): boolean {
  return v === null || v === undefined || v === '';
}

/** Number, or epoch ms of an ISO date string, for ordered comparisons; null when not comparable. */
function comparable(v: unknown, asDate: boolean): number | null {
  if (asDate) {
    if (typeof v !== 'string') return null;
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/**
 * Equality ignoring case for strings; booleans and numbers also match their
 * string forms (a boolean against a number is never equal: not comparable).
 */
function same(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'number' || typeof expected === 'number') {
    const a = comparable(actual, false);
    return a !== null && a === comparable(expected, false);
  }
  return lower(actual) === lower(expected);
}

/** Evaluates one condition against the actual value (string comparisons ignore case). */
export function conditionHolds(cond: RuleCondition, actual: unknown): boolean {
  const v = cond.value;
  switch (cond.operator) {
    case 'EXISTS':
      return !missing(actual);
    case 'NOT_EXISTS':
      return missing(actual);
    case 'EQ':
      return !missing(actual) && same(actual, v);
    case 'NEQ':
      return missing(actual) || !same(actual, v);
    case 'IN':
      return !missing(actual) && Array.isArray(v) && v.some((x) => same(actual, x));
    case 'NOT_IN':
      return missing(actual) || !Array.isArray(v) || !v.some((x) => same(actual, x));
    case 'CONTAINS':
      return !missing(actual) && lower(actual).includes(lower(v));
    case 'NOT_CONTAINS':
      return missing(actual) || !lower(actual).includes(lower(v));
    case 'STARTS_WITH':
      return !missing(actual) && lower(actual).startsWith(lower(v));
    case 'ENDS_WITH':
      return !missing(actual) && lower(actual).endsWith(lower(v));
    case 'GT':
    case 'GTE':
    case 'LT':
    case 'LTE': {
      // An ordered condition's value is a number or an ISO date (validateRule): text means a date.
      const asDate = typeof v === 'string';
      const a = comparable(actual, asDate);
      const e = comparable(v, asDate);
      if (a === null || e === null) return false;
      return cond.operator === 'GT'
        ? a > e
        : cond.operator === 'GTE'
          ? a >= e
          : cond.operator === 'LT'
            ? a < e
            : a <= e;
    }
  }
}

/** Active FIT rules whose conditions all hold, with their points. */
export function fitContributions(contact: ContactFacts, rules: Rule[]): { ruleId: string; points: number }[] {
  return rules
    .filter((r) => r.kind === 'FIT' && r.conditions.every((c) => conditionHolds(c, contactField(contact, c.field))))
    .map((r) => ({ ruleId: r.id, points: r.points }));
}

/** Sum of the points of every FIT rule that holds. */
export function fitScore(contact: ContactFacts, rules: Rule[]): number {
  return fitContributions(contact, rules).reduce((s, c) => s + c.points, 0);
}

/**
 * BEHAVIOR rule of the activity's type whose conditions all hold on `properties.<key>` (FIT rules have no
 * activityType).
 */
export function ruleMatchesActivity(rule: Rule, activity: ActivityFacts): boolean {
  if (rule.activityType !== activity.type) return false;
  return rule.conditions.every((c) =>
    conditionHolds(
      c,
      c.field.startsWith('properties.') ? activity.properties?.[c.field.slice('properties.'.length)] : undefined,
    ),
  );
}

/** How many counted applications of a capped rule still bind at time t. */
function countedAt(rule: Rule, times: number[], t: number): number {
  if (rule.capWindowDays === null) return times.length;
  const since = t - rule.capWindowDays * DAY_MS;
  // Replays (the demo, insights) may score an activity earlier than times already counted: those do not bind it.
  let n = 0;
  for (let i = times.length - 1; i >= 0 && times[i] > since; i--) if (times[i] <= t) n++;
  return n;
}

/**
 * Scores one activity given the cap state so far (activities must come in
 * occurredAt order). A capped rule counts the activity only while fewer than
 * maxApplications counted applications lie in (t - capWindowDays, t]; an
 * application exactly capWindowDays earlier has left the window.
 * Mutates capState with the new counted applications.
 */
export function scoreActivity(activity: ActivityFacts, rules: Rule[], capState: CapState): Application[] {
  const apps: Application[] = [];
  for (const rule of rules) {
    if (!ruleMatchesActivity(rule, activity)) continue;
    if (rule.maxApplications !== null) {
      const times = capState.get(rule.id) ?? [];
      if (countedAt(rule, times, activity.occurredAt) >= rule.maxApplications) continue;
      times.push(activity.occurredAt);
      // Only the most recent maxApplications times can ever bind again (a negative count removes nothing).
      times.splice(0, times.length - rule.maxApplications);
      capState.set(rule.id, times);
    }
    apps.push({
      activityId: activity.id,
      ruleId: rule.id,
      points: rule.points,
      occurredAt: activity.occurredAt,
      expiresAt: rule.expiresAfterDays === null ? null : activity.occurredAt + rule.expiresAfterDays * DAY_MS,
    });
  }
  return apps;
}

/**
 * True when scoring the activity incrementally could be wrong: a capped rule
 * it matches already counted an application later than it (a backdated
 * activity), so earlier cap decisions may change and the contact needs a full recompute.
 */
export function needsFullRescore(activity: ActivityFacts, rules: Rule[], capState: CapState): boolean {
  return rules.some((rule) => {
    if (rule.maxApplications === null || !ruleMatchesActivity(rule, activity)) return false;
    return (capState.get(rule.id)?.at(-1) ?? -Infinity) > activity.occurredAt;
  });
}

/** Orders activities by occurredAt, ties by id (ids are unique). */
export function byOccurrence(a: ActivityFacts, b: ActivityFacts): number {
  return a.occurredAt - b.occurredAt || (a.id < b.id ? -1 : 1);
}

/** Full recompute of a contact's applications from all its activities. */
export function scoreAllActivities(activities: ActivityFacts[], rules: Rule[]): Application[] {
  const capState: CapState = new Map();
  return [...activities].sort(byOccurrence).flatMap((a) => scoreActivity(a, rules, capState));
}

/** Expired when the activity occurred longer ago than expiresAfterDays: now > expiresAt. */
export function isExpired(app: Pick<Application, 'expiresAt'>, now: number): boolean {
  return app.expiresAt !== null && now > app.expiresAt;
}

/** Sum of the points that have not expired at `now`. */
export function engagementScore(apps: Application[], now: number): number {
  return apps.reduce((s, a) => (isExpired(a, now) ? s : s + a.points), 0);
}

/**
 * Whether an application's points count toward temperature at `now`: unexpired, its activity inside the last
 * windowDays.
 */
export function inWindow(app: Pick<Application, 'expiresAt' | 'occurredAt'>, now: number, windowDays: number): boolean {
  return !isExpired(app, now) && app.occurredAt > now - windowDays * DAY_MS;
}

/** Unexpired points of applications whose activity occurred inside the last windowDays. */
export function temperaturePoints(apps: Application[], now: number, windowDays: number): number {
  return apps.reduce((s, a) => (inWindow(a, now, windowDays) ? s + a.points : s), 0);
}

/** One row of a score breakdown. */
export interface Contribution {
  ruleId: string;
  ruleName: string;
  kind: RuleKind;
  points: number;
  applications: number;
}

/** The unexpired points of one rule for one contact, summed, and how many applications they came from. */
export interface RuleSum {
  ruleId: string;
  ruleName: string;
  points: number;
  applications: number;
}

/**
 * One row per rule contributing points now (matching FIT rules; BEHAVIOR rules
 * with unexpired applications), rows with a zero total left out; sorted by
 * |points| desc, then rule name. The rows sum to fitScore + engagementScore.
 */
export function scoreBreakdown(
  fit: { ruleId: string; points: number }[],
  apps: Application[],
  rules: Rule[],
  now: number,
): Contribution[] {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const name = (ruleId: string) => byId.get(ruleId)?.name ?? ruleId;
  const sums = new Map<string, RuleSum>();
  for (const a of apps) {
    if (isExpired(a, now)) continue;
    const sum = sums.get(a.ruleId) ?? { ruleId: a.ruleId, ruleName: name(a.ruleId), points: 0, applications: 0 };
    sum.points += a.points;
    sum.applications += 1;
    sums.set(a.ruleId, sum);
  }
  return breakdownOfSums(
    fit.map((f) => ({ ...f, ruleName: name(f.ruleId) })),
    [...sums.values()],
  );
}

/**
 * The breakdown from FIT contributions and BEHAVIOR sums already grouped per
 * rule (by the store): same rows, order and totals as scoreBreakdown.
 */
export function breakdownOfSums(
  fit: { ruleId: string; ruleName: string; points: number }[],
  sums: RuleSum[],
): Contribution[] {
  const rows = new Map<string, Contribution>();
  const add = (s: RuleSum, kind: RuleKind) => {
    const row = rows.get(s.ruleId) ?? { ruleId: s.ruleId, ruleName: s.ruleName, kind, points: 0, applications: 0 };
    row.points += s.points;
    row.applications += s.applications;
    rows.set(s.ruleId, row);
  };
  for (const f of fit) add({ ...f, applications: 1 }, 'FIT');
  for (const s of sums) add(s, 'BEHAVIOR');
  return [...rows.values()]
    .filter((r) => r.points !== 0)
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points) || a.ruleName.localeCompare(b.ruleName));
}
