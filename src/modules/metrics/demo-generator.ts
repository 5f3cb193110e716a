/**
 * A realistic demo dataset, generated deterministically from a seed: partners,
 * scoring rules, contacts from several sources, owners and partners, and for
 * each contact a journey of backdated activities and sales decisions
 * (qualifications, opportunities, wins, losses).
 *
 * Journeys are simulated with the pure scorer and lifecycle functions the
 * services use, so the plan knows which transitions each contact goes
 * through and which stage each sales step finds it in. Two ways to load it:
 * - `seedThroughServices` replays it through the services the API uses
 *   (`npm run seed:demo`);
 * - `journeyRows` gives a contact and its transitions as table rows, for
 *   benchmarks that need far more data than ingestion takes in reasonable time.
 */
import { ActivityFacts, CapState, Rule, fitScore, isExpired, scoreActivity } from '../scoring/scorer';
import { Bant, DEFAULT_POLICY, Policy, Stage, promotions } from '../lifecycle/lifecycle';
import { ContactData } from '../contacts/contact.validation';
import { ActivityData, MAX_BATCH } from '../activities/activity.validation';
import { CONTACT_COLUMNS, contactRow, newContact } from '../contacts/contact.factory';
import { stayMarks } from '../lifecycle/stays';
import { STAY_COLUMNS, firstTransitionValue, stayValues } from '../lifecycle/stay.rows';
import { GROUP_KEY_COLUMNS, groupKeyValues, setGroupKeys } from './group-keys';
import { LifecycleStage } from '../lifecycle/stage';
import { Role } from '../access/api-key.entity';
import type { Viewer } from '../access/viewer';
import type { Services } from '../../graphql/context';
import { DomainError } from '../../graphql/errors';
import { SqlValue } from '../../db/bulk';
import { dbDate } from '../../db/portable';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** How engaged a contact is; decides how many activities it has and of which kinds. */
export type Profile = 'silent' | 'browser' | 'interested' | 'hot';

/** Odds of each sales decision, and mean delays (days) before it is taken. */
export interface SalesOdds {
  /** An MQL qualified as SQL (else NURTURE). */
  sql: number;
  /** A NURTURE contact engages again later. */
  reengage: number;
  /** An SQL becomes an OPPORTUNITY; else, with `sqlLost`, DISQUALIFIED. */
  opportunity: number;
  sqlLost: number;
  /** An OPPORTUNITY is won (CUSTOMER), lost (DISQUALIFIED) or sent back to NURTURE. */
  won: number;
  lost: number;
  backToNurture: number;
  /** A LEAD is disqualified as spam. */
  spam: number;
  meanDaysToQualify: number;
  meanDaysToOpportunity: number;
  meanDaysToClose: number;
  meanDaysToReengage: number;
}

/** Size and shape of a demo. */
export interface DemoOptions {
  contacts: number;
  /** How many days back activity (and, for row loading, contact creation) goes. */
  days: number;
  seed?: number;
  /** The moment the demo is generated for: nothing happens after it. */
  now?: Date;
  partners?: number;
  /** Relative weights of the engagement profiles. */
  profiles?: Partial<Record<Profile, number>>;
  odds?: Partial<SalesOdds>;
  /** The qualification policy the journeys are simulated under (the store's own when seeding). */
  policy?: Policy;
}

/** A scoring rule of the demo, as createScoringRule takes it. */
export interface DemoRule {
  name: string;
  kind: 'FIT' | 'BEHAVIOR';
  activityType: string | null;
  conditions: { field: string; operator: Rule['conditions'][number]['operator']; value?: unknown }[];
  points: number;
  maxApplications: number | null;
  capWindowDays: number | null;
  expiresAfterDays: number | null;
}

export interface PlannedActivity {
  kind: 'activity';
  at: number;
  type: string;
  properties: Record<string, unknown> | null;
}

/** A sales decision: BANT qualification of an MQL, or a manual move out of `from`. */
export type PlannedStep = { kind: 'qualify'; at: number; bant: Bant } | { kind: 'move'; at: number; from: Stage; to: Stage; reason: string };

export interface PlannedTransition {
  from: Stage;
  to: Stage;
  trigger: 'SCORE' | 'QUALIFICATION' | 'MANUAL';
  at: number;
  score: number;
  reason: string | null;
  actor: string | null;
}

