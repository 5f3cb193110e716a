/** Contacts: create, update, delete, read and list, with partner scoping. */
import { type DataSource, type EntityManager, In, type SelectQueryBuilder } from 'typeorm';
import {
  Contact,
  type ContactData,
  normaliseContact,
  type ValuesFilter,
  CONTACT_COLUMNS,
  contactRow,
  newContact,
  sortKeys,
  Activity,
  StageTransition,
  Qualification,
} from '../../model';
import { requireContact } from './contact-lock';
import { SEARCH_COLUMNS, plainSearchOf, plainSearchPage, searchPrefix } from './contact-search';
import { GROUP_KEYS, assignGroupKeys } from '../../db/group-keys';
import { insertRows } from '../../db/bulk';
import { selectEntities } from '../../db/hydrate';
import { ScoreApplication, ScoreChangeCause, insertScoreEvents, scoreEvent } from '../scoring';
import type { ScoreEngine } from '../scoring';
import { type Viewer, assertCan, partnerScope, Role } from '../access';
import { badInput, conflict } from '../../graphql/errors';
import { type CursorPart, type KeysetOrder, type Page, checkFirst, keysetPage } from '../../graphql/pagination';
import { dbDate, dialectOf, isUniqueViolation, prefixMatch, transaction } from '../../db/portable';
import type { LifecycleService } from '../lifecycle';
import { type PromotionPublisher, ChangeSet, ContactChangeKind, contactValues } from '../realtime';
import { AssignmentTrigger, OwnerAssignment, type OwnersService } from '../owners';

/** Sortable columns of the contacts list. */
export type ContactSortField =
  'SCORE' | 'CREATED_AT' | 'UPDATED_AT' | 'STAGE_CHANGED_AT' | 'NAME' | 'COMPANY' | 'EMAIL' | 'LAST_ACTIVITY';

/**
 * Filter of the contacts list (the contract's ContactFilter); contactChanged evaluates the same in memory
 * (contact-filter.ts).
 */
export type ContactListFilter = ValuesFilter;

export interface ContactListArgs {
  filter?: ContactListFilter | null;
  orderBy?: { field: ContactSortField; direction: 'ASC' | 'DESC' } | null;
  first: number;
  after?: string | null;
  /** False skips counting the matches (totalCount is then 0): the caller did not ask for it. */
  count?: boolean;
}

/** A sort: its column (indexed with id after it), what its cursor value is, and whether it may be null. */
interface SortColumn {
  column: string;
  part: CursorPart;
  key: (c: Contact) => string | number | null;
  isDate: boolean;
  nullable: boolean;
}

const time = (d: Date | null) => (d === null ? null : d.getTime());
const SORT_COLUMNS: Record<ContactSortField, SortColumn> = {
  SCORE: { column: 'c.score', part: 'int', key: (c) => c.score, isDate: false, nullable: false },
  CREATED_AT: { column: 'c.created_at', part: 'time', key: (c) => time(c.createdAt), isDate: true, nullable: false },
  UPDATED_AT: { column: 'c.updated_at', part: 'time', key: (c) => time(c.updatedAt), isDate: true, nullable: false },
  STAGE_CHANGED_AT: {
    column: 'c.stage_changed_at',
    part: 'time',
    key: (c) => time(c.stageChangedAt),
    isDate: true,
    nullable: false,
  },
  NAME: { column: 'c.sort_name', part: 'key?', key: (c) => c.sortName, isDate: false, nullable: true },
  COMPANY: { column: 'c.sort_company', part: 'key?', key: (c) => c.sortCompany, isDate: false, nullable: true },
  EMAIL: { column: 'c.email', part: 'key', key: (c) => c.email, isDate: false, nullable: false },
  LAST_ACTIVITY: {
    column: 'c.last_activity_at',
    part: 'time?',
    key: (c) => time(c.lastActivityAt),
    isDate: true,
    nullable: true,
  },
};

/** The keyset order of a sort field and direction. */
function contactOrder(field: ContactSortField, direction: 'ASC' | 'DESC'): KeysetOrder<Contact> {
  const sort = SORT_COLUMNS[field];
  return {
    column: sort.column,
    idColumn: 'c.id',
    direction,
    parts: [sort.part, 'key'],
    cursor: (c) => [sort.key(c), c.id],
    bind: sort.isDate ? (v) => dbDate(Number(v)) : undefined,
    nullable: sort.nullable,
  };
}

