/**
 * Rescore jobs: recompute every contact from its stored activities and the
 * active rules, in keyset batches (memory stays flat), one job at a time
 * across all instances. A job whose runner stops heartbeating (a dead process)
 * is taken over and resumed from its last finished batch.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type DataSource, type EntityManager, IsNull } from 'typeorm';
import { JobState, RescoreJob } from './rescore-job.entity';
import type { RescoreTrigger } from './rules.service';
import type { ScoreEngine } from './score-engine';
import type { LifecycleService } from '../lifecycle';
import { type PromotionPublisher, ChangeSet, type WireChange } from '../realtime';
import { Contact, type StageTransition } from '../../model';
import { dbDate, lockRows, transaction } from '../../db/portable';
import { DatabaseUnavailableError } from '../../graphql/errors';

/** Tuning of the job runner. */
export interface RescoreOptions {
  batchSize: number;
  /** How often idle instances look for work. */
  pollMs: number;
  /** A RUNNING job without a heartbeat for this long is considered orphaned. */
  staleMs: number;
}

export class RescoreService implements RescoreTrigger {
  private readonly runnerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;
  private onError: (err: unknown) => void = () => undefined;

  constructor(
    private readonly ds: DataSource,
    private readonly engine: ScoreEngine,
    private readonly lifecycle: LifecycleService,
    private readonly publisher: PromotionPublisher,
    private readonly opts: RescoreOptions,
  ) {}

  /**
   * Queues a rescore, reusing a job that is still QUEUED (it reads the newest
   * rules when it starts). A change while a job runs queues a fresh run.
   */
  async requestRescore(em?: EntityManager): Promise<RescoreJob> {
    if (!em) return transaction(this.ds, (tx) => this.requestRescore(tx));
    // Locking the QUEUED range (a gap lock when empty, on MySQL) makes two racing requests queue one job:
    // the second waits, or deadlocks and is retried by transaction(), and then finds the first one's job.
    const queued = await lockRows(
      em
        .getRepository(RescoreJob)
        .createQueryBuilder('j')
        .where('j.state = :state', { state: JobState.QUEUED })
        .orderBy('j.startedAt', 'ASC'),
    ).getOne();
    if (queued) return queued;
    const job = Object.assign(new RescoreJob(), {
      id: randomUUID(),
      state: JobState.QUEUED,
      processed: 0,
      total: await em.getRepository(Contact).count(),
      lastContactId: null,
      runner: null,
      heartbeatAt: null,
      startedAt: new Date(),
      finishedAt: null,
      error: null,
    });
    await em.getRepository(RescoreJob).insert(job);
    // The caller's transaction commits first; look for the job right after.
    setTimeout(() => this.tick(), 20).unref();
    return job;
  }

  get(id: string): Promise<RescoreJob | null> {
    return this.ds.getRepository(RescoreJob).findOne({ where: { id } });
  }

  /** Starts polling for jobs (queued ones, or orphaned ones to resume). */
  start(onError: (err: unknown) => void): void {
    this.onError = onError;
    this.stopping = false;
    this.timer = setInterval(() => this.tick(), this.opts.pollMs);
    this.timer.unref();
    this.tick();
  }

  /** Stops after the batch in flight; an unfinished job stays RUNNING and is resumed by the next runner. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Resolves when no job is queued or running (tests, seeding). */
  async idle(timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const busy = await this.ds
        .getRepository(RescoreJob)
        .count({ where: [{ state: JobState.QUEUED }, { state: JobState.RUNNING }] });
      if (busy === 0 && !this.running) return;
      this.tick();
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('rescore did not finish in time');
  }

  private tick(): void {
    if (this.running || this.stopping) return;
    this.running = this.claimAndRun()
      .catch((err) => this.onError(err))
      .finally(() => {
        this.running = null;
      });
  }

  private async claimAndRun(): Promise<void> {
    for (;;) {
      const job = await this.claim();
      if (!job) return;
      await this.run(job);
      if (this.stopping) return;
    }
  }