/** One contact of the demo and everything that happens to it, in order. */
export interface PlannedContact {
  index: number;
  data: ContactData & { email: string };
  /** Index into the plan's partners, for referred contacts. */
  partner: number | null;
  /** Created by its first activity (by email) rather than by createContact: no attributes. */
  viaIngestion: boolean;
  createdAt: number;
  events: (PlannedActivity | PlannedStep)[];
  transitions: PlannedTransition[];
  stage: Stage;
  fitScore: number;
  engagementScore: number;
  lastEngagedAt: number | null;
}

/** Name of the API key the demo's sales decisions are made with (the transitions' actor). */
export const SALES_ACTOR = 'demo-sales';
const MARKETING_ACTOR = 'demo-marketing';

export const DEMO_RULES: readonly DemoRule[] = [
  rule('Decision maker', 'FIT', null, [{ field: 'jobTitle', operator: 'IN', value: ['VP Marketing', 'Head of Growth', 'CTO', 'Director of Operations', 'CFO'] }], 15),
  rule('Mid-market and up', 'FIT', null, [{ field: 'companySize', operator: 'GTE', value: 200 }], 10),
  rule('Target industry', 'FIT', null, [{ field: 'industry', operator: 'IN', value: ['Software', 'Financial Services'] }], 5),
  rule('Free email address', 'FIT', null, [{ field: 'freeEmail', operator: 'EQ', value: true }], -10),
  rule('Page view', 'BEHAVIOR', 'page_view', [], 1, { maxApplications: 10, capWindowDays: 30 }),
  rule('Pricing page, max 3 a week', 'BEHAVIOR', 'page_view', [{ field: 'properties.url', operator: 'STARTS_WITH', value: '/pricing' }], 5, { maxApplications: 3, capWindowDays: 7 }),
  rule('Email open (decays)', 'BEHAVIOR', 'email_open', [], 1, { expiresAfterDays: 30 }),
  rule('Email click', 'BEHAVIOR', 'email_click', [], 3),
  rule('Content download', 'BEHAVIOR', 'content_download', [], 10),
  rule('Form submit', 'BEHAVIOR', 'form_submit', [], 15),
  rule('Webinar attended', 'BEHAVIOR', 'webinar_attended', [], 20),
  rule('Demo request', 'BEHAVIOR', 'demo_request', [], 40),
  rule('Unsubscribe', 'BEHAVIOR', 'unsubscribe', [], -25),
];

function rule(name: string, kind: DemoRule['kind'], activityType: string | null, conditions: DemoRule['conditions'], points: number, caps: Partial<DemoRule> = {}): DemoRule {
  return { name, kind, activityType, conditions, points, maxApplications: null, capWindowDays: null, expiresAfterDays: null, ...caps };
}

const DEFAULT_PROFILES: Record<Profile, number> = { silent: 15, browser: 30, interested: 35, hot: 20 };

const DEFAULT_ODDS: SalesOdds = {
  sql: 0.55,
  reengage: 0.5,
  opportunity: 0.6,
  sqlLost: 0.15,
  won: 0.45,
  lost: 0.25,
  backToNurture: 0.15,
  spam: 0.03,
  meanDaysToQualify: 3,
  meanDaysToOpportunity: 6,
  meanDaysToClose: 18,
  meanDaysToReengage: 12,
};

