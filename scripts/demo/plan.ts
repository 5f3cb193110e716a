/**
 * A realistic demo, generated deterministically from a seed: contacts created
 * across the window, each with a journey of backdated activities and sales
 * decisions (qualifications, opportunities, wins, losses) dated in order
 * after what caused them.
 *
 * Journeys are simulated with the pure scorer and lifecycle functions the
 * services use, so the plan knows which transitions each contact goes
 * through and which stage each sales step finds it in. Two ways to load it:
 * seed.ts replays it through the services the API uses (`npm run seed:demo`);
 * rows.ts gives a contact and its transitions as table rows, for benchmarks
 * that need far more data than ingestion takes in reasonable time.
 */
import {
  type ActivityFacts,
  type CapState,
  type Rule,
  fitScore,
  isExpired,
  scoreActivity,
} from '../../src/modules/scoring/scorer';
import {
  type Bant,
  DEFAULT_POLICY,
  type Policy,
  type Stage,
  promotions,
  qualificationOutcome,
} from '../../src/model/lifecycle';
import { type ContactData } from '../../src/model/contact.validation';
import { newContact } from '../../src/model/contact.factory';
import { delay, pick, prng, weighted } from './random';
import {
  ACTIVITY_MIX,
  COMPANIES,
  COUNTRIES,
  DEFAULT_ODDS,
  DEFAULT_PROFILES,
  DEMO_RULES,
  type DemoRule,
  FIRST,
  FREE_DOMAINS,
  INDUSTRIES,
  LAST,
  NEWSLETTER_OPENS,
  OWNERS,
  PAGES,
  PARTNER_NAMES,
  PRICING_PAGES,
  type Profile,
  REASONS,
  SALES_ACTOR,
  SOURCES,
  type SalesOdds,
  TITLES,
} from './catalog';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Size and shape of a demo. */
export interface DemoOptions {
  contacts: number;
  /** How many days back contact creation and activity go. */
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

export interface PlannedActivity {
  kind: 'activity';
  at: number;
  type: string;
  properties: Record<string, unknown> | null;
}

/** A sales decision: BANT qualification of an MQL, or a manual move out of `from`. */
export type PlannedStep =
  { kind: 'qualify'; at: number; bant: Bant } | { kind: 'move'; at: number; from: Stage; to: Stage; reason: string };

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
  profile: Profile;
  data: ContactData & { email: string };
  /** Index into the plan's partners, for referred contacts. */
  partner: number | null;
  /** Known only by the email its first activity named (as ingestion creates contacts): no attributes. */
  emailOnly: boolean;
  createdAt: number;
  events: (PlannedActivity | PlannedStep)[];
  transitions: PlannedTransition[];
  stage: Stage;
  fitScore: number;
  engagementScore: number;
  lastEngagedAt: number | null;
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
    // Created across the window, at least an hour before now.
    const createdAt = this.now - HOUR - Math.floor(rand() * this.options.days * DAY);
    const activities = this.activities(rand, profile, createdAt);
    const emailOnly = activities.length > 0 && rand() < 0.08;
    const contact: PlannedContact = {
      index,
      profile,
      data: emailOnly ? { email: data.email } : data,
      partner,
      emailOnly,
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
    return {
      email: `${first}.${last}.${index}@${domain}`,
      firstName: first[0].toUpperCase() + first.slice(1),
      lastName: last[0].toUpperCase() + last.slice(1),
      company,
      jobTitle: weighted(rand, TITLES),
      industry: pick(rand, INDUSTRIES),
      companySize: Math.round(Math.exp(rand() * Math.log(5000))),
      country: pick(rand, COUNTRIES),
      source: weighted(rand, SOURCES),
      // No owner at creation: routing assigns the MQLs (owners.ts). The draw an owner name once took is still
      // made, so a seed plans the same contacts and activities as before.
      ownerId: (rand() < 0.9 && pick(rand, OWNERS), null),
    };
  }

  /**
   * Engaged activities in bursts after creation (kinds by profile), and
   * newsletter opens spread over the contact's life whatever its profile;
   * all before now, in time order.
   */
  private activities(rand: () => number, profile: Profile, createdAt: number): PlannedActivity[] {
    const mix = ACTIVITY_MIX[profile];
    const n = mix.count[0] + Math.floor(rand() * (mix.count[1] - mix.count[0] + 1));
    const out: PlannedActivity[] = [];
    let at = createdAt + Math.floor(rand() * 2 * DAY);
    for (let i = 0; i < n && at < this.now; i++) {
      const kind = weighted(rand, mix.kinds);
      const type = kind === 'pricing_view' ? 'page_view' : kind;
      const properties =
        kind === 'pricing_view'
          ? { url: pick(rand, PRICING_PAGES) }
          : type === 'page_view'
            ? { url: pick(rand, PAGES) }
            : type === 'content_download'
              ? { asset: 'lead-scoring-guide.pdf' }
              : null;
      out.push({ kind: 'activity', at, type, properties });
      // Bursts: most follow-ups come within hours, some days later.
      at += rand() < 0.6 ? Math.floor(rand() * 6 * HOUR) + 60_000 : delay(rand, 5);
    }
    if (profile === 'hot' && out.length && at < this.now)
      out.push({ kind: 'activity', at, type: 'demo_request', properties: null });
    const opens = NEWSLETTER_OPENS[0] + Math.floor(rand() * (NEWSLETTER_OPENS[1] - NEWSLETTER_OPENS[0] + 1));
    for (let i = 0; i < opens; i++) {
      const t = createdAt + Math.floor(rand() * (this.now - createdAt));
      out.push({ kind: 'activity', at: t, type: 'email_open', properties: null });
    }
    return out.sort((a, b) => a.at - b.at);
  }

