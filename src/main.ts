/** Wiring only: config -> db -> services -> server. `npm start` runs this file. */
import 'reflect-metadata';
import pino from 'pino';
import { type Config, ConfigError, loadConfig } from './config/config';
import { createDataSource, openDatabase, pingDatabase } from './db/data-source';
import { buildAppSchema } from './graphql/schema';
import { type Services } from './graphql/context';
import { startServer, type RunningServer } from './server/server';
import { AccessService, KeyCache, RedisKeyChannel } from './modules/access';
import { ContactsService } from './modules/contacts';
import { ActivitiesService } from './modules/activities';
import { JobState, RescoreJob, ScoreHistoryReader, createScoring } from './modules/scoring';
import { LifecycleService } from './modules/lifecycle';
import { MetricsService } from './modules/metrics';
import { PromotionBus, PromotionLog, RealtimeService, type PromotionPublisher } from './modules/realtime';
import { OwnersService } from './modules/owners';
import { type DataSource } from 'typeorm';
import Redis from 'ioredis';
import { Metrics } from './server/observability';
import { RateLimiter } from './server/rate-limit';
import { type Clock, WebhookOutbox, WebhookWorker, WebhooksService, systemClock } from './modules/webhooks';
import { readDeploymentId, redisNamespace } from './db/deployment';
import { createInsights } from './modules/insights';

/** A started service: what tests and the CLI entry hold on to. */
export interface App {
  config: Config;
  ds: DataSource;
  services: Services;
  server: RunningServer;
  url: string;
  /** The ADMIN secret generated on the first start (null when keys already existed or ADMIN_API_KEY is set). */
  generatedAdminSecret: string | null;
  stop(): Promise<void>;
}

