/**
 * Stage changes: score promotions (called inside the scoring transaction),
 * BANT qualification, manual transitions, the qualification policy and the
 * stageTransitions list.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import {
  Contact,
  StageTransition,
  Qualification,
  LifecycleStage,
  TransitionTrigger,
  type Bant,
  DEFAULT_POLICY,
  type Policy,
  mergePolicy,
  promotions,
  validatePolicy,
} from '../../model';
import { QualificationPolicy } from './qualification-policy.entity';
import { type Viewer, actorName, assertCan, partnerScope } from '../access';
import { badInput } from '../../graphql/errors';
import { type KeysetOrder, type Page, checkFirst, keysetPage } from '../../graphql/pagination';
import { dbDate, inList, insertIgnorePrefix, dialectOf, lockRows, transaction } from '../../db/portable';
import { selectEntities } from '../../db/hydrate';
import { GROUP_KEY_COLUMNS, GroupKeys, groupKeyValues } from '../../db/group-keys';
import { type PromotionPublisher, nextEpoch, ChangeSet, type WireChange } from '../realtime';
import { type SalesStepDeps, moveContact, qualifyContact } from './sales-steps';
import { SUBJECTS, type Router, type TransitionOutbox, writeTransitions } from './transition-writes';

export type { Router, TransitionOutbox } from './transition-writes';

/** Filter of the stageTransitions list. */
export interface TransitionListFilter {
  contactId?: string | null;
  toStages?: LifecycleStage[] | null;
  triggers?: TransitionTrigger[] | null;
  occurredAfter?: Date | null;
  occurredBefore?: Date | null;
}

const POLICY_ID = 1;

function toPolicy(p: QualificationPolicy): Policy {
  return {
    leadThreshold: p.leadThreshold,
    mqlThreshold: p.mqlThreshold,
    sqlThreshold: p.sqlThreshold,
    requiredBantCriteria: p.requiredBantCriteria,
    hotThreshold: p.hotThreshold,
    warmThreshold: p.warmThreshold,
    temperatureWindowDays: p.temperatureWindowDays,
  };
}

/** Hears of policy changes that move stored scoring state (the scoring engine, scoring/score-engine.ts). */
export interface PolicyListener {
  policyChanged(em: EntityManager, before: Policy, after: Policy): Promise<void>;
}

export class LifecycleService {
  private router: Router | null = null;
  private policyListener: PolicyListener | null = null;

  constructor(
    private readonly ds: DataSource,
    private readonly publisher: PromotionPublisher,
    private readonly maxFirst: number,
    private readonly outbox: TransitionOutbox | null = null,
  ) {}

  /** Wired after construction: routing (owners module) is built after this service. */
  setRouter(router: Router): void {
    this.router = router;
  }

  /** Wired after construction: the scoring engine is built after this service. */
  setPolicyListener(listener: PolicyListener): void {
    this.policyListener = listener;
  }

  /** Hands a committed transaction's transitions and logged changes to subscribers. */
  publish(transitions: StageTransition[], changes: WireChange[] = []): void {
    this.publisher.publish(transitions, changes);
  }

