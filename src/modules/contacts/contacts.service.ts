/** Contacts: create, update, delete, read and list, with partner scoping. */
import { DataSource, EntityManager, In, SelectQueryBuilder } from 'typeorm';
import { Contact } from './contact.entity';
import { ContactData, normaliseContact } from './contact.validation';
import { CONTACT_COLUMNS, contactRow, newContact } from './contact.factory';
import { GROUP_KEYS, assignGroupKeys } from '../metrics/group-keys';
import { insertRows } from '../../db/bulk';
import { Activity } from '../activities/activity.entity';
import { ScoreApplication } from '../scoring/score-application.entity';
import { StageTransition } from '../lifecycle/stage-transition.entity';
import { Qualification } from '../lifecycle/qualification.entity';
import { LifecycleStage, Temperature } from '../lifecycle/stage';
import { Viewer, assertCan, partnerScope } from '../access/viewer';
import { Role } from '../access/api-key.entity';
import { badInput, conflict, notFound } from '../../graphql/errors';
import { Page, checkFirst, decodeCursor, encodeCursor } from '../../graphql/pagination';
import { dbDate, isUniqueViolation, lockRows, transaction } from '../../db/portable';
import type { ScoringService } from '../scoring/scoring.service';
import type { LifecycleService } from '../lifecycle/lifecycle.service';
import type { PromotionPublisher } from '../realtime/publisher';

/** Sortable columns of the contacts list. */
export type ContactSortField = 'SCORE' | 'CREATED_AT' | 'UPDATED_AT' | 'STAGE_CHANGED_AT';

/** Filter of the contacts list (the contract's ContactFilter). */
export interface ContactListFilter {
  stages?: LifecycleStage[] | null;
  minScore?: number | null;
  maxScore?: number | null;
  temperatures?: Temperature[] | null;
  ownerId?: string | null;
  partnerId?: string | null;
  source?: string | null;
  search?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

export interface ContactListArgs {
  filter?: ContactListFilter | null;
  orderBy?: { field: ContactSortField; direction: 'ASC' | 'DESC' } | null;
  first: number;
  after?: string | null;
  /** False skips counting the matches (totalCount is then 0): the caller did not ask for it. */
  count?: boolean;
}

const SORT_COLUMNS: Record<ContactSortField, { column: string; isDate: boolean }> = {
  SCORE: { column: 'c.score', isDate: false },
  CREATED_AT: { column: 'c.created_at', isDate: true },
  UPDATED_AT: { column: 'c.updated_at', isDate: true },
  STAGE_CHANGED_AT: { column: 'c.stage_changed_at', isDate: true },
};

/** A contact's source, owner and partner as one comparable value: a change means new group keys (metrics/group-keys.ts). */
function groupValues(c: Contact): string {
  return JSON.stringify(GROUP_KEYS.map((k) => c[k.field]));
}

/** Escapes LIKE wildcards with '!' (a backslash escape would mean different things to MySQL and SQLite). */
function escapeLike(s: string): string {
  return s.replace(/[!%_]/g, (m) => `!${m}`);
}

/**
 * The email is registered already. Create and update say the same, whoever
 * asks: a PARTNER key learns that the address exists (partner programs say
 * "already registered") and nothing else: not the contact's id, partner,
 * names, stage or owner (docs/api.md, "What a partner may learn").
 */
function emailTaken(email: string) {
  return conflict(`A contact with email ${email} is already registered`, { field: 'input.email', reason: 'EMAIL_TAKEN' });
}

export class ContactsService {
  constructor(
    private readonly ds: DataSource,
    private readonly scoring: ScoringService,
    private readonly lifecycle: LifecycleService,
    private readonly publisher: PromotionPublisher,
    private readonly maxFirst: number,
  ) {}

