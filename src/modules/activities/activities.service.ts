/**
 * Ingestion: recordActivity / recordActivities. One transaction per batch:
 * drop idempotent repeats, read the rules (holding off rule changes until
 * commit), resolve (or create) and lock the contacts, score the new
 * activities incrementally, write everything with multi-row statements, and
 * publish the promotions only after commit. A batch that names its contacts
 * by id and that no rule scores reads no contact: the activities' foreign
 * key checks that they exist.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import {
  Activity,
  Contact,
  normaliseEmail,
  CONTACT_COLUMNS,
  contactRow,
  newContact,
  type StageTransition,
} from '../../model';
import { type ActivityData, MAX_BATCH, validateActivity } from './activity.validation';
import {
  type BuiltActivities,
  type Prepared,
  buildActivities,
  inScoringOrder,
  throwIfMissing,
  touchLastActivity,
} from './ingest-batch';
import { assignGroupKeys } from '../../db/group-keys';
import type { LifecycleService } from '../lifecycle';
import type { ScoreEngine, ScoringRun } from '../scoring';
import { type PromotionPublisher, ChangeSet, ContactChangeKind, type WireChange } from '../realtime';
import { type Viewer, assertCan, partnerScope } from '../access';
import { DomainError, badInput } from '../../graphql/errors';
import { type Page, checkFirst } from '../../graphql/pagination';
import { type ActivityPageArgs, activityPages } from './activity.pages';
import {
  dialectOf,
  forUpdate,
  inList,
  isForeignKeyViolation,
  isUniqueViolation,
  transaction,
  usePrimaryKey,
  valuesPlaceholders,
  violatedIndex,
} from '../../db/portable';
import { selectEntities } from '../../db/hydrate';
import { type PreparedInsert, insertRows, prepareInsert } from '../../db/bulk';
import { ACTIVITY_COLUMNS, activityRow } from './activity.rows';
import { ScoreChangeCause, insertScoreEvents, scoreEvent } from '../scoring';

/** What recordActivities returns. */
export interface RecordResult {
  activities: Activity[];
  transitions: StageTransition[];
  duplicates: number;
  /** The contact changes the batch logged (contactChanged). */
  changes: WireChange[];
}

/** Counters for observability (ingestion counts). */
export interface IngestionStats {
  recorded: number;
  duplicates: number;
  batches: number;
}

export class ActivitiesService {
  readonly stats: IngestionStats = { recorded: 0, duplicates: 0, batches: 0 };

  constructor(
    private readonly ds: DataSource,
    private readonly scoring: ScoreEngine,
    private readonly lifecycle: LifecycleService,
    private readonly publisher: PromotionPublisher,
    private readonly maxFirst: number,
  ) {}

  /** recordActivity: one input, errors name `input.<field>`. */
  async recordOne(viewer: Viewer, input: ActivityData): Promise<Activity> {
    return (await this.record(viewer, [input], 'input')).activities[0];
  }