/**
 * A contact's source, owner and partner as one comparable value: a change means new group keys (db/group-keys.ts).
 */
function groupValues(c: Contact): string {
  return JSON.stringify(GROUP_KEYS.map((k) => c[k.field]));
}

/** The fields updateContact may change but ownerId, as one comparable value: a change is a FIELDS change. */
function editableFields(c: Contact): string {
  return JSON.stringify([
    c.email,
    c.firstName,
    c.lastName,
    c.company,
    c.jobTitle,
    c.industry,
    c.companySize,
    c.country,
    c.source,
    c.partnerId,
    c.attributes,
  ]);
}

/**
 * The email is registered already. Create and update say the same, whoever
 * asks: a PARTNER key learns that the address exists (partner programs say
 * "already registered") and nothing else: not the contact's id, partner,
 * names, stage or owner (docs/api.md, "What a partner may learn").
 */
function emailTaken(email: string) {
  return conflict(`A contact with email ${email} is already registered`, {
    field: 'input.email',
    reason: 'EMAIL_TAKEN',
  });
}

export class ContactsService {
  constructor(
    private readonly ds: DataSource,
    private readonly scoring: ScoreEngine,
    private readonly lifecycle: LifecycleService,
    private readonly publisher: PromotionPublisher,
    private readonly maxFirst: number,
    private readonly owners: OwnersService,
  ) {}

  /** Reads a contact the viewer may see, or null. */
  async get(viewer: Viewer, id: string): Promise<Contact | null> {
    // Plain SQL: a contact page's and a partner's lookups spend more in the query builder than in the store.
    const [contact] = await selectEntities(this.ds.manager, Contact, 'SELECT * FROM contacts WHERE id = ?', [id]);
    return contact && this.visible(viewer, contact) ? contact : null;
  }

  /** Reads many contacts in one statement (no scoping: loaders scope). */
  byIds(ids: readonly string[]): Promise<Contact[]> {
    return ids.length ? this.ds.getRepository(Contact).find({ where: { id: In([...ids]) } }) : Promise.resolve([]);
  }

  /** Reads a contact by email (any case, accents significant: normaliseEmail) the viewer may see, or null. */
  async getByEmail(viewer: Viewer, email: string): Promise<Contact | null> {
    const scope = partnerScope(viewer);
    // A PARTNER key looks up within its partner (ix_contacts_partner_email): another partner's contact is not found.
    const normalized = email.normalize('NFC').trim().toLowerCase();
    const [contact] = await selectEntities(
      this.ds.manager,
      Contact,
      scope === null
        ? 'SELECT * FROM contacts WHERE email = ?'
        : 'SELECT * FROM contacts WHERE partner_id = ? AND email = ?',
      scope === null ? [normalized] : [scope, normalized],
    );
    return contact ?? null;
  }

  /** Like get, but NOT_FOUND when missing or outside the viewer's partner. */
  require(viewer: Viewer, id: string, em: EntityManager = this.ds.manager, lock = false): Promise<Contact> {
    return requireContact(em, viewer, id, lock);
  }

  private visible(viewer: Viewer, contact: Contact): boolean {
    const scope = partnerScope(viewer);
    return scope === null || contact.partnerId === scope;
  }

  /** Creates a contact; `at` backdates its creation for backfills such as the demo (now for the API). */
  async create(viewer: Viewer, input: ContactData, at: Date = new Date()): Promise<Contact> {
    assertCan(viewer, 'writeContacts');
    if (input.email === undefined || input.email === null) throw badInput('input.email', 'is required');
    const data = normaliseContact(input);
    if (viewer.role === Role.PARTNER) data.partnerId = viewer.partnerId;
    await this.checkPartner(data.partnerId);
    const contact = newContact({ ...data, email: data.email! }, at);
    const { written } = await transaction(this.ds, async (em) => {
      const log = new ChangeSet();
      contact.fitScore = (await this.scoring.open(em)).fitScore(contact);
      contact.score = contact.fitScore;
      const events =
        contact.fitScore === 0
          ? []
          : [scoreEvent(contact, contact.fitScore, ScoreChangeCause.FIT_CHANGED, contact.createdAt.getTime())];
      await assignGroupKeys(em, [contact]);
      try {
        await insertRows(em, 'contacts', CONTACT_COLUMNS, [contactRow(contact)]);
      } catch (err) {
        if (isUniqueViolation(err)) throw emailTaken(contact.email);
        throw err;
      }
      await insertScoreEvents(em, events);
      if (contact.ownerId !== null) await this.recordOwnerChange(em, viewer, contact, null, 'createContact');
      log.note(contact, [ContactChangeKind.CREATED]);
      await this.lifecycle.insertTransitions(em, [], log);
      return { written: log.written };
    });
    this.publisher.publish([], written);
    return contact;
  }

