/** Builds new Contact rows the same way for createContact and for prospects created by ingestion. */
import { randomUUID } from 'node:crypto';
import { Contact } from './contact.entity';
import { type ContactData } from './contact.validation';
import { LifecycleStage } from './stage';
import { type SqlValue } from '../db/bulk';
import { dbDate } from '../db/portable';
import { GROUP_KEY_COLUMNS, GroupKeys, groupKeyValues } from '../db/group-keys';

const lower = (s: string | null | undefined) => (s ? s.toLowerCase().slice(0, 191) : null);

/**
 * The lower-cased keys lists sort and search on: NAME ("last first") and
 * COMPANY sort keys, and the first and last names the search prefix matches
 * (with the email and the company key); null when absent.
 */
export function sortKeys(c: { firstName?: string | null; lastName?: string | null; company?: string | null }): {
  sortName: string | null;
  sortCompany: string | null;
  firstNameKey: string | null;
  lastNameKey: string | null;
} {
  const name = [c.lastName, c.firstName]
    .filter((p) => p)
    .join(' ')
    .toLowerCase()
    .slice(0, 191);
  return {
    sortName: name || null,
    sortCompany: lower(c.company),
    firstNameKey: lower(c.firstName),
    lastNameKey: lower(c.lastName),
  };
}

/**
 * A new PROSPECT with the given (already normalised) fields and zero scores; its group keys are set by assignGroupKeys.
 */
export function newContact(data: ContactData & { email: string }, now: Date): Contact {
  const contact = Object.assign(new Contact(), {
    id: randomUUID(),
    firstName: null,
    lastName: null,
    company: null,
    jobTitle: null,
    industry: null,
    companySize: null,
    country: null,
    source: null,
    ownerId: null,
    partnerId: null,
    attributes: null,
    ...data,
    keys: new GroupKeys(),
    stage: LifecycleStage.PROSPECT,
    score: 0,
    fitScore: 0,
    engagementScore: 0,
    lastEngagedAt: null,
    lastTransitionAt: null,
    scoreChangedAt: null,
    lastActivityAt: null,
    windowPoints: 0,
    temperature: 'COLD',
    stageChangedAt: now,
    createdAt: now,
    updatedAt: now,
  });
  return Object.assign(contact, sortKeys(contact));
}

/** Column list and row values for raw multi-row inserts of contacts. */
export const CONTACT_COLUMNS = [
  'id',
  'email',
  'first_name',
  'last_name',
  'company',
  'job_title',
  'industry',
  'company_size',
  'country',
  'source',
  'owner_id',
  'partner_id',
  'attributes',
  'stage',
  'score',
  'fit_score',
  'engagement_score',
  'last_engaged_at',
  'last_transition_at',
  'stage_changed_at',
  'created_at',
  'updated_at',
  ...GROUP_KEY_COLUMNS,
  'score_changed_at',
  'last_activity_at',
  'sort_name',
  'sort_company',
  'first_name_key',
  'last_name_key',
];

export function contactRow(c: Contact): SqlValue[] {
  return [
    c.id,
    c.email,
    c.firstName,
    c.lastName,
    c.company,
    c.jobTitle,
    c.industry,
    c.companySize,
    c.country,
    c.source,
    c.ownerId,
    c.partnerId,
    c.attributes === null ? null : JSON.stringify(c.attributes),
    c.stage,
    c.score,
    c.fitScore,
    c.engagementScore,
    c.lastEngagedAt ? dbDate(c.lastEngagedAt) : null,
    c.lastTransitionAt ? dbDate(c.lastTransitionAt) : null,
    dbDate(c.stageChangedAt),
    dbDate(c.createdAt),
    dbDate(c.updatedAt),
    ...groupKeyValues(c.keys),
    c.scoreChangedAt ? dbDate(c.scoreChangedAt) : null,
    c.lastActivityAt ? dbDate(c.lastActivityAt) : null,
    c.sortName,
    c.sortCompany,
    c.firstNameKey,
    c.lastNameKey,
  ];
}