  /** Reads a contact the viewer may see, or null. */
  async get(viewer: Viewer, id: string): Promise<Contact | null> {
    const contact = await this.ds.getRepository(Contact).findOne({ where: { id } });
    return contact && this.visible(viewer, contact) ? contact : null;
  }

  /** Reads many contacts in one statement (no scoping: loaders scope). */
  byIds(ids: readonly string[]): Promise<Contact[]> {
    return ids.length ? this.ds.getRepository(Contact).find({ where: { id: In([...ids]) } }) : Promise.resolve([]);
  }

  /** Reads a contact by email (any case, accents significant: normaliseEmail) the viewer may see, or null. */
  async getByEmail(viewer: Viewer, email: string): Promise<Contact | null> {
    const contact = await this.ds.getRepository(Contact).findOne({ where: { email: email.normalize('NFC').trim().toLowerCase() } });
    return contact && this.visible(viewer, contact) ? contact : null;
  }

  /** Like get, but NOT_FOUND when missing or outside the viewer's partner. */
  async require(viewer: Viewer, id: string, em: EntityManager = this.ds.manager, lock = false): Promise<Contact> {
    const qb = em.getRepository(Contact).createQueryBuilder('c').where('c.id = :id', { id });
    const rows = await (lock ? lockRows(qb) : qb).getMany();
    const contact = rows[0];
    if (!contact || !this.visible(viewer, contact)) throw notFound('Contact', id);
    return contact;
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
    return transaction(this.ds, async (em) => {
      const rules = await this.scoring.activeRules(em);
      contact.fitScore = this.scoring.fitScore(contact, rules);
      contact.score = contact.fitScore;
      await assignGroupKeys(em, [contact]);
      try {
        await insertRows(em, 'contacts', CONTACT_COLUMNS, [contactRow(contact)]);
      } catch (err) {
        if (isUniqueViolation(err)) throw emailTaken(contact.email);
        throw err;
      }
      return contact;
    });
  }

  async update(viewer: Viewer, id: string, input: ContactData): Promise<Contact> {
    assertCan(viewer, 'writeContacts');
    const data = normaliseContact(input);
    if (viewer.role === Role.PARTNER && data.partnerId !== undefined && data.partnerId !== viewer.partnerId) {
      throw badInput('input.partnerId', 'a PARTNER key cannot move a contact to another partner');
    }
    if (data.partnerId !== undefined) await this.checkPartner(data.partnerId);
    const { contact, transitions } = await transaction(this.ds, async (em) => {
      const contact = await this.require(viewer, id, em, true);
      const grouped = groupValues(contact);
      Object.assign(contact, data, { updatedAt: new Date() });
      const regrouped = groupValues(contact) !== grouped;
      if (regrouped) await assignGroupKeys(em, [contact]);
      const rules = await this.scoring.activeRules(em);
      contact.fitScore = this.scoring.fitScore(contact, rules);
      contact.score = contact.fitScore + contact.engagementScore;
      try {
        await em.getRepository(Contact).save(contact);
      } catch (err) {
        if (isUniqueViolation(err)) throw emailTaken(contact.email);
        throw err;
      }
      if (regrouped) await this.lifecycle.syncGroupKeys(em, contact);
      const transitions = await this.lifecycle.promote(em, contact, { at: contact.updatedAt, engagedNow: false });
      return { contact, transitions };
    });
    this.publisher.publish(transitions);
    return contact;
  }

  /** Erases the contact with its activities, score applications, transitions and qualifications. */
  async delete(viewer: Viewer, id: string): Promise<boolean> {
    assertCan(viewer, 'writeContacts');
    await transaction(this.ds, async (em) => {
      await this.require(viewer, id, em, true);
      for (const entity of [ScoreApplication, Activity, StageTransition, Qualification]) {
        await em.createQueryBuilder().delete().from(entity).where('contact_id = :id', { id }).execute();
      }
      await em.getRepository(Contact).delete({ id });
    });
    return true;
  }