const PARTNER_NAMES = ['Northwind Consulting', 'Globex Resellers', 'Initech Partners', 'Umbrella Digital', 'Stark Integrations', 'Wayne Advisory'];
const OWNERS = ['ana.silva', 'ben.okafor', 'chen.wei', 'dora.nagy', 'eli.cohen'];
const SOURCES: [string | null, number][] = [['organic', 25], ['paid_search', 20], ['webinar', 15], ['partner', 15], ['referral', 10], ['event', 10], [null, 5]];
/** Every source and owner a plan gives its contacts (their partners are the plan's `partners`). */
export const DEMO_GROUP_VALUES: readonly string[] = [...SOURCES.map(([s]) => s).filter((s): s is string => s !== null), ...OWNERS];
const FIRST = ['ada', 'alan', 'grace', 'linus', 'margaret', 'ken', 'barbara', 'dennis', 'frances', 'edsger', 'radia', 'tim', 'hedy', 'john', 'katherine', 'donald'];
const LAST = ['lovelace', 'turing', 'hopper', 'torvalds', 'hamilton', 'thompson', 'liskov', 'ritchie', 'allen', 'dijkstra', 'perlman', 'berners', 'lamarr', 'backus', 'johnson', 'knuth'];
const COMPANIES = ['Acme', 'Contoso', 'Fabrikam', 'Tailspin', 'Wingtip', 'Litware', 'Proseware', 'Adatum', 'Lucerne', 'Margie', 'Fourth Coffee', 'Alpine Ski'];
const TITLES: [string, number][] = [['Marketing Manager', 20], ['VP Marketing', 8], ['Head of Growth', 6], ['Software Engineer', 20], ['CTO', 5], ['Director of Operations', 6], ['CFO', 3], ['Analyst', 20], ['Student', 12]];
const INDUSTRIES = ['Software', 'Financial Services', 'Retail', 'Manufacturing', 'Healthcare', 'Education'];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'NL', 'BR', 'IN', 'JP'];
const FREE_DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com'];
const PAGES = ['/', '/blog/lead-scoring', '/features', '/pricing', '/pricing/enterprise', '/customers', '/docs'];
const REASONS = {
  opportunity: 'Discovery call done, opportunity opened',
  won: 'Contract signed',
  lost: 'Lost to a competitor',
  nurture: 'No budget this quarter',
  spam: 'Not a real prospect',
};

/** mulberry32: a small, fast, seedable PRNG (the demo, benchmarks and fuzz tests must be the same on every run). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(rand: () => number, items: [T, number][]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [item, w] of items) if ((r -= w) < 0) return item;
  return items[items.length - 1][0];
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

/** Exponentially distributed delay with the given mean, at least an hour. */
function delay(rand: () => number, meanDays: number): number {
  return Math.max(HOUR, Math.round(-Math.log(1 - rand()) * meanDays * DAY));
}

/** A demo: its fixed parts, and each contact generated on demand (so benchmarks can stream millions). */
export class DemoPlan {
  readonly now: number;
  readonly seed: number;
  readonly partners: string[];
  readonly rules: readonly DemoRule[] = DEMO_RULES;
  private readonly profiles: [Profile, number][];
  private readonly odds: SalesOdds;
  private readonly policy: Policy;
  private readonly simRules: Rule[];

  constructor(readonly options: DemoOptions) {
    this.now = (options.now ?? new Date()).getTime();
    this.seed = options.seed ?? 42;
    this.partners = PARTNER_NAMES.slice(0, Math.max(1, Math.min(PARTNER_NAMES.length, options.partners ?? 3)));
    this.profiles = Object.entries({ ...DEFAULT_PROFILES, ...options.profiles }) as [Profile, number][];
    this.odds = { ...DEFAULT_ODDS, ...options.odds };
    this.policy = options.policy ?? DEFAULT_POLICY;
    this.simRules = DEMO_RULES.map((r, i) => ({ id: `rule-${i}`, ...r }));
  }

  /** Contact `index` (0-based), the same on every call. */
  contact(index: number): PlannedContact {
    const rand = prng((this.seed * 1_000_003 + index) >>> 0);
    const data = this.attributes(rand, index);
    const partner = data.source === 'partner' ? Math.floor(rand() * this.partners.length) : null;
    const profile = weighted(rand, this.profiles);
    const createdAt = this.now - Math.floor(rand() * this.options.days * DAY);
    const activities = this.activities(rand, profile, createdAt);
    const viaIngestion = activities.length > 0 && rand() < 0.08;
    const contact: PlannedContact = {
      index,
      data: viaIngestion ? { email: data.email } : data,
      partner,
      viaIngestion,
      createdAt,
      events: [],
      transitions: [],
      stage: 'PROSPECT',
      fitScore: 0,
      engagementScore: 0,
      lastEngagedAt: null,
    };
    this.simulate(rand, contact, activities);
    return contact;
  }

  private attributes(rand: () => number, index: number): ContactData & { email: string } {
    const first = pick(rand, FIRST);
    const last = pick(rand, LAST);
    const company = pick(rand, COMPANIES);
    const free = rand() < 0.15;
    const domain = free ? pick(rand, FREE_DOMAINS) : `${company.toLowerCase().replace(/\s+/g, '')}.example`;
    const source = weighted(rand, SOURCES);
    return {
      email: `${first}.${last}.${index}@${domain}`,
      firstName: first[0].toUpperCase() + first.slice(1),
      lastName: last[0].toUpperCase() + last.slice(1),
      company,
      jobTitle: weighted(rand, TITLES),
      industry: pick(rand, INDUSTRIES),
      companySize: Math.round(Math.exp(rand() * Math.log(5000))),
      country: pick(rand, COUNTRIES),
      source,
      ownerId: rand() < 0.9 ? pick(rand, OWNERS) : null,
    };
  }

