/**
 * Faults: the database or Redis going away under a running service. The
 * database cases run against a MariaDB server of this file's own (whatever
 * TEST_DB says: SQLite is in-process and cannot go away), stopped, killed and
 * frozen here; the Redis cases run a redis-server of their own next to the
 * TEST_DB store.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { type App } from '../../src/main';
import { createTestDatabase } from '../helpers/app';
import { collect, sleep, wsClient } from '../helpers/ws';
import type { ScratchDatabase } from '../helpers/scratch-database';
import {
  MARIADBD,
  INSTALL_DB,
  REDIS_SERVER,
  freePort,
  until,
  type OwnServer,
  mariadb,
  redisServer,
  call,
  gql,
  ok,
  expectDatabaseUnavailable,
  startFaultApp,
} from '../helpers/fault-servers';

const readyStatus = async (app: App) => (await call(app, '/readyz')).status;
const VIEWER = '{ viewer { id role } }';
const CREATE = 'mutation($input: CreateContactInput!) { createContact(input: $input) { id email } }';
const RECORD = 'mutation($inputs: [ActivityInput!]!) { recordActivities(inputs: $inputs) { duplicates } }';
const CONTACT =
  'query($email: String!) { contactByEmail(email: $email) { engagementScore activities { totalCount } } }';
const email = (tag: string) => `${tag}.${randomBytes(4).toString('hex')}@faults.example.com`;

const noMariaDb = !MARIADBD || !INSTALL_DB ? 'mariadbd or mariadb-install-db not found' : null;
if (noMariaDb) console.warn(`faults.test: database fault cases skipped: ${noMariaDb}`);

(noMariaDb ? describe.skip : describe)('the database going away (a MariaDB server of its own)', () => {
  let server: OwnServer | undefined;
  let app: App | undefined;
  const POINTS = 5;

  beforeAll(async () => {
    const db = await mariadb();
    server = db.server;
    // Small rescore batches make a job long enough to be cut by a kill.
    app = await startFaultApp(db.url, { RESCORE_BATCH_SIZE: '10' });
    await ok(app, 'mutation($input: ScoringRuleInput!) { createScoringRule(input: $input) { id } }', {
      input: { name: 'visit', kind: 'BEHAVIOR', activityType: 'visit', points: POINTS },
    });
    await app.services.rescore.idle();
  }, 120_000);

  afterAll(async () => {
    await server?.signal('SIGCONT');
    await app?.stop().catch(() => undefined);
    await server?.dispose();
  }, 60_000);

  it('stopped: /readyz turns 503; requests fail fast with 503, DATABASE_UNAVAILABLE and Retry-After', async () => {
    const before = await ok(app!, CREATE, { input: { email: email('before') } });
    await server!.signal('SIGTERM');
    await until('/readyz 503', async () => (await readyStatus(app!)) === 503);
    expect((await call(app!, '/healthz')).status).toBe(200);
    expectDatabaseUnavailable(await gql(app!, VIEWER));
    expectDatabaseUnavailable(await gql(app!, CREATE, { input: { email: email('during') } }));
    expectDatabaseUnavailable(
      await gql(app!, 'query($id: ID!) { contact(id: $id) { id } }', { id: before.createContact.id }),
    );
  }, 60_000);

  it('started again: the same process recovers by itself, with the data written before', async () => {
    await server!.start();
    await until('/readyz 200', async () => (await readyStatus(app!)) === 200);
    expect((await ok(app!, VIEWER)).viewer.role).toBe('ADMIN');
    const created = (await ok(app!, CREATE, { input: { email: email('after') } })).createContact;
    expect((await ok(app!, 'query($id: ID!) { contact(id: $id) { email } }', { id: created.id })).contact.email).toBe(
      created.email,
    );
  }, 60_000);

  it('SIGKILL under recordActivities batches: each batch all or nothing, scores match the activities', async () => {
    const PER_CONTACT = 10;
    const batch = (n: number) => {
      const emails = Array.from(
        { length: 100 },
        (_, i) => `b${n}.c${i}.${randomBytes(3).toString('hex')}@faults.example.com`,
      );
      const inputs = emails.flatMap((contactEmail) =>
        Array.from({ length: PER_CONTACT }, (_, k) => ({
          contactEmail,
          type: 'visit',
          idempotencyKey: `${contactEmail}#${k}`,
        })),
      );
      return { emails, inputs, outcome: 'not sent' as 'not sent' | 'recorded' | 'failed' };
    };
    const batches: ReturnType<typeof batch>[] = [];
    let stop = false;
    let firstDone!: (ms: number) => void;
    const firstBatchMs = new Promise<number>((resolve) => (firstDone = resolve));
    // Two writers send batches back to back until the database dies under them.
    const writer = async () => {
      while (!stop) {
        const b = batch(batches.length);
        batches.push(b);
        const sent = Date.now();
        const res = await gql(app!, RECORD, { inputs: b.inputs });
        if (res.status === 200 && !res.body.errors) {
          b.outcome = 'recorded';
          firstDone(Date.now() - sent);
        } else {
          expectDatabaseUnavailable(res);
          b.outcome = 'failed';
          return;
        }
      }
    };
    const writers = [writer(), writer()];
    // The writer that finished first is half-way through its next batch now.
    await sleep((await firstBatchMs) / 2);
    await server!.signal('SIGKILL');
    stop = true;
    await Promise.all(writers);
    expect(batches.some((b) => b.outcome === 'failed')).toBe(true);

    await server!.start();
    await until('/readyz 200', async () => (await readyStatus(app!)) === 200);
    for (const b of batches) {
      // Sending a batch again with its idempotency keys tells what was kept: all of it, or none.
      const { duplicates } = (await ok(app!, RECORD, { inputs: b.inputs })).recordActivities;
      if (b.outcome === 'recorded') expect(duplicates).toBe(b.inputs.length);
      else expect([0, b.inputs.length]).toContain(duplicates);
      for (const e of [b.emails[0], b.emails[b.emails.length - 1]]) {
        const { contactByEmail: c } = await ok(app!, CONTACT, { email: e });
        expect(c).toEqual({ engagementScore: PER_CONTACT * POINTS, activities: { totalCount: PER_CONTACT } });
      }
    }
  }, 120_000);

  it('killed under a rescore job: it resumes from its last batch once the database is back, and finishes', async () => {
    for (let n = 0; n < 2; n++) {
      const inputs = Array.from({ length: 1000 }, () => ({ contactEmail: email('rescore'), type: 'visit' }));
      await ok(app!, RECORD, { inputs });
    }
    const JOB = 'query($id: ID!) { rescoreJob(id: $id) { state processed total error } }';
    const { id } = (await ok(app!, 'mutation { rescoreContacts { id } }')).rescoreContacts;
    await until('rescore job under way', async () => (await ok(app!, JOB, { id })).rescoreJob.processed > 0, 30_000);
    await server!.signal('SIGKILL');
    await server!.start();
    let job: { state: string; processed: number; total: number; error: string | null } | undefined;
    await until(
      'rescore job finished',
      async () => {
        job = (await ok(app!, JOB, { id })).rescoreJob;
        return job!.state !== 'RUNNING';
      },
      60_000,
    );
    expect(job).toMatchObject({ state: 'SUCCEEDED', error: null });
    expect(job!.processed).toBe(job!.total);
  }, 120_000);

  it('SIGSTOP: /readyz answers 503, requests fail within the statement timeout; SIGCONT recovers', async () => {
    // Open connections wait idle in the pool: the requests below are sent on them and meet the statement timeout.
    await Promise.all(Array.from({ length: 8 }, () => ok(app!, VIEWER)));
    await server!.signal('SIGSTOP');
    try {
      expectDatabaseUnavailable(await gql(app!, VIEWER));
      expectDatabaseUnavailable(await gql(app!, CREATE, { input: { email: email('frozen') } }));
      await until('/readyz 503', async () => (await readyStatus(app!)) === 503);
      // Once the pool's connections are gone, new ones meet the connect timeout.
      expectDatabaseUnavailable(await gql(app!, VIEWER));
    } finally {
      await server!.signal('SIGCONT');
    }
    await until('/readyz 200', async () => (await readyStatus(app!)) === 200);
    await until('queries answer again', async () => (await gql(app!, VIEWER)).status === 200);
    expect((await ok(app!, CREATE, { input: { email: email('thawed') } })).createContact.id).toBeTruthy();
  }, 60_000);
});

const noRedis = REDIS_SERVER ? null : 'redis-server not found';
if (noRedis) console.warn(`faults.test: Redis fault cases skipped: ${noRedis}`);

(noRedis ? describe.skip : describe)('Redis going away (a redis-server of its own)', () => {
  const servers: OwnServer[] = [];
  const apps: App[] = [];
  const dbs: ScratchDatabase[] = [];
  const SUB = 'subscription { leadPromoted { transition { contact { email } } } }';

  async function appWithRedis(port: number): Promise<App> {
    const db = await createTestDatabase();
    dbs.push(db);
    const app = await startFaultApp(db.url, { REDIS_URL: `redis://127.0.0.1:${port}` });
    apps.push(app);
    return app;
  }

  /** The API answers reads and writes, and a promotion reaches a subscriber. */
  async function apiWorks(app: App): Promise<void> {
    expect((await ok(app, VIEWER)).viewer.role).toBe('ADMIN');
    await ok(app, CREATE, { input: { email: email('redis') } });
    const key = (await ok(app, 'mutation { createApiKey(input: { name: "sub", role: VIEWER }) { secret } }'))
      .createApiKey.secret;
    const sub = collect(wsClient(app.url, key), SUB);
    try {
      await sleep(200);
      const promoted = email('promoted');
      await ok(app, RECORD, { inputs: [{ contactEmail: promoted, type: 'demo_request' }] });
      const [event] = await sub.waitFor(1);
      expect(event.leadPromoted.transition.contact.email).toBe(promoted);
    } finally {
      sub.dispose();
    }
  }

  afterAll(async () => {
    for (const s of servers) await s.signal('SIGCONT');
    for (const a of apps) await a.stop().catch(() => undefined);
    for (const d of dbs) await d.drop().catch(() => undefined);
    for (const s of servers) await s.dispose();
  }, 60_000);

  it('killed or frozen under a running service: the HTTP API keeps answering queries and mutations', async () => {
    const port = await freePort();
    const redis = redisServer(port);
    servers.push(redis);
    await redis.start();
    const app = await appWithRedis(port);
    await ok(app, 'mutation($input: ScoringRuleInput!) { createScoringRule(input: $input) { id } }', {
      input: { name: 'demo', kind: 'BEHAVIOR', activityType: 'demo_request', points: 60 },
    });
    await app.services.rescore.idle();
    await apiWorks(app);

    await redis.signal('SIGKILL');
    await apiWorks(app);
    expect(await readyStatus(app)).toBe(200);

    await redis.start();
    await apiWorks(app);
    await redis.signal('SIGSTOP');
    try {
      await apiWorks(app);
      // Issue 16: the rate limiter's circuit breaker is open after a few timeouts; requests stop waiting for Redis.
      const waited = [];
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        await ok(app, VIEWER);
        waited.push(performance.now() - started);
      }
      expect(waited.filter((ms) => ms >= 450).length).toBeLessThanOrEqual(1);
    } finally {
      await redis.signal('SIGCONT');
    }
  }, 90_000);

  it('down at start: the service starts, answers, and uses Redis once it is up', async () => {
    const port = await freePort();
    const app = await appWithRedis(port);
    await ok(app, 'mutation($input: ScoringRuleInput!) { createScoringRule(input: $input) { id } }', {
      input: { name: 'demo', kind: 'BEHAVIOR', activityType: 'demo_request', points: 60 },
    });
    await app.services.rescore.idle();
    await apiWorks(app);

    const redis = redisServer(port);
    servers.push(redis);
    await redis.start();
    const probe = new Redis({ port, host: '127.0.0.1' });
    try {
      await until('promotion bus subscribed', async () => {
        // The channel is namespaced per deployment: lq:<deployment id>:promotions.
        return ((await probe.pubsub('CHANNELS', 'lq:*:promotions')) as string[]).length > 0;
      });
      await until('rate limits kept in Redis', async () => {
        await ok(app, VIEWER);
        return (await probe.keys('lq:*:rate:*')).length > 0;
      });
    } finally {
      probe.disconnect();
    }
    await apiWorks(app);
  }, 90_000);
});
