/** Rescore jobs: recompute every contact from its stored activities and the active rules. */
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { JobState, RescoreJob } from './rescore-job.entity';
import type { RescoreTrigger } from './scoring.service';

export class RescoreService implements RescoreTrigger {
  constructor(private readonly ds: DataSource) {}

  /** Queues a rescore unless one is already queued (a queued job will read the newest rules when it starts). */
  async requestRescore(em: EntityManager = this.ds.manager): Promise<RescoreJob> {
    const queued = await em.getRepository(RescoreJob).findOne({ where: { state: JobState.QUEUED }, order: { startedAt: 'ASC' } });
    if (queued) return queued;
    const job = Object.assign(new RescoreJob(), { id: randomUUID(), state: JobState.QUEUED, processed: 0, total: 0, lastContactId: null, runner: null, heartbeatAt: null, startedAt: new Date(), finishedAt: null, error: null });
    await em.getRepository(RescoreJob).insert(job);
    return job;
  }

  get(id: string): Promise<RescoreJob | null> {
    return this.ds.getRepository(RescoreJob).findOne({ where: { id } });
  }
}