  /** Activities in bursts between creation and now; how many and which kinds depend on the profile. */
  private activities(rand: () => number, profile: Profile, createdAt: number): PlannedActivity[] {
    const counts: Record<Profile, [number, number]> = { silent: [0, 0], browser: [1, 4], interested: [4, 12], hot: [6, 16] };
    const [min, max] = counts[profile];
    const n = min + Math.floor(rand() * (max - min + 1));
    const kinds: [string, number][] =
      profile === 'browser'
        ? [['page_view', 6], ['email_open', 4], ['unsubscribe', 0.2]]
        : [['page_view', 6], ['email_open', 4], ['email_click', 3], ['content_download', 2], ['form_submit', 1], ['webinar_attended', 1.5], ['demo_request', profile === 'hot' ? 1.5 : 0.2], ['unsubscribe', 0.1]];
    const out: PlannedActivity[] = [];
    let at = createdAt + Math.floor(rand() * 2 * DAY);
    for (let i = 0; i < n && at < this.now; i++) {
      const type = weighted(rand, kinds);
      const properties = type === 'page_view' ? { url: pick(rand, PAGES) } : type === 'content_download' ? { asset: 'lead-scoring-guide.pdf' } : null;
      out.push({ kind: 'activity', at, type, properties });
      // Bursts: most follow-ups come within hours, some days later.
      at += rand() < 0.6 ? Math.floor(rand() * 6 * HOUR) + 60_000 : delay(rand, 5);
    }
    if (profile === 'hot' && out.length && at < this.now) out.push({ kind: 'activity', at, type: 'demo_request', properties: null });
    return out;
  }

  /**
   * Plays the contact's events in time order with the services' rules:
   * scoring (caps, expiry as of `now`), promotions, and the sales decisions
   * each new stage prompts, which may add events (a qualification, a
   * re-engagement...). Events that would happen after `now` are dropped.
   */
  private simulate(rand: () => number, c: PlannedContact, activities: PlannedActivity[]): void {
    const odds = this.odds;
    const queue: (PlannedActivity | PlannedStep)[] = [...activities];
    const schedule = (e: PlannedActivity | PlannedStep) => {
      if (e.at >= this.now) return;
      let i = queue.length;
      while (i > 0 && queue[i - 1].at > e.at) i--;
      queue.splice(i, 0, e);
    };
    // FIT rules read the contact as the services store it (partnerId does not matter to the demo's rules).
    c.fitScore = fitScore(newContact({ ...c.data, partnerId: null }, new Date(c.createdAt)), this.simRules);
    const behavior = this.simRules.filter((r) => r.kind === 'BEHAVIOR');
    const capState: CapState = new Map();
    let stageChangedAt = c.createdAt;
    let lastTransitionAt = -Infinity;
    const move = (to: Stage, trigger: PlannedTransition['trigger'], at: number, reason: string | null) => {
      c.transitions.push({ from: c.stage, to, trigger, at, score: c.fitScore + c.engagementScore, reason, actor: trigger === 'SCORE' ? null : SALES_ACTOR });
      c.stage = to;
      stageChangedAt = lastTransitionAt = at;
      this.decide(rand, c.stage, at, odds, schedule);
    };
    let activityNo = 0;
    while (queue.length) {
      const e = queue.shift()!;
      if (e.kind === 'activity') {
        const fact: ActivityFacts = { id: String(activityNo++), type: e.type, occurredAt: e.at, properties: e.properties };
        const apps = scoreActivity(fact, behavior, capState);
        const earned = apps.reduce((s, a) => s + a.points, 0);
        c.engagementScore += apps.reduce((s, a) => (isExpired(a, this.now) ? s : s + a.points), 0);
        if (earned > 0 && (c.lastEngagedAt === null || c.lastEngagedAt < e.at)) c.lastEngagedAt = e.at;
        c.events.push(e);
        const stages = promotions(
          { stage: c.stage, fitScore: c.fitScore, engagementScore: c.engagementScore, engagedSinceStageChange: c.lastEngagedAt !== null && c.lastEngagedAt > stageChangedAt },
          this.policy,
        );
        // A score transition is dated by its activity, never before the previous transition (contract).
        const at = Math.max(e.at, lastTransitionAt);
        for (const to of stages) move(to, 'SCORE', at, null);
      } else if (e.kind === 'qualify') {
        if (c.stage !== 'MQL') continue;
        c.events.push(e);
        move(qualifies(e.bant, this.policy) ? 'SQL' : 'NURTURE', 'QUALIFICATION', e.at, null);
      } else {
        if (c.stage !== e.from) continue;
        c.events.push(e);
        move(e.to, 'MANUAL', e.at, e.reason);
      }
    }
  }

