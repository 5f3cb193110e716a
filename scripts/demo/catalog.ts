/**
 * The fixed parts of the demo: its scoring rules, names, sources, engagement
 * profiles and the odds of each sales decision. Profiles carry the demo's
 * planted signal: how likely sales is to qualify a contact depends on its
 * profile, and so do demo requests and pricing-page visits, while every
 * profile opens newsletters alike (email opens predict nothing).
 */
import type { Rule } from '../../src/modules/scoring/scorer';

/** How engaged (and how ready to buy) a contact is; decides its activities and how sales judges it. */
export type Profile = 'silent' | 'browser' | 'interested' | 'hot';

/** Odds of each sales decision, and mean delays (days) before it is taken. */
export interface SalesOdds {
  /** An MQL qualified as SQL (else NURTURE), by the contact's profile: the planted signal. */
  sql: Record<Profile, number>;
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

function rule(
  name: string,
  kind: DemoRule['kind'],
  activityType: string | null,
  conditions: DemoRule['conditions'],
  points: number,
  caps: Partial<DemoRule> = {},
): DemoRule {
  return {
    name,
    kind,
    activityType,
    conditions,
    points,
    maxApplications: null,
    capWindowDays: null,
    expiresAfterDays: null,
    ...caps,
  };
}

/** The hand-made rules a marketing team would start with (docs/insights.md compares them with the suggestion). */
export const DEMO_RULES: readonly DemoRule[] = [
  rule(
    'Decision maker',
    'FIT',
    null,
    [
      {
        field: 'jobTitle',
        operator: 'IN',
        value: ['VP Marketing', 'Head of Growth', 'CTO', 'Director of Operations', 'CFO'],
      },
    ],
    15,
  ),
  rule('Mid-market and up', 'FIT', null, [{ field: 'companySize', operator: 'GTE', value: 200 }], 10),
  rule(
    'Target industry',
    'FIT',
    null,
    [{ field: 'industry', operator: 'IN', value: ['Software', 'Financial Services'] }],
    5,
  ),
  rule('Free email address', 'FIT', null, [{ field: 'freeEmail', operator: 'EQ', value: true }], -10),
  rule('Page view', 'BEHAVIOR', 'page_view', [], 1, { maxApplications: 10, capWindowDays: 30 }),
  rule(
    'Pricing page, max 3 a week',
    'BEHAVIOR',
    'page_view',
    [{ field: 'properties.url', operator: 'STARTS_WITH', value: '/pricing' }],
    5,
    { maxApplications: 3, capWindowDays: 7 },
  ),
  rule('Email open (decays)', 'BEHAVIOR', 'email_open', [], 1, { expiresAfterDays: 30 }),
  rule('Email click', 'BEHAVIOR', 'email_click', [], 3),
  rule('Content download', 'BEHAVIOR', 'content_download', [], 10),
  rule('Form submit', 'BEHAVIOR', 'form_submit', [], 15),
  rule('Webinar attended', 'BEHAVIOR', 'webinar_attended', [], 20),
  rule('Demo request', 'BEHAVIOR', 'demo_request', [], 40),
  rule('Unsubscribe', 'BEHAVIOR', 'unsubscribe', [], -25),
];

export const DEFAULT_PROFILES: Record<Profile, number> = { silent: 15, browser: 35, interested: 35, hot: 15 };

export const DEFAULT_ODDS: SalesOdds = {
  sql: { silent: 0.05, browser: 0.1, interested: 0.3, hot: 0.85 },
  reengage: 0.4,
  opportunity: 0.6,
  sqlLost: 0.15,
  won: 0.45,
  lost: 0.25,
  backToNurture: 0.15,
  spam: 0.03,
  meanDaysToQualify: 3,
  meanDaysToOpportunity: 7,
  meanDaysToClose: 21,
  meanDaysToReengage: 14,
};

/**
 * Engaged activities per profile (count range) and the weights of their
 * kinds. Email opens are not here: every profile gets them from the
 * newsletter alike (NEWSLETTER_OPENS).
 */
export const ACTIVITY_MIX: Record<Profile, { count: [number, number]; kinds: [string, number][] }> = {
  silent: { count: [0, 0], kinds: [] },
  browser: {
    count: [1, 5],
    kinds: [
      ['page_view', 8],
      ['pricing_view', 0.3],
      ['email_click', 1],
      ['unsubscribe', 0.3],
    ],
  },
  interested: {
    count: [3, 10],
    kinds: [
      ['page_view', 6],
      ['pricing_view', 0.8],
      ['email_click', 2],
      ['content_download', 2],
      ['form_submit', 1],
      ['webinar_attended', 1.5],
      ['demo_request', 0.1],
      ['unsubscribe', 0.1],
    ],
  },
  hot: {
    count: [4, 12],
    kinds: [
      ['page_view', 4],
      ['pricing_view', 3],
      ['email_click', 1],
      ['content_download', 0.5],
      ['form_submit', 0.8],
      ['webinar_attended', 0.3],
      ['demo_request', 1.2],
    ],
  },
};

/** Newsletter opens per contact, whatever its profile: [min, max]. */
export const NEWSLETTER_OPENS: [number, number] = [0, 8];

export const PARTNER_NAMES = [
  'Northwind Consulting',
  'Globex Resellers',
  'Initech Partners',
  'Umbrella Digital',
  'Stark Integrations',
  'Wayne Advisory',
];
export const OWNERS = ['ana.silva', 'ben.okafor', 'chen.wei', 'dora.nagy', 'eli.cohen'];
export const SOURCES: [string | null, number][] = [
  ['organic', 25],
  ['paid_search', 20],
  ['webinar', 15],
  ['partner', 15],
  ['referral', 10],
  ['event', 10],
  [null, 5],
];
/** Every source and owner a plan gives its contacts (their partners are the plan's `partners`). */
export const DEMO_GROUP_VALUES: readonly string[] = [
  ...SOURCES.map(([s]) => s).filter((s): s is string => s !== null),
  ...OWNERS,
];
export const FIRST = [
  'ada',
  'alan',
  'grace',
  'linus',
  'margaret',
  'ken',
  'barbara',
  'dennis',
  'frances',
  'edsger',
  'radia',
  'tim',
  'hedy',
  'john',
  'katherine',
  'donald',
];
export const LAST = [
  'lovelace',
  'turing',
  'hopper',
  'torvalds',
  'hamilton',
  'thompson',
  'liskov',
  'ritchie',
  'allen',
  'dijkstra',
  'perlman',
  'berners',
  'lamarr',
  'backus',
  'johnson',
  'knuth',
];
export const COMPANIES = [
  'Acme',
  'Contoso',
  'Fabrikam',
  'Tailspin',
  'Wingtip',
  'Litware',
  'Proseware',
  'Adatum',
  'Lucerne',
  'Margie',
  'Fourth Coffee',
  'Alpine Ski',
];
export const TITLES: [string, number][] = [
  ['Marketing Manager', 20],
  ['VP Marketing', 8],
  ['Head of Growth', 6],
  ['Software Engineer', 20],
  ['CTO', 5],
  ['Director of Operations', 6],
  ['CFO', 3],
  ['Analyst', 20],
  ['Student', 12],
];
export const INDUSTRIES = ['Software', 'Financial Services', 'Retail', 'Manufacturing', 'Healthcare', 'Education'];
export const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'NL', 'BR', 'IN', 'JP'];
export const FREE_DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com'];
export const PAGES = ['/', '/blog/lead-scoring', '/features', '/customers', '/docs'];
export const PRICING_PAGES = ['/pricing', '/pricing/enterprise'];

/** Reasons sales gives for manual moves. */
export const REASONS: Record<'opportunity' | 'won' | 'lost' | 'nurture' | 'spam', string> = {
  opportunity: 'Discovery call done, opportunity opened',
  won: 'Contract signed',
  lost: 'Lost to a competitor',
  nurture: 'No budget this quarter',
  spam: 'Not a real prospect',
};

/** Names of the API keys the demo acts with (sales decisions carry the SALES one as actor). */
export const DEMO_KEYS = {
  ADMIN: 'demo-admin',
  MARKETING: 'demo-marketing',
  SALES: 'demo-sales',
  PARTNER: 'demo-partner',
  VIEWER: 'demo-viewer',
} as const;
export const SALES_ACTOR = DEMO_KEYS.SALES;