  /**
   * Plays the contact's events in time order with the services' rules:
   * scoring (caps, expiry as of `now`), promotions, and the sales decisions
   * each new stage prompts, which may add events (a qualification, a
   * re-engagement...). Events that would happen after `now` are dropped.
   */
  private simulate(rand: () => number, c: PlannedContact, activities: PlannedActivity[]): void {
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
      c.transitions.push({
        from: c.stage,
        to,
        trigger,
        at,
        score: c.fitScore + c.engagementScore,
        reason,
        actor: trigger === 'SCORE' ? null : SALES_ACTOR,
      });
      c.stage = to;
      stageChangedAt = lastTransitionAt = at;
      this.decide(rand, c, at, schedule);
    };
    let activityNo = 0;
    while (queue.length) {
      const e = queue.shift()!;
      if (e.kind === 'activity') {
        const fact: ActivityFacts = {
          id: String(activityNo++),
          type: e.type,
          occurredAt: e.at,
          properties: e.properties,
        };
        const apps = scoreActivity(fact, behavior, capState);
        const earned = apps.reduce((s, a) => s + a.points, 0);
        c.engagementScore += apps.reduce((s, a) => (isExpired(a, this.now) ? s : s + a.points), 0);
        if (earned > 0 && (c.lastEngagedAt === null || c.lastEngagedAt < e.at)) c.lastEngagedAt = e.at;
        c.events.push(e);
        const stages = promotions(
          {
            stage: c.stage,
            fitScore: c.fitScore,
            engagementScore: c.engagementScore,
            engagedSinceStageChange: c.lastEngagedAt !== null && c.lastEngagedAt > stageChangedAt,
          },
          this.policy,
        );
        // A score transition is dated by its activity, never before the previous transition (contract).
        const at = Math.max(e.at, lastTransitionAt);
        for (const to of stages) move(to, 'SCORE', at, null);
      } else if (e.kind === 'qualify') {
        if (c.stage !== 'MQL') continue;
        c.events.push(e);
        move(qualificationOutcome(e.bant, this.policy), 'QUALIFICATION', e.at, null);
      } else {
        if (c.stage !== e.from) continue;
        c.events.push(e);
        move(e.to, 'MANUAL', e.at, e.reason);
      }
    }
  }

  /** What sales (or the contact) does next after `c` entered its stage at `at`. */
  private decide(
    rand: () => number,
    c: PlannedContact,
    at: number,
    schedule: (e: PlannedActivity | PlannedStep) => void,
  ): void {
    const odds = this.odds;
    const r = rand();
    const after = (meanDays: number) => at + delay(rand, meanDays);
    if (c.stage === 'LEAD' && r < odds.spam) {
      schedule({ kind: 'move', at: after(10), from: 'LEAD', to: 'DISQUALIFIED', reason: REASONS.spam });
    } else if (c.stage === 'MQL') {
      schedule({ kind: 'qualify', at: after(odds.meanDaysToQualify), bant: this.bant(rand, r < odds.sql[c.profile]) });
    } else if (c.stage === 'NURTURE' && r < odds.reengage) {
      const hot = c.profile === 'hot';
      schedule({
        kind: 'activity',
        at: after(odds.meanDaysToReengage),
        type: hot ? 'demo_request' : 'webinar_attended',
        properties: null,
      });
    } else if (c.stage === 'SQL') {
      if (r < odds.opportunity)
        schedule({
          kind: 'move',
          at: after(odds.meanDaysToOpportunity),
          from: 'SQL',
          to: 'OPPORTUNITY',
          reason: REASONS.opportunity,
        });
      else if (r < odds.opportunity + odds.sqlLost)
        schedule({
          kind: 'move',
          at: after(odds.meanDaysToOpportunity),
          from: 'SQL',
          to: 'DISQUALIFIED',
          reason: REASONS.lost,
        });
    } else if (c.stage === 'OPPORTUNITY') {
      const close = after(odds.meanDaysToClose);
      if (r < odds.won) schedule({ kind: 'move', at: close, from: 'OPPORTUNITY', to: 'CUSTOMER', reason: REASONS.won });
      else if (r < odds.won + odds.lost)
        schedule({ kind: 'move', at: close, from: 'OPPORTUNITY', to: 'DISQUALIFIED', reason: REASONS.lost });
      else if (r < odds.won + odds.lost + odds.backToNurture)
        schedule({ kind: 'move', at: close, from: 'OPPORTUNITY', to: 'NURTURE', reason: REASONS.nurture });
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