  /** What sales (or the contact) does next after entering `stage` at `at`. */
  private decide(rand: () => number, stage: Stage, at: number, odds: SalesOdds, schedule: (e: PlannedActivity | PlannedStep) => void): void {
    const r = rand();
    if (stage === 'LEAD' && r < odds.spam) {
      schedule({ kind: 'move', at: at + delay(rand, 10), from: 'LEAD', to: 'DISQUALIFIED', reason: REASONS.spam });
    } else if (stage === 'MQL') {
      schedule({ kind: 'qualify', at: at + delay(rand, odds.meanDaysToQualify), bant: this.bant(rand, r < odds.sql) });
    } else if (stage === 'NURTURE' && r < odds.reengage) {
      schedule({ kind: 'activity', at: at + delay(rand, odds.meanDaysToReengage), type: rand() < 0.5 ? 'webinar_attended' : 'demo_request', properties: null });
    } else if (stage === 'SQL') {
      if (r < odds.opportunity) schedule({ kind: 'move', at: at + delay(rand, odds.meanDaysToOpportunity), from: 'SQL', to: 'OPPORTUNITY', reason: REASONS.opportunity });
      else if (r < odds.opportunity + odds.sqlLost) schedule({ kind: 'move', at: at + delay(rand, odds.meanDaysToOpportunity), from: 'SQL', to: 'DISQUALIFIED', reason: REASONS.lost });
    } else if (stage === 'OPPORTUNITY') {
      const close = at + delay(rand, odds.meanDaysToClose);
      if (r < odds.won) schedule({ kind: 'move', at: close, from: 'OPPORTUNITY', to: 'CUSTOMER', reason: REASONS.won });
      else if (r < odds.won + odds.lost) schedule({ kind: 'move', at: close, from: 'OPPORTUNITY', to: 'DISQUALIFIED', reason: REASONS.lost });
      else if (r < odds.won + odds.lost + odds.backToNurture) schedule({ kind: 'move', at: close, from: 'OPPORTUNITY', to: 'NURTURE', reason: REASONS.nurture });
    }
  }

  /** BANT answers that qualify (or not) under the policy. */
  private bant(rand: () => number, qualified: boolean): Bant {
    const required = this.policy.requiredBantCriteria;
    const met = qualified ? required + Math.floor(rand() * (5 - required)) : Math.floor(rand() * required);
    const order = ['budget', 'authority', 'need', 'timeline'].sort(() => rand() - 0.5);
    const bant: Bant = { budget: false, authority: false, need: false, timeline: false };
    for (const k of order.slice(0, met)) bant[k as keyof Bant] = true;
    return bant;
  }
}

function qualifies(bant: Bant, policy: Policy): boolean {
  return [bant.budget, bant.authority, bant.need, bant.timeline].filter(Boolean).length >= policy.requiredBantCriteria;
}

/**
 * Column order of `journeyRows().transitions`, as in the stage_transitions
 * table (id is generated; `trigger` is a reserved word in MySQL, and both
 * stores accept backticks), stay columns (stays.ts) included. Rows written
 * this way are history, not events to stream: `seq` 0, as the migration that
 * added it stamped older rows, so the promotion bus neither sweeps nor sends
 * them.
 */
export const TRANSITION_COLUMNS = [
  'contact_id', 'from_stage', 'to_stage', '`trigger`', 'reason', 'score', 'actor', 'occurred_at', 'partner_id', 'owner_id', 'created_at', 'seq', ...STAY_COLUMNS, ...GROUP_KEY_COLUMNS,
];

/** Column order of `journeyRows().contact`: a contact row and when it left PROSPECT (stays.ts). */
export const JOURNEY_CONTACT_COLUMNS = [...CONTACT_COLUMNS, 'first_transition_at'];