  async update(viewer: Viewer, id: string, input: ContactData): Promise<Contact> {
    assertCan(viewer, 'writeContacts');
    const data = normaliseContact(input);
    if (viewer.role === Role.PARTNER && data.partnerId !== undefined && data.partnerId !== viewer.partnerId) {
      throw badInput('input.partnerId', 'a PARTNER key cannot move a contact to another partner');
    }
    if (data.partnerId !== undefined) await this.checkPartner(data.partnerId);
    const { contact, transitions, written } = await transaction(this.ds, async (em) => {
      const contact = await this.require(viewer, id, em, true);
      const grouped = groupValues(contact);
      const previousOwner = contact.ownerId;
      const before = contactValues(contact);
      const fieldsBefore = editableFields(contact);
      Object.assign(contact, data, { updatedAt: new Date() });
      Object.assign(contact, sortKeys(contact));
      const regrouped = groupValues(contact) !== grouped;
      if (regrouped) await assignGroupKeys(em, [contact]);
      const fitBefore = contact.fitScore;
      contact.fitScore = (await this.scoring.open(em)).fitScore(contact);
      contact.score = contact.fitScore + contact.engagementScore;
      const events =
        contact.fitScore === fitBefore
          ? []
          : [
              scoreEvent(
                contact,
                contact.fitScore - fitBefore,
                ScoreChangeCause.FIT_CHANGED,
                contact.updatedAt.getTime(),
              ),
            ];
      try {
        await em.getRepository(Contact).save(contact);
      } catch (err) {
        if (isUniqueViolation(err)) throw emailTaken(contact.email);
        throw err;
      }
      await insertScoreEvents(em, events);
      if (regrouped) await this.lifecycle.syncGroupKeys(em, contact);
      if (contact.ownerId !== previousOwner)
        await this.recordOwnerChange(em, viewer, contact, previousOwner, 'updateContact');
      const log = new ChangeSet();
      const kinds = [
        ...(editableFields(contact) !== fieldsBefore ? [ContactChangeKind.FIELDS] : []),
        ...(contact.ownerId !== previousOwner ? [ContactChangeKind.OWNER] : []),
        ...(events.length ? [ContactChangeKind.SCORE] : []),
      ];
      if (kinds.length) log.note(contact, kinds, before);
      const transitions = await this.lifecycle.promote(em, contact, { at: contact.updatedAt, engagedNow: false });
      if (transitions.length) await this.lifecycle.saveStage(em, contact);
      await this.lifecycle.insertTransitions(em, transitions, log);
      return { contact, transitions, written: log.written };
    });
    this.publisher.publish(transitions, written);
    return contact;
  }

  private recordOwnerChange(
    em: EntityManager,
    viewer: Viewer,
    contact: Contact,
    previousOwnerId: string | null,
    reason: string,
  ): Promise<void> {
    return this.owners.recordAssignments(em, [
      {
        contactId: contact.id,
        ownerId: contact.ownerId,
        previousOwnerId,
        trigger: AssignmentTrigger.MANUAL,
        reason,
        viewer,
        at: contact.updatedAt,
      },
    ]);
  }