  /** Claims an orphaned RUNNING job, else the oldest QUEUED one, with conditional updates (safe across instances). */
  private async claim(): Promise<RescoreJob | null> {
    const repo = this.ds.getRepository(RescoreJob);
    const now = new Date();
    const running = await repo.findOne({ where: { state: JobState.RUNNING }, order: { startedAt: 'ASC' } });
    if (running) {
      const beat = running.heartbeatAt?.getTime() ?? 0;
      // A job of this runner found here was left by its own stop() (claim runs only while no job of ours runs): resume
      // it now.
      if (running.runner !== this.runnerId && now.getTime() - beat < this.opts.staleMs) return null;
      const taken = await repo
        .createQueryBuilder()
        .update()
        .set({ runner: this.runnerId, heartbeatAt: now })
        .where('id = :id AND state = :state AND (heartbeat_at = :beat OR heartbeat_at IS NULL)', {
          id: running.id,
          state: JobState.RUNNING,
          beat: running.heartbeatAt ? dbDate(running.heartbeatAt) : null,
        })
        .execute();
      return taken.affected === 1 ? { ...running, runner: this.runnerId, heartbeatAt: now } : null;
    }
    const queued = await repo.findOne({
      where: { state: JobState.QUEUED, finishedAt: IsNull() },
      order: { startedAt: 'ASC' },
    });
    if (!queued) return null;
    const total = await this.ds.getRepository(Contact).count();
    const taken = await repo
      .createQueryBuilder()
      .update()
      .set({ state: JobState.RUNNING, runner: this.runnerId, heartbeatAt: now, startedAt: now, total })
      .where('id = :id AND state = :state', { id: queued.id, state: JobState.QUEUED })
      .execute();
    return taken.affected === 1
      ? { ...queued, state: JobState.RUNNING, runner: this.runnerId, heartbeatAt: now, startedAt: now, total }
      : null;
  }

  /** Runs a claimed job batch by batch; each batch is one transaction that also records progress. */
  private async run(job: RescoreJob): Promise<void> {
    try {
      for (;;) {
        if (this.stopping) return;
        const { done, transitions, changes, owned } = await transaction(this.ds, (em) => this.runBatch(em, job));
        this.publisher.publish(transitions, changes);
        if (!owned) return;
        if (done) break;
        // SQLite calls are synchronous: without a turn of the event loop here, back-to-back batches would starve HTTP
        // requests and timers.
        await new Promise((resolve) => setImmediate(resolve));
      }
      // Contacts deleted or created while it ran move the count: done means processed = total.
      await this.ds
        .getRepository(RescoreJob)
        .createQueryBuilder()
        .update()
        .set({ state: JobState.SUCCEEDED, finishedAt: new Date(), heartbeatAt: new Date(), total: () => 'processed' })
        .where('id = :id AND runner = :runner', { id: job.id, runner: this.runnerId })
        .execute();
    } catch (err) {
      // Without the database the job cannot be marked anyway: it stays RUNNING and resumes from its last batch once the
      // database is back.
      if (err instanceof DatabaseUnavailableError) throw err;
      await this.ds.getRepository(RescoreJob).update(
        { id: job.id, runner: this.runnerId },
        {
          state: JobState.FAILED,
          finishedAt: new Date(),
          error: String((err as Error)?.message ?? err).slice(0, 1000),
        },
      );
      // Batches already committed are consistent per contact; the next rule change or rescoreContacts reruns the whole
      // set.
      throw err;
    }
  }

  private async runBatch(
    em: EntityManager,
    job: RescoreJob,
  ): Promise<{ done: boolean; transitions: StageTransition[]; changes: WireChange[]; owned: boolean }> {
    const jobs = em.getRepository(RescoreJob);
    const current = await lockRows(jobs.createQueryBuilder('j').where('j.id = :id', { id: job.id })).getOne();
    if (!current || current.runner !== this.runnerId || current.state !== JobState.RUNNING)
      return { done: true, transitions: [], changes: [], owned: false };
    const contacts = await lockRows(
      em
        .getRepository(Contact)
        .createQueryBuilder('c')
        .where('c.id > :last', { last: current.lastContactId ?? '' })
        .orderBy('c.id', 'ASC')
        .limit(this.opts.batchSize),
    ).getMany();
    if (contacts.length === 0) return { done: true, transitions: [], changes: [], owned: true };
    const now = new Date();
    const log = new ChangeSet();
    const transitions = await (await this.engine.open(em)).recompute(contacts, now, log);
    await this.lifecycle.insertTransitions(em, transitions, log);
    const processed = current.processed + contacts.length;
    await jobs.update(
      { id: job.id },
      {
        processed,
        total: Math.max(current.total, processed),
        lastContactId: contacts[contacts.length - 1].id,
        heartbeatAt: now,
      },
    );
    return { done: contacts.length < this.opts.batchSize, transitions, changes: log.written, owned: true };
  }
}