/**
 * A planned contact as rows of `contacts` and `stage_transitions`, dated as
 * planned (sales steps included, which the API would date when they are
 * made), with the stay columns and group keys the services would have
 * stored. `partnerIds` maps the plan's partner indexes to stored ids;
 * `groupIds` holds the group_values ids of DEMO_GROUP_VALUES and the partners.
 */
export function journeyRows(
  c: PlannedContact,
  partnerIds: string[],
  groupIds: ReadonlyMap<string, number>,
): { id: string; contact: SqlValue[]; transitions: { at: number; row: SqlValue[] }[] } {
  const createdAt = new Date(c.createdAt);
  const contact = newContact({ ...c.data, partnerId: c.partner === null ? null : partnerIds[c.partner] }, createdAt);
  const last = c.transitions[c.transitions.length - 1];
  Object.assign(contact, {
    stage: c.stage as LifecycleStage,
    fitScore: c.fitScore,
    engagementScore: c.engagementScore,
    score: c.fitScore + c.engagementScore,
    lastEngagedAt: c.lastEngagedAt === null ? null : new Date(c.lastEngagedAt),
    stageChangedAt: last ? new Date(last.at) : createdAt,
    lastTransitionAt: last ? new Date(last.at) : null,
    updatedAt: new Date(Math.max(c.createdAt, last?.at ?? 0, c.lastEngagedAt ?? 0)),
  });
  setGroupKeys(contact, groupIds);
  const stays = stayMarks({ latestEntry: new Map() }, c.transitions.map((t) => ({ toStage: t.to, occurredAt: t.at })));
  return {
    id: contact.id,
    contact: [...contactRow(contact), firstTransitionValue(stays.firstTransitionAt)],
    transitions: c.transitions.map((t, i) => ({
      at: t.at,
      row: [contact.id, t.from, t.to, t.trigger, t.reason, t.score, t.actor, dbDate(t.at), contact.partnerId, contact.ownerId, dbDate(t.at), 0, ...stayValues(stays.added[i]), ...groupKeyValues(contact.keys)],
    })),
  };
}

/** What seeding did. */
export interface SeedReport {
  partners: number;
  rules: number;
  contacts: number;
  activities: number;
  transitions: number;
  qualifications: number;
  moves: number;
  /** Sales steps not taken because the contact was not in the stage the plan expected. */
  skippedSteps: number;
}

/**
 * Loads the plan through the services the API uses, as a marketing key
 * (contacts, activities, rules) and a sales key (qualifications and moves)
 * would. Contacts advance round by round: each round records every contact's
 * activities up to its next sales step (backdated, in batches of up to 1000),
 * then takes those steps. The API dates sales steps when they are made, so
 * they happen now; a contact's later activities are then recorded now too,
 * keeping its history in order. Expects a store without demo contacts.
 */