/** Starts everything for a config; `exposeSqlCount` is for tests. */
export async function startApp(config: Config, opts: { exposeSqlCount?: boolean; clock?: Clock } = {}): Promise<App> {
  const logger = pino({ level: config.logLevel, base: undefined });
  const ds = await openDatabase(
    createDataSource(config.database, (message) => logger.warn({ message }, 'query failed'), config.databasePool),
  );
  const keyCache = new KeyCache(config.apiKeyCache);
  const access = new AccessService(ds, keyCache);
  // First, so a refused ADMIN_API_KEY stops the start before anything else holds resources.
  const { generatedSecret } = await access.bootstrap(config.adminApiKey).catch(async (err) => {
    await ds.destroy();
    throw err;
  });
  const promotionLog = new PromotionLog(ds);
  const deployment = await readDeploymentId(ds);
  const namespace = redisNamespace(config.guards.redisPrefix, deployment);
  // Poll and gap wait bound how late an event can be when Redis loses it.
  const publisher = new PromotionBus(
    promotionLog,
    { redisUrl: config.redisUrl, pollMs: 1000, gapMs: 200, orphanMs: config.promotionOrphanMs, namespace, deployment },
    (message, err) => logger.warn({ err }, message),
  );
  await publisher.start();
  // One SQLite file is one process, so no other instance changes its keys: the cache always serves. On MySQL it
  // serves only while Redis carries key changes between instances (src/modules/access/key-channel.ts).
  const keyChannel =
    config.database.kind === 'mysql' && config.redisUrl
      ? new RedisKeyChannel(keyCache, { redisUrl: config.redisUrl, namespace, heartbeatMs: 1000 }, (message, err) =>
          logger.warn({ err }, message),
        )
      : null;
  if (config.database.kind === 'sqlite') keyCache.setLive(true);
  keyChannel?.start();
  if (keyChannel) access.setKeyChangePublisher((keyId) => keyChannel.publish(keyId));
  // Bootstrap may have retired an earlier ADMIN_API_KEY: instances still holding it drop it before this one serves
  // (Redis being down delays the start by the publish's bounded retries, then it warns).
  if (config.adminApiKey) await access.keyChanged(null);
  // Webhooks: the outbox is written with the transitions; this instance's worker starts on them as soon as they commit.
  const clock = opts.clock ?? systemClock;
  const outbox = new WebhookOutbox(ds, clock);
  const webhookWorker = new WebhookWorker(outbox, config.webhooks, clock, (message, err) =>
    logger.warn({ err }, message),
  );
  const notify: PromotionPublisher = {
    publish: (transitions, changes) => (publisher.publish(transitions, changes), webhookWorker.wake()),
  };
  const lifecycle = new LifecycleService(ds, notify, config.limits.maxFirst, outbox);
  const owners = new OwnersService(ds);
  owners.onRename(() => access.keyChanged(null));
  lifecycle.setRouter(owners);
  const scoring = createScoring(ds, lifecycle, notify, {
    batchSize: config.rescoreBatchSize,
    pollMs: 1000,
    staleMs: 30_000,
  });
  const rescore = scoring.rescore;
  const services: Services = {
    access,
    lifecycle,
    scoring,
    rescore,
    contacts: new ContactsService(ds, scoring.engine, lifecycle, notify, config.limits.maxFirst, owners),
    activities: new ActivitiesService(ds, scoring.engine, lifecycle, notify, config.limits.maxFirst),
    metrics: new MetricsService(ds),
    realtime: new RealtimeService(promotionLog, publisher, config.subscriptionQueueLimit),
    owners,
    scoreHistory: new ScoreHistoryReader(ds, config.limits.maxFirst),
    webhooks: new WebhooksService(ds, outbox, { ...config.webhooks, maxFirst: config.limits.maxFirst }, clock, () =>
      webhookWorker.wake(),
    ),
    insights: createInsights(
      ds,
      { scoring: scoring.rules, lifecycle, publisher: notify },
      { batchSize: config.rescoreBatchSize, maxFirst: config.limits.maxFirst },
    ),
  };
  await lifecycle.ensurePolicy();
  await owners.ensureRouting();
  rescore.start((err) => logger.error({ err }, 'rescore job failed'));
  webhookWorker.start();
  const sweep = setInterval(() => {
    // Expired points and points that left the temperature window, as of the service's clock.
    scoring.sweepExpired(new Date(clock.now())).catch((err) => logger.warn({ err }, 'score sweep failed'));
  }, config.expirySweepMs);
  sweep.unref();
  // A frozen Redis must not hold requests either: a command without an answer fails and the limiter counts in memory.
  const rateStore = config.redisUrl
    ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 500 })
    : null;
  rateStore?.on('error', (err) => logger.warn({ err }, 'rate limit store error'));
  const server = await startServer({
    config,
    metrics: new Metrics(),
    rateLimiter: new RateLimiter(config.rateLimits, rateStore, {
      keyPrefix: namespace,
      budgets: config.guards.costBudgets,
      log: (message, err) => logger.warn({ err }, message),
    }),
    gauges: async () => {
      const job = await ds.getRepository(RescoreJob).findOne({ where: { state: JobState.RUNNING } });
      const s = services.activities.stats;
      return [
        {
          name: 'lq_active_subscriptions',
          help: 'leadPromoted subscriptions open on this instance',
          value: services.realtime.activeSubscriptions,
        },
        { name: 'lq_activities_recorded', help: 'Activities recorded by this instance since start', value: s.recorded },
        {
          name: 'lq_activities_duplicates',
          help: 'Repeated idempotency keys seen by this instance since start',
          value: s.duplicates,
        },
        {
          name: 'lq_ingest_batches',
          help: 'recordActivity(ies) calls committed by this instance since start',
          value: s.batches,
        },
        {
          name: 'lq_rescore_processed',
          help: 'Contacts done by the running rescore job (0 when none)',
          value: job?.processed ?? 0,
        },
        {
          name: 'lq_rescore_total',
          help: 'Contacts the running rescore job covers (0 when none)',
          value: job?.total ?? 0,
        },
        {
          name: 'lq_webhook_attempts',
          help: 'Webhook delivery attempts made by this instance since start',
          value: webhookWorker.attempts,
        },
      ];
    },
    schema: await buildAppSchema(),
    services,
    logger,
    exposeSqlCount: opts.exposeSqlCount,
    ready: () => pingDatabase(ds, config.readyTimeoutMs),
  });
  return {
    config,
    ds,
    services,
    server,
    url: `http://127.0.0.1:${server.port}/graphql`,
    generatedAdminSecret: generatedSecret,
    async stop() {
      clearInterval(sweep);
      await server.stop();
      await webhookWorker.stop();
      await rescore.stop();
      await services.insights.simulation.stop();
      await publisher.stop();
      await keyChannel?.stop();
      rateStore?.disconnect();
      await ds.destroy();
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await startApp(config);
  if (app.generatedAdminSecret) {
    console.log(
      `\nNo API key existed, so an ADMIN key was created. Its secret is shown this once:\n\n  ` +
        `${app.generatedAdminSecret}\n\nUse it as: Authorization: Bearer ${app.generatedAdminSecret}\n`,
    );
  }
  console.log(
    `lead-qualification engine listening on http://localhost:${app.server.port}/graphql (${config.database.kind})`,
  );
  console.log(`web console at http://localhost:${app.server.port}/`);
  const shutdown = (signal: string) => {
    console.log(`${signal}: draining`);
    app.stop().then(
      () => {
        console.log(`${signal}: stopped`);
        process.exit(0);
      },
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof ConfigError ? `config error: ${err.message}` : err);
    process.exit(1);
  });
}