  /** Creates the default policy row on a new store (idempotent, safe with several instances). */
  async ensurePolicy(): Promise<void> {
    const d = DEFAULT_POLICY;
    await this.ds.query(
      `${insertIgnorePrefix(dialectOf(this.ds))} qualification_policy (id, lead_threshold, mql_threshold, ` +
        `sql_threshold, required_bant_criteria, hot_threshold, warm_threshold, temperature_window_days, ` +
        `updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        POLICY_ID,
        d.leadThreshold,
        d.mqlThreshold,
        d.sqlThreshold,
        d.requiredBantCriteria,
        d.hotThreshold,
        d.warmThreshold,
        d.temperatureWindowDays,
        dbDate(new Date()),
      ],
    );
  }

  /** The policy row (entity, for the API). */
  async policyEntity(em: EntityManager = this.ds.manager): Promise<QualificationPolicy> {
    const [row] = await selectEntities(em, QualificationPolicy, 'SELECT * FROM qualification_policy WHERE id = ?', [
      POLICY_ID,
    ]);
    if (!row) throw new Error('qualification policy row missing: ensurePolicy() was not run');
    return row;
  }

  /** The policy as the pure lifecycle functions take it. */
  async policy(em: EntityManager = this.ds.manager): Promise<Policy> {
    return toPolicy(await this.policyEntity(em));
  }

  /**
   * Applies every promotion the contact's current scores earn (contract
   * Lifecycle steps 1-3). Mutates `contact` (stage, stageChangedAt) and builds
   * one transition per stage passed, dated `at` but never before the previous
   * transition; the caller stores the contact's stage columns and the
   * transitions (insertTransitions, once per transaction). `engagedNow` marks
   * new engagement (NURTURE may be re-promoted).
   */
  async promote(
    em: EntityManager,
    contact: Contact,
    opts: { at: Date; engagedNow: boolean; policy?: Policy },
    out: StageTransition[] = [],
  ): Promise<StageTransition[]> {
    const policy = opts.policy ?? (await this.policy(em));
    const engagedSinceStageChange =
      opts.engagedNow ||
      (contact.lastEngagedAt !== null && contact.lastEngagedAt.getTime() > contact.stageChangedAt.getTime());
    const stages = promotions(
      {
        stage: contact.stage,
        fitScore: contact.fitScore,
        engagementScore: contact.engagementScore,
        engagedSinceStageChange,
      },
      policy,
    );
    if (stages.length === 0) return out;
    const at = new Date(Math.max(opts.at.getTime(), contact.lastTransitionAt?.getTime() ?? -Infinity));
    const created: StageTransition[] = [];
    for (const to of stages) {
      created.push(this.newTransition(contact, to as LifecycleStage, TransitionTrigger.SCORE, at, null, null));
      contact.stage = to as LifecycleStage;
    }
    contact.stageChangedAt = at;
    contact.lastTransitionAt = at;
    out.push(...created);
    return out;
  }

  /** Builds (does not write) a transition from the contact's current stage. */
  newTransition(
    contact: Contact,
    to: LifecycleStage,
    trigger: TransitionTrigger,
    at: Date,
    reason: string | null,
    actor: Viewer | null,
  ): StageTransition {
    const t = Object.assign(new StageTransition(), {
      contactId: contact.id,
      fromStage: contact.stage,
      toStage: to,
      trigger,
      reason,
      score: contact.score,
      actor: actor ? actorName(actor) : null,
      actorOwnerId: actor?.ownerId ?? null,
      occurredAt: at,
      partnerId: contact.partnerId,
      ownerId: contact.ownerId,
      keys: Object.assign(new GroupKeys(), contact.keys),
      createdAt: new Date(),
    });
    SUBJECTS.set(t, contact);
    return t;
  }

  /**
   * Inserts transitions with multi-row statements, in order, and reads their
   * ids back: the newest rows of these contacts are ours, because every
   * writer of a contact's transitions holds that contact's row lock (ids, the
   * subscription cursor order, follow causality). Before that it keeps the
   * stay bookkeeping of stays.ts: reads each contact's latest entry per
   * stage, closes the stays and conversions the new transitions end on the
   * stored rows, and stamps a contact's first transition on the contact.
   * The rows are written last, with the transaction's epoch (nextEpoch), so
   * callers call this once per transaction, as its last write but for rows
   * they already hold (the contacts' stage columns, a job's progress).
   * The transaction's contact changes (`changes`, plus STAGE and OWNER for
   * what the transitions and routing did) go into the change log with the
   * same epoch; a transaction with changes but no transitions calls it too.
   */
  async insertTransitions(
    em: EntityManager,
    transitions: StageTransition[],
    changes: ChangeSet = new ChangeSet(),
  ): Promise<void> {
    if (transitions.length === 0 && changes.size === 0) return;
    const seq = transitions.length
      ? await writeTransitions(em, transitions, changes, {
          router: this.router,
          outbox: this.outbox,
          syncGroupKeys: (tx, c) => this.syncGroupKeys(tx, c),
        })
      : await nextEpoch(em);
    await changes.write(em, seq, await this.policy(em), new Date(), transitions);
  }

  /** BANT qualification of an MQL by sales: SQL with enough criteria, else NURTURE. `at`: see sales-steps.ts. */
  qualify(viewer: Viewer, id: string, bant: Bant & { notes?: string | null }, at?: Date): Promise<Contact> {
    return qualifyContact(this.salesSteps(), viewer, id, bant, at);
  }

  /** Manual move to any other stage, with a reason; the actor is the key's name. `at`: see sales-steps.ts. */
  transition(viewer: Viewer, id: string, toStage: LifecycleStage, reason: string, at?: Date): Promise<Contact> {
    return moveContact(this.salesSteps(), viewer, id, toStage, reason, at);
  }

  private salesSteps(): SalesStepDeps {
    return {
      ds: this.ds,
      policy: (em) => this.policy(em),
      newTransition: (...args) => this.newTransition(...args),
      insertTransitions: (em, transitions) => this.insertTransitions(em, transitions),
      saveStage: (em, contact) => this.saveStage(em, contact),
      publish: (transitions) => this.publisher.publish(transitions),
    };
  }

  /**
   * Validates and stores a policy change, then re-evaluates every contact that could be promoted under it, in one
   * transaction.
   */
  async updatePolicy(viewer: Viewer, patch: Partial<Policy>): Promise<QualificationPolicy> {
    assertCan(viewer, 'manageScoring');
    const { row, transitions } = await transaction(this.ds, (em) => this.changePolicy(em, patch));
    this.publisher.publish(transitions);
    return row;
  }

  /**
   * updatePolicy inside the caller's transaction (applySimulation's); the caller publishes the transitions after it
   * commits.
   */
  async changePolicy(
    em: EntityManager,
    patch: Partial<Policy>,
  ): Promise<{ row: QualificationPolicy; transitions: StageTransition[] }> {
    const current = await this.policyEntity(em);
    const before = toPolicy(current);
    const next = mergePolicy(before, patch);
    const problem = validatePolicy(next);
    if (problem) throw badInput(`input.${problem.field}`, problem.message);
    const now = new Date();
    Object.assign(current, next, { updatedAt: now });
    await em.getRepository(QualificationPolicy).save(current);
    await this.policyListener?.policyChanged(em, before, next);
    const transitions = await this.reevaluateAll(em, next, now);
    return { row: current, transitions };
  }

  /** Promotes every score-managed contact the policy now promotes; candidates are found in SQL by threshold. */
  private async reevaluateAll(em: EntityManager, policy: Policy, at: Date): Promise<StageTransition[]> {
    const minThreshold = Math.min(
      policy.leadThreshold,
      policy.mqlThreshold,
      policy.sqlThreshold ?? Number.MAX_SAFE_INTEGER,
    );
    const out: StageTransition[] = [];
    const pageSize = 500;
    let lastId = '';
    for (;;) {
      const batch = await lockRows(
        em
          .getRepository(Contact)
          .createQueryBuilder('c')
          .where('c.stage IN (:...stages)', {
            stages: [LifecycleStage.PROSPECT, LifecycleStage.LEAD, LifecycleStage.MQL, LifecycleStage.NURTURE],
          })
          .andWhere('(c.score >= :min OR c.engagement_score >= :min)', { min: minThreshold })
          .andWhere('c.id > :lastId', { lastId })
          .orderBy('c.id', 'ASC')
          .limit(pageSize),
      ).getMany();
      for (const contact of batch) {
        const promoted = out.length;
        await this.promote(em, contact, { at, engagedNow: false, policy }, out);
        if (out.length === promoted) continue;
        contact.updatedAt = new Date(Math.max(contact.updatedAt.getTime(), Date.now()));
        await this.saveStage(em, contact);
      }
      if (batch.length < pageSize) break;
      lastId = batch[batch.length - 1].id;
    }
    // Once, after every contact lock: the epoch's lock is the transaction's last.
    await this.insertTransitions(em, out);
    return out;
  }

  /**
   * Copies the contact's group keys onto its stored transitions after a
   * change of its source, owner or partner (the caller holds the contact's
   * row lock), so metric breakdowns follow the contact's current values.
   */
  async syncGroupKeys(em: EntityManager, contact: Contact): Promise<void> {
    await em.query(
      `UPDATE stage_transitions SET ${GROUP_KEY_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE contact_id = ?`,
      [...groupKeyValues(contact.keys), contact.id],
    );
  }

  /** Writes a contact's stage columns. */
  async saveStage(em: EntityManager, contact: Contact): Promise<void> {
    await em.getRepository(Contact).update(
      { id: contact.id },
      {
        stage: contact.stage,
        stageChangedAt: contact.stageChangedAt,
        lastTransitionAt: contact.lastTransitionAt,
        updatedAt: contact.updatedAt,
      },
    );
  }

  /** Transitions of many contacts, each contact's oldest first, in one statement. */
  transitionsOf(contactIds: readonly string[]): Promise<StageTransition[]> {
    if (contactIds.length === 0) return Promise.resolve([]);
    // In ix_transitions_contact's order (contact_id, id): ordered by id alone, SQLite walks the whole table in id
    // order. Plain SQL: a contact page spends more in the query builder than in this statement.
    return selectEntities(
      this.ds.manager,
      StageTransition,
      `SELECT * FROM stage_transitions WHERE contact_id IN ${inList(contactIds.length)} ORDER BY contact_id, id`,
      [...contactIds],
    );
  }

  /** Qualifications of many contacts, oldest first, in one statement. */
  qualificationsOf(contactIds: readonly string[]): Promise<Qualification[]> {
    if (contactIds.length === 0) return Promise.resolve([]);
    return selectEntities(
      this.ds.manager,
      Qualification,
      `SELECT * FROM qualifications WHERE contact_id IN ${inList(contactIds.length)} ORDER BY qualified_at, id`,
      [...contactIds],
    );
  }

  /** The stageTransitions list, oldest first, partner-scoped. */
  async list(
    viewer: Viewer,
    filter: TransitionListFilter,
    first: number,
    after: string | null | undefined,
  ): Promise<Page<StageTransition>> {
    checkFirst(first, this.maxFirst);
    const qb = this.ds.getRepository(StageTransition).createQueryBuilder('t').where('1 = 1');
    const scope = partnerScope(viewer);
    if (scope !== null) qb.andWhere('t.contact_id IN (SELECT id FROM contacts WHERE partner_id = :scope)', { scope });
    if (filter.contactId) qb.andWhere('t.contact_id = :contactId', { contactId: filter.contactId });
    if (filter.toStages) {
      if (filter.toStages.length === 0) qb.andWhere('1 = 0');
      else qb.andWhere('t.to_stage IN (:...toStages)', { toStages: filter.toStages });
    }
    if (filter.triggers) {
      if (filter.triggers.length === 0) qb.andWhere('1 = 0');
      else qb.andWhere('t.trigger IN (:...triggers)', { triggers: filter.triggers });
    }
    if (filter.occurredAfter) qb.andWhere('t.occurred_at >= :oa', { oa: dbDate(filter.occurredAfter) });
    if (filter.occurredBefore) qb.andWhere('t.occurred_at < :ob', { ob: dbDate(filter.occurredBefore) });
    const totalCount = await qb.clone().getCount();
    return keysetPage(qb, OLDEST_FIRST, first, after, totalCount);
  }
}

/** The stageTransitions list's order: oldest first, ties by id. */
const OLDEST_FIRST: KeysetOrder<StageTransition> = {
  column: 't.occurred_at',
  idColumn: 't.id',
  direction: 'ASC',
  parts: ['time', 'serial'],
  cursor: (t) => [t.occurredAt.getTime(), t.id],
  bind: (v) => dbDate(Number(v)),
};
