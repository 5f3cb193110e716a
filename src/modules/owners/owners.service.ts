/**
 * Owners, the routing policy and owner assignments. Routing runs inside the
 * transaction that moves a contact (LifecycleService.insertTransitions calls
 * `route` before it takes the epoch), so an assignment commits with the
 * promotion that caused it and the promotion already names the new owner.
 */
import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { Owner } from './owner.entity';
import { AssignmentTrigger, OwnerAssignment } from './owner-assignment.entity';
import { RoutingPolicy } from './routing-policy.entity';
import { DEFAULT_ROUTING, type RouteRule, type Routing, chooseTeam, validateRouting } from './routing';
import type { Contact, StageTransition } from '../../model';
import { assignGroupKeys } from '../../db/group-keys';
import { type Viewer, actorName, assertCan } from '../access';
import { badInput, conflict, notFound } from '../../graphql/errors';
import { dbDate, dialectOf, forUpdate, insertIgnorePrefix, isUniqueViolation, transaction } from '../../db/portable';
import { type SqlValue, insertRows } from '../../db/bulk';
import { selectEntities } from '../../db/hydrate';

/** Fields of createOwner / updateOwner (omitted: unchanged on update). */
export interface OwnerData {
  name?: string | null;
  email?: string | null;
  team?: string | null;
  active?: boolean | null;
}

/** Input of updateRoutingPolicy: omitted fields keep their value. */
export interface RoutingPatch {
  enabled?: boolean | null;
  assignAtStage?: string | null;
  defaultTeam?: string | null;
  rules?: RouteRule[] | null;
}

/** A change of owner to record. */
export interface AssignmentData {
  contactId: string;
  ownerId: string | null;
  previousOwnerId: string | null;
  trigger: AssignmentTrigger;
  reason: string | null;
  viewer: Viewer | null;
  at: Date;
}

const ROUTING_ID = 1;
const ASSIGNMENT_COLUMNS = [
  'contact_id',
  'owner_id',
  'previous_owner_id',
  '`trigger`',
  'reason',
  'actor',
  'actor_owner_id',
  'assigned_at',
];

function clean(field: string, v: string | null | undefined, required: boolean): string | null | undefined {
  if (v === undefined) return undefined;
  const s = v === null ? '' : v.trim();
  if (s === '') {
    if (required) throw badInput(`input.${field}`, 'must not be empty');
    return null;
  }
  if (s.length > 191) throw badInput(`input.${field}`, 'must be at most 191 characters');
  return s;
}

export class OwnersService {
  private renamed: () => Promise<void> = async () => undefined;

  constructor(private readonly ds: DataSource) {}