  /** Erases the contact with its activities, score applications, transitions and qualifications. */
  async delete(viewer: Viewer, id: string): Promise<boolean> {
    assertCan(viewer, 'writeContacts');
    const written = await transaction(this.ds, async (em) => {
      const contact = await this.require(viewer, id, em, true);
      await em.query('DELETE FROM score_events WHERE contact_id = ?', [id]);
      for (const entity of [ScoreApplication, Activity, StageTransition, Qualification, OwnerAssignment]) {
        await em.createQueryBuilder().delete().from(entity).where('contact_id = :id', { id }).execute();
      }
      await em.getRepository(Contact).delete({ id });
      // Erased means erased: its earlier changes go, and the DELETED event keeps no personal data.
      await em.query('DELETE FROM contact_changes WHERE contact_id = ?', [id]);
      Object.assign(contact, { email: '', firstName: null, lastName: null, company: null });
      const log = new ChangeSet();
      log.note(contact, [ContactChangeKind.DELETED]);
      await this.lifecycle.insertTransitions(em, [], log);
      return log.written;
    });
    this.publisher.publish([], written);
    return true;
  }

  async list(viewer: Viewer, args: ContactListArgs): Promise<Page<Contact>> {
    const first = checkFirst(args.first, this.maxFirst);
    const order = args.orderBy ?? { field: 'CREATED_AT' as const, direction: 'DESC' as const };
    const filter = args.filter ?? {};
    const keyset = contactOrder(order.field, order.direction);
    const plainSearch = plainSearchOf(filter, partnerScope(viewer) !== null, order.field);
    if (plainSearch) return plainSearchPage(this.ds, plainSearch, keyset, first, args.after, args.count !== false);
    const qb = this.ds.getRepository(Contact).createQueryBuilder('c');
    this.applyFilter(viewer, qb, filter);
    // The count and the page at once (two pooled connections on MySQL); the count's copy is taken before the page
    // adds its cursor condition.
    const counting = args.count === false ? 0 : qb.clone().getCount();
    const [totalCount, page] = await Promise.all([counting, keysetPage(qb, keyset, first, args.after)]);
    return { ...page, totalCount };
  }

  private applyFilter(viewer: Viewer, qb: SelectQueryBuilder<Contact>, f: ContactListFilter): void {
    const scope = partnerScope(viewer);
    qb.where('1 = 1');
    if (scope !== null) qb.andWhere('c.partner_id = :scope', { scope });
    if (f.stages) {
      if (f.stages.length === 0) qb.andWhere('1 = 0');
      else qb.andWhere('c.stage IN (:...stages)', { stages: [...new Set(f.stages)] });
    }
    if (f.minScore != null) qb.andWhere('c.score >= :minScore', { minScore: f.minScore });
    if (f.maxScore != null) qb.andWhere('c.score <= :maxScore', { maxScore: f.maxScore });
    if (f.ownerId != null) qb.andWhere('c.owner_id = :ownerId', { ownerId: f.ownerId });
    if (f.hasOwner != null) qb.andWhere(f.hasOwner ? 'c.owner_id IS NOT NULL' : 'c.owner_id IS NULL');
    if (f.partnerId != null) qb.andWhere('c.partner_id = :partnerId', { partnerId: f.partnerId });
    if (f.source != null) qb.andWhere('c.source = :source', { source: f.source });
    if (f.createdAfter) qb.andWhere('c.created_at >= :createdAfter', { createdAfter: dbDate(f.createdAfter) });
    if (f.createdBefore) qb.andWhere('c.created_at < :createdBefore', { createdBefore: dbDate(f.createdBefore) });
    if (f.search != null && f.search.trim() !== '') {
      const prefix = searchPrefix(f.search);
      const dialect = dialectOf(this.ds);
      const parts = SEARCH_COLUMNS.map((col, i) => prefixMatch(dialect, `c.${col}`, prefix, `search${i}`));
      qb.andWhere(`(${parts.map((p) => p.sql).join(' OR ')})`, Object.assign({}, ...parts.map((p) => p.params)));
    }
    if (f.temperatures) {
      // A set: [HOT, HOT, HOT] is HOT, not all three temperatures.
      const temperatures = [...new Set(f.temperatures)];
      if (temperatures.length === 0) qb.andWhere('1 = 0');
      // The stored temperature (kept by scoring and the sweeper), served by ix_contacts_temperature_score.
      else if (temperatures.length < 3) qb.andWhere('c.temperature IN (:...temperatures)', { temperatures });
    }
  }

  private async checkPartner(partnerId: string | null | undefined): Promise<void> {
    if (!partnerId) return;
    const rows = await this.ds.query(`SELECT id FROM partners WHERE id = ?`, [partnerId]);
    if (rows.length === 0) throw badInput('input.partnerId', `partner ${partnerId} does not exist`);
  }
}