  /** recordActivities: 1..1000 inputs, all or nothing; errors name `inputs[i].<field>` and carry `index`. */
  async record(viewer: Viewer, inputs: ActivityData[], single?: 'input'): Promise<RecordResult> {
    assertCan(viewer, 'recordActivities');
    if (inputs.length === 0 || inputs.length > MAX_BATCH)
      throw badInput('inputs', `must hold 1 to ${MAX_BATCH} activities, got ${inputs.length}`);
    const now = new Date();
    const prepared: Prepared[] = inputs.map((input, index) => {
      const prefix = single ?? `inputs[${index}]`;
      try {
        const { occurredAt, propertiesJson } = validateActivity(input, prefix, now);
        const email = input.contactEmail ? normaliseEmail(input.contactEmail, `${prefix}.contactEmail`) : null;
        return { input, index, occurredAt, propertiesJson, email };
      } catch (err) {
        if (err instanceof DomainError && !single) Object.assign(err.extra, { index });
        throw err;
      }
    });
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await transaction(this.ds, (em) => this.recordInTx(em, viewer, prepared, now, single));
        this.stats.batches++;
        this.stats.recorded += result.activities.length - result.duplicates;
        this.stats.duplicates += result.duplicates;
        this.publisher.publish(result.transitions, result.changes);
        return result;
      } catch (err) {
        // A concurrent request recorded the same idempotency key (or created the same prospect) first:
        // the unique index stopped us; running again returns what it recorded.
        if (attempt < 4 && isUniqueViolation(err) && /idempotency|email/.test(violatedIndex(err) ?? '')) continue;
        throw err;
      }
    }
  }

  private async recordInTx(
    em: EntityManager,
    viewer: Viewer,
    prepared: Prepared[],
    now: Date,
    single?: string,
  ): Promise<RecordResult> {
    const keys = [...new Set(prepared.map((p) => p.input.idempotencyKey).filter((k): k is string => !!k))];
    const existing = new Map<string, Activity>();
    if (keys.length) {
      for (const a of await em
        .getRepository(Activity)
        .createQueryBuilder('a')
        .where('a.idempotency_key IN (:...keys)', { keys })
        .getMany()) {
        existing.set(a.idempotencyKey!, a);
      }
    }
    // Scoring opens first: its rules then hold until commit.
    const opening = this.scoring.open(em, { hot: true });
    // A batch that names its contacts by id has its activities (and, when scoring is likely to give them no points,
    // the bound text of its insert) built while the rules are on their way: the store's work and ours overlap.
    // A wrong guess costs the binding, done again after scoring.
    let early: { built: BuiltActivities; insert: PreparedInsert | null } | null = null;
    if (prepared.every((p) => !p.email)) {
      const likely = this.scoring.likelyScoresActivities();
      opening.catch(() => undefined); // awaited below; a failure must not count as unhandled meanwhile
      await new Promise(setImmediate); // lets the statement reach the store first
      const built = buildActivities(prepared, existing, (p) => p.input.contactId!, now);
      early = { built, insert: likely ? null : this.insertActivities(em, built) };
    }
    const run = await opening;
    // When no activity can earn points, no score, stage or temperature can move.
    const scored = run.scoresActivities;
    const fresh = prepared.filter((p) => !p.input.idempotencyKey || !existing.has(p.input.idempotencyKey));
    if (early && !scored) {
      await touchLastActivity(em, early.built.added);
      // No contact is read: the activities' foreign key confirms that each one exists.
      await this.insertNaming(em, fresh, early.insert ?? this.insertActivities(em, early.built), single);
      return { activities: early.built.results, transitions: [], duplicates: early.built.duplicates, changes: [] };
    }
    // Made per attempt: record() runs this again after a unique violation, transaction() after a deadlock.
    const log = new ChangeSet();
    const contacts = await this.lockContacts(em, viewer, fresh, now, run, log, single);
    // An id-named contact was found by its exact id (or the lock threw NOT_FOUND): only emails need mapping.
    const byEmail = new Map(contacts.map((c) => [c.email, c.id]));
    const built =
      early?.built ??
      buildActivities(prepared, existing, (p) => (p.email ? byEmail.get(p.email)! : p.input.contactId!), now);
    let transitions: StageTransition[] = [];
    if (scored) {
      const byContact = inScoringOrder(built.added);
      const touched = contacts.filter((c) => byContact.has(c.id));
      // Writes the contacts' scores, temperatures and lastActivityAt in one upsert.
      transitions = await run.addActivities(touched, byContact, now, log);
    } else await touchLastActivity(em, built.added);
    await this.insertActivities(em, built).run();
    await this.lifecycle.insertTransitions(em, transitions, log);
    return { activities: built.results, transitions, duplicates: built.duplicates, changes: log.written };
  }

  /**
   * The insert of a batch's new activities, their points as scored. Rows go
   * in contact order: the foreign key check share-locks each contact as its
   * row is written, so batches and contact lockers queue in one order.
   */
  private insertActivities(em: EntityManager, built: BuiltActivities): PreparedInsert {
    const order = built.added
      .map((_, i) => i)
      .sort((i, j) =>
        built.added[i].contactId < built.added[j].contactId
          ? -1
          : built.added[i].contactId > built.added[j].contactId
            ? 1
            : i - j,
      );
    return prepareInsert(
      em,
      'activities',
      ACTIVITY_COLUMNS,
      order.map((i) => activityRow(built.added[i], built.addedJson[i])),
    );
  }

  /**
   * Runs the insert of a batch whose contacts were not read: when the foreign
   * key finds one missing, the first of the `fresh` inputs naming it fails.
   */
  private async insertNaming(
    em: EntityManager,
    fresh: Prepared[],
    insert: PreparedInsert,
    single?: string,
  ): Promise<void> {
    try {
      await insert.run();
    } catch (err) {
      if (!isForeignKeyViolation(err)) throw err;
      const ids = [...new Set(fresh.map((p) => p.input.contactId!))];
      const found: { id: string }[] = await em.query(
        `SELECT id FROM contacts WHERE id IN ${valuesPlaceholders(1, ids.length)}`,
        ids,
      );
      throwIfMissing(fresh, new Set(found.map((r) => r.id)), single);
      throw err;
    }
  }

  /**
   * Locks every contact the batch names, creating PROSPECTs for unknown
   * emails (with their fit under the run's rules). Known contacts are locked first,
   * through the primary key in id order; unknown emails are then inserted in
   * email order (a concurrent creation of the same email waits for the first
   * and yields to it) and their rows locked. Every batch takes its locks in
   * these same ordered phases, so concurrent batches over shared contacts
   * queue, not deadlock. Unless the run scores activities, only the contacts' ids (and emails,
   * when the batch names contacts by email) are read: on SQLite an id alone
   * is read from the primary key index, without visiting the row.
   */
  private async lockContacts(
    em: EntityManager,
    viewer: Viewer,
    prepared: Prepared[],
    now: Date,
    run: ScoringRun,
    log: ChangeSet,
    single?: string,
  ): Promise<Contact[]> {
    const ids = new Set(prepared.filter((p) => !p.email).map((p) => p.input.contactId!));
    const emails = [...new Set(prepared.filter((p) => p.email).map((p) => p.email!))];
    const columns = run.scoresActivities ? '*' : emails.length ? 'id, email' : 'id';
    if (emails.length) {
      const known: { id: string }[] = await em.query(
        `SELECT id FROM contacts WHERE email IN ${inList(emails.length)}`,
        emails,
      );
      for (const r of known) ids.add(r.id);
    }
    const dialect = dialectOf(em);
    // Through the primary key in key order: transactions locking this way queue for shared rows in one global order.
    const contacts = ids.size
      ? await selectEntities(
          em,
          Contact,
          `SELECT ${columns} FROM contacts${usePrimaryKey(dialect)} WHERE id IN ` +
            `${valuesPlaceholders(1, ids.size)} ORDER BY id${forUpdate(dialect)}`,
          [...ids],
        )
      : [];
    throwIfMissing(
      prepared.filter((p) => !p.email),
      new Set(contacts.map((c) => c.id)),
      single,
    );
    // Emails absent from the locked rows: unknown when read, or (rarely) moved to another contact since.
    const lockedEmails = new Set(contacts.map((c) => c.email));
    const missing = emails.filter((e) => !lockedEmails.has(e)).sort();
    if (missing.length) {
      const created = missing.map((email) => {
        const c = newContact({ email, partnerId: partnerScope(viewer) }, now);
        c.fitScore = c.score = run.fitScore(c);
        return c;
      });
      const events = created
        .filter((c) => c.fitScore !== 0)
        .map((c) => scoreEvent(c, c.fitScore, ScoreChangeCause.FIT_CHANGED, now.getTime()));
      await assignGroupKeys(em, created);
      await insertRows(em, 'contacts', CONTACT_COLUMNS, created.map(contactRow), true);
      const locked = await selectEntities(
        em,
        Contact,
        `SELECT ${columns} FROM contacts WHERE email IN ${valuesPlaceholders(1, missing.length)} ORDER BY ` +
          `email${forUpdate(dialect)}`,
        missing,
      );
      // A prospect another request created first (the insert ignored ours) has its own history.
      const ours = new Set(locked.map((c) => c.id));
      await insertScoreEvents(
        em,
        events.filter((e) => ours.has(e.contactId)),
      );
      for (const c of created) if (ours.has(c.id)) log.note(c, [ContactChangeKind.CREATED]);
      contacts.push(...locked);
    }
    return contacts;
  }

  /** Pages of activities for many contacts in one statement (activity.pages.ts); the loaders scoped the contacts. */
  listForContacts(contactIds: readonly string[], args: ActivityPageArgs): Promise<Map<string, Page<Activity>>> {
    checkFirst(args.first, this.maxFirst);
    return activityPages(this.ds, contactIds, args);
  }
}