export async function seedThroughServices(services: Services, plan: DemoPlan, onProgress: (message: string) => void = () => undefined): Promise<SeedReport> {
  const report: SeedReport = { partners: 0, rules: 0, contacts: 0, activities: 0, transitions: 0, qualifications: 0, moves: 0, skippedSteps: 0 };
  const marketing = await demoViewer(services, MARKETING_ACTOR, Role.MARKETING);
  const sales = await demoViewer(services, SALES_ACTOR, Role.SALES);

  const existingPartners = new Map((await services.access.listPartners()).map((p) => [p.name, p.id]));
  const partnerIds: string[] = [];
  for (const name of plan.partners) {
    partnerIds.push(existingPartners.get(name) ?? (await services.access.createPartner(name)).id);
    if (!existingPartners.has(name)) report.partners++;
  }
  const ruleNames = new Set((await services.scoring.listRules(true)).map((r) => r.name));
  for (const r of plan.rules) {
    if (ruleNames.has(r.name)) continue;
    await services.scoring.createRule(marketing, r);
    report.rules++;
  }
  // New rules start a rescore; let it finish before contacts arrive so it cannot interleave with them.
  await services.rescore.idle(600_000);

  const contacts = Array.from({ length: plan.options.contacts }, (_, i) => plan.contact(i));
  const ids: (string | null)[] = new Array(contacts.length).fill(null);
  for (const c of contacts) {
    if (c.viaIngestion) continue;
    ids[c.index] = (await services.contacts.create(marketing, { ...c.data, partnerId: c.partner === null ? null : partnerIds[c.partner] })).id;
    report.contacts++;
    if (report.contacts % 500 === 0) onProgress(`${report.contacts} contacts created`);
  }

  const cursor = new Array(contacts.length).fill(0);
  const stepsTaken = new Array(contacts.length).fill(false);
  for (let round = 1; ; round++) {
    const inputs: { index: number; input: ActivityData }[] = [];
    for (const c of contacts) {
      while (cursor[c.index] < c.events.length && c.events[cursor[c.index]].kind === 'activity') {
        const a = c.events[cursor[c.index]++] as PlannedActivity;
        inputs.push({
          index: c.index,
          input: {
            ...(ids[c.index] ? { contactId: ids[c.index] } : { contactEmail: c.data.email }),
            type: a.type,
            occurredAt: stepsTaken[c.index] ? new Date() : new Date(a.at),
            properties: a.properties,
            idempotencyKey: `demo-${plan.seed}-${c.index}-${cursor[c.index]}`,
          },
        });
      }
    }
    for (let i = 0; i < inputs.length; i += MAX_BATCH) {
      const batch = inputs.slice(i, i + MAX_BATCH);
      // A contact created by email in this batch is named by email throughout it; ids are known afterwards.
      const result = await services.activities.record(marketing, batch.map((b) => b.input));
      result.activities.forEach((a, k) => {
        if (!ids[batch[k].index]) {
          ids[batch[k].index] = a.contactId;
          report.contacts++;
        }
      });
      report.activities += result.activities.length - result.duplicates;
      report.transitions += result.transitions.length;
    }
    const due = contacts.filter((c) => cursor[c.index] < c.events.length);
    if (inputs.length) onProgress(`round ${round}: ${inputs.length} activities recorded, ${due.length} sales steps to take`);
    if (due.length === 0) break;
    for (const c of due) {
      const step = c.events[cursor[c.index]++] as PlannedStep;
      stepsTaken[c.index] = true;
      try {
        if (step.kind === 'qualify') {
          await services.lifecycle.qualify(sales, ids[c.index]!, step.bant);
          report.qualifications++;
        } else {
          const now = await services.contacts.get(sales, ids[c.index]!);
          if (now?.stage !== step.from) {
            report.skippedSteps++;
            continue;
          }
          await services.lifecycle.transition(sales, ids[c.index]!, step.to as LifecycleStage, step.reason);
          report.moves++;
        }
        report.transitions++;
      } catch (err) {
        // The contact is not where the plan expected (e.g. the store runs another policy): leave it there.
        if (!(err instanceof DomainError && err.code === 'BAD_USER_INPUT')) throw err;
        report.skippedSteps++;
      }
    }
  }
  return report;
}

/** A viewer for an API key of the demo, created on first use; its name is the transitions' actor. */
async function demoViewer(services: Services, name: string, role: Role): Promise<Viewer> {
  const existing = (await services.access.listApiKeys()).find((k) => k.name === name && k.role === role && !k.revokedAt);
  const key = existing ?? (await services.access.createApiKey({ name, role })).apiKey;
  return { keyId: key.id, name: key.name, role: key.role, partnerId: null };
}

/**
 * Keeps the demo alive: every `everyMs`, one of the current leads requests a
 * demo (now), which promotes it to MQL, a promotion leadPromoted subscribers
 * see. Returns how many promotions it caused in `durationMs`.
 */
export async function liveActivity(services: Services, durationMs: number, everyMs: number, log: (line: string) => void): Promise<number> {
  const marketing = await demoViewer(services, MARKETING_ACTOR, Role.MARKETING);
  const rand = prng(Date.now() >>> 0);
  let promotions = 0;
  for (const end = Date.now() + durationMs; Date.now() < end; await new Promise((r) => setTimeout(r, everyMs))) {
    const leads = (await services.contacts.list(marketing, { filter: { stages: [LifecycleStage.LEAD] }, first: 100 })).nodes;
    if (leads.length === 0) break;
    const lead = pick(rand, leads);
    const { transitions } = await services.activities.record(marketing, [{ contactId: lead.id, type: 'demo_request' }]);
    promotions += transitions.length;
    for (const t of transitions) log(`${lead.email}: ${t.fromStage} -> ${t.toStage}`);
  }
  return promotions;
}