  async list(viewer: Viewer, args: ContactListArgs): Promise<Page<Contact>> {
    const first = checkFirst(args.first, this.maxFirst);
    const order = args.orderBy ?? { field: 'CREATED_AT' as const, direction: 'DESC' as const };
    const sort = SORT_COLUMNS[order.field];
    const qb = this.ds.getRepository(Contact).createQueryBuilder('c');
    await this.applyFilter(viewer, qb, args.filter ?? {});
    const totalCount = args.count === false ? 0 : await qb.clone().getCount();
    if (args.after) {
      const [v, id] = decodeCursor(args.after, [order.field === 'SCORE' ? 'int' : 'time', 'key']);
      const value = sort.isDate ? dbDate(Number(v)) : Number(v);
      const cmp = order.direction === 'ASC' ? '>' : '<';
      qb.andWhere(`(${sort.column} ${cmp} :cv OR (${sort.column} = :cv AND c.id ${cmp} :cid))`, { cv: value, cid: id });
    }
    const rows = await qb
      .orderBy(sort.column, order.direction)
      .addOrderBy('c.id', order.direction)
      .limit(first + 1)
      .getMany();
    const nodes = rows.slice(0, first);
    const key = (c: Contact): number =>
      order.field === 'SCORE' ? c.score : (order.field === 'CREATED_AT' ? c.createdAt : order.field === 'UPDATED_AT' ? c.updatedAt : c.stageChangedAt).getTime();
    return { nodes, cursors: nodes.map((c) => encodeCursor([key(c), c.id])), hasNextPage: rows.length > first, totalCount };
  }

  private async applyFilter(viewer: Viewer, qb: SelectQueryBuilder<Contact>, f: ContactListFilter): Promise<void> {
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
    if (f.partnerId != null) qb.andWhere('c.partner_id = :partnerId', { partnerId: f.partnerId });
    if (f.source != null) qb.andWhere('c.source = :source', { source: f.source });
    if (f.createdAfter) qb.andWhere('c.created_at >= :createdAfter', { createdAfter: dbDate(f.createdAfter) });
    if (f.createdBefore) qb.andWhere('c.created_at < :createdBefore', { createdBefore: dbDate(f.createdBefore) });
    if (f.search != null && f.search.trim() !== '') {
      if (f.search.length > 191) throw badInput('filter.search', 'must be at most 191 characters');
      const prefix = `${escapeLike(f.search.trim().toLowerCase())}%`;
      qb.andWhere(
        "(LOWER(c.email) LIKE :prefix ESCAPE '!' OR LOWER(c.first_name) LIKE :prefix ESCAPE '!' OR LOWER(c.last_name) LIKE :prefix ESCAPE '!' OR LOWER(c.company) LIKE :prefix ESCAPE '!')",
        { prefix },
      );
    }
    if (f.temperatures) {
      // A set: [HOT, HOT, HOT] is HOT, not all three temperatures.
      const temperatures = [...new Set(f.temperatures)];
      if (temperatures.length === 0) qb.andWhere('1 = 0');
      else if (temperatures.length < 3) {
        const { sql, params, policy } = await this.scoring.temperaturePointsSql('c.id');
        const parts = temperatures.map((t) =>
          t === Temperature.HOT
            ? `${sql} >= ${policy.hotThreshold}`
            : t === Temperature.WARM
              ? `(${sql} >= ${policy.warmThreshold} AND ${sql} < ${policy.hotThreshold})`
              : `${sql} < ${policy.warmThreshold}`,
        );
        qb.andWhere(`(${parts.join(' OR ')})`, params);
      }
    }
  }

  private async checkPartner(partnerId: string | null | undefined): Promise<void> {
    if (!partnerId) return;
    const rows = await this.ds.query(`SELECT id FROM partners WHERE id = ?`, [partnerId]);
    if (rows.length === 0) throw badInput('input.partnerId', `partner ${partnerId} does not exist`);
  }
}