  /** Creates the routing row with its defaults on a new store (idempotent). */
  async ensureRouting(): Promise<void> {
    const d = DEFAULT_ROUTING;
    await this.ds.query(
      `${insertIgnorePrefix(dialectOf(this.ds))} routing_policy (id, enabled, assign_at_stage, default_team, ` +
        `rules, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
      [ROUTING_ID, d.enabled ? 1 : 0, d.assignAtStage, d.defaultTeam, JSON.stringify(d.rules), dbDate(new Date())],
    );
  }

  async list(viewer: Viewer, opts: { includeInactive?: boolean | null; team?: string | null }): Promise<Owner[]> {
    assertCan(viewer, 'readConfig');
    const qb = this.ds.getRepository(Owner).createQueryBuilder('o').where('1 = 1');
    if (!opts.includeInactive) qb.andWhere('o.active = :active', { active: true });
    if (opts.team != null) qb.andWhere('o.team = :team', { team: opts.team });
    return qb.orderBy('o.name', 'ASC').addOrderBy('o.id', 'ASC').getMany();
  }

  byIds(ids: readonly string[]): Promise<Owner[]> {
    return ids.length ? this.ds.getRepository(Owner).find({ where: { id: In([...ids]) } }) : Promise.resolve([]);
  }

  async create(viewer: Viewer, input: OwnerData): Promise<Owner> {
    assertCan(viewer, 'admin');
    const now = new Date();
    const owner = Object.assign(new Owner(), {
      id: randomUUID(),
      name: clean('name', input.name ?? null, true)!,
      email: this.email(input.email) ?? null,
      team: clean('team', input.team, false) ?? null,
      active: input.active ?? true,
      lastAssignedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.save(owner, true);
    return owner;
  }

  async update(viewer: Viewer, id: string, patch: OwnerData): Promise<Owner> {
    assertCan(viewer, 'admin');
    if (patch.active === null) throw badInput('input.active', 'must not be null');
    const owner = await this.ds.getRepository(Owner).findOne({ where: { id } });
    if (!owner) throw notFound('Owner', id);
    const name = clean('name', patch.name, true);
    const before = owner.name;
    const email = this.email(patch.email);
    const team = clean('team', patch.team, false);
    Object.assign(owner, {
      ...(name === undefined ? {} : { name }),
      ...(email === undefined ? {} : { email }),
      ...(team === undefined ? {} : { team }),
      ...(patch.active == null ? {} : { active: patch.active }),
      updatedAt: new Date(),
    });
    const renamed = name !== undefined && name !== before;
    await this.save(owner, false);
    if (renamed) await this.renamed();
    return owner;
  }

  /**
   * Called after an owner's name changed: API keys acting for an owner carry its name (actor stamps), and the key
   * cache holds them with it (main wires access's keyChanged here).
   */
  onRename(listener: () => Promise<void>): void {
    this.renamed = listener;
  }

  private email(v: string | null | undefined): string | null | undefined {
    const e = clean('email', v, false);
    if (e && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e)) throw badInput('input.email', 'is not an email address');
    return e?.toLowerCase() ?? e;
  }

  private async save(owner: Owner, insert: boolean): Promise<void> {
    try {
      if (insert) await this.ds.getRepository(Owner).insert(owner);
      else await this.ds.getRepository(Owner).save(owner);
    } catch (err) {
      if (isUniqueViolation(err))
        throw conflict(`An owner with email ${owner.email} already exists`, { field: 'input.email' });
      throw err;
    }
  }

  async routingEntity(em: EntityManager = this.ds.manager): Promise<RoutingPolicy> {
    const [row] = await selectEntities(em, RoutingPolicy, 'SELECT * FROM routing_policy WHERE id = ?', [ROUTING_ID]);
    if (!row) throw new Error('routing policy row missing: ensureRouting() was not run');
    row.rules ??= [];
    return row;
  }

  async routingPolicy(viewer: Viewer): Promise<RoutingPolicy> {
    assertCan(viewer, 'readConfig');
    return this.routingEntity();
  }

  async updateRouting(viewer: Viewer, patch: RoutingPatch): Promise<RoutingPolicy> {
    assertCan(viewer, 'admin');
    return transaction(this.ds, async (em) => {
      const row = await this.routingEntity(em);
      if (patch.enabled === null) throw badInput('input.enabled', 'must not be null');
      if (patch.assignAtStage === null) throw badInput('input.assignAtStage', 'must not be null');
      const next: Routing = {
        enabled: patch.enabled ?? row.enabled,
        assignAtStage: patch.assignAtStage ?? row.assignAtStage,
        defaultTeam: patch.defaultTeam === undefined ? row.defaultTeam : patch.defaultTeam?.trim() || null,
        rules:
          patch.rules === undefined
            ? (row.rules ?? [])
            : (patch.rules ?? []).map((r) => ({ ...r, team: r.team?.trim() })),
      };
      const problem = validateRouting(next);
      if (problem) throw badInput(`input.${problem.field}`, problem.message);
      Object.assign(row, next, { updatedAt: new Date() });
      await em.getRepository(RoutingPolicy).save(row);
      return row;
    });
  }

  /**
   * Assigns an owner to each contact that a transition of this transaction
   * takes into the policy's stage while it has none: the team the policy
   * names rotates among its active owners (least recently assigned first,
   * whose row is locked so concurrent routers queue). Sets the contact's
   * ownerId and group keys (stored and in memory), the transitions' owner,
   * records the assignment, and calls `regrouped` so stored transitions follow.
   */
  async route(
    em: EntityManager,
    transitions: StageTransition[],
    subjectOf: (t: StageTransition) => Contact | undefined,
    regrouped: (em: EntityManager, c: Contact) => Promise<void>,
  ): Promise<void> {
    const candidates = transitions.filter(
      (t) => t.ownerId === null && (t.toStage === 'MQL' || t.toStage === 'SQL') && subjectOf(t),
    );
    if (candidates.length === 0) return;
    const routing = await this.routingEntity(em);
    if (!routing.enabled) return;
    const assignments: AssignmentData[] = [];
    for (const t of candidates) {
      const contact = subjectOf(t)!;
      if (t.toStage !== routing.assignAtStage || contact.ownerId !== null) continue;
      const { team, reason } = chooseTeam({ ...routing, rules: routing.rules ?? [] }, contact);
      const owner = await this.nextInRotation(em, team);
      if (!owner) continue;
      contact.ownerId = owner.id;
      await assignGroupKeys(em, [contact]);
      await em.query('UPDATE contacts SET owner_id = ?, owner_key = ? WHERE id = ?', [
        owner.id,
        contact.keys.ownerKey,
        contact.id,
      ]);
      for (const later of transitions) {
        if (later.contactId !== contact.id || Number(later.occurredAt) < Number(t.occurredAt)) continue;
        later.ownerId = owner.id;
        later.keys.ownerKey = contact.keys.ownerKey;
      }
      await regrouped(em, contact);
      assignments.push({
        contactId: contact.id,
        ownerId: owner.id,
        previousOwnerId: null,
        trigger: AssignmentTrigger.ROUTING,
        reason: `${t.toStage}: ${reason}: ${owner.name}`,
        viewer: null,
        at: t.occurredAt,
      });
    }
    await this.recordAssignments(em, assignments);
  }

  /** The next active owner of `team` (null: of every team) and marks it assigned now; null when there is none. */
  private async nextInRotation(em: EntityManager, team: string | null): Promise<Owner | null> {
    const where = team === null ? 'active = 1' : 'team = ? AND active = 1';
    const [owner] = await selectEntities(
      em,
      Owner,
      `SELECT * FROM owners WHERE ${where} ORDER BY last_assigned_at, created_at, id LIMIT ` +
        `1${forUpdate(dialectOf(em))}`,
      team === null ? [] : [team],
    );
    if (!owner) return null;
    owner.lastAssignedAt = new Date();
    await em.query('UPDATE owners SET last_assigned_at = ? WHERE id = ?', [dbDate(owner.lastAssignedAt), owner.id]);
    return owner;
  }

  /** Records owner changes inside the caller's transaction. */
  async recordAssignments(em: EntityManager, rows: AssignmentData[]): Promise<void> {
    const values: SqlValue[][] = rows.map((a) => [
      a.contactId,
      a.ownerId,
      a.previousOwnerId,
      a.trigger,
      a.reason,
      a.viewer ? actorName(a.viewer) : null,
      a.viewer?.ownerId ?? null,
      dbDate(a.at),
    ]);
    await insertRows(em, 'owner_assignments', ASSIGNMENT_COLUMNS, values);
  }

  /** Assignments of many contacts, oldest first, in one statement. */
  assignmentsOf(contactIds: readonly string[]): Promise<OwnerAssignment[]> {
    if (contactIds.length === 0) return Promise.resolve([]);
    return this.ds
      .getRepository(OwnerAssignment)
      .find({ where: { contactId: In([...contactIds]) }, order: { id: 'ASC' } });
  }
}
