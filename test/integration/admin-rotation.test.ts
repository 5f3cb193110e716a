/**
 * Issue 16, finding 3: ADMIN_API_KEY is the one environment key; restarting
 * with a new value retires the old secret (keys made through the API stay).
 */
import request from 'supertest';
import { loadConfig } from '../../src/config/config';
import { type App, startApp } from '../../src/main';
import { createTestDatabase } from '../helpers/app';
import type { ScratchDatabase } from '../helpers/scratch-database';

const OLD = 'old-admin-secret-0123456789';
const NEW = 'new-admin-secret-9876543210';

let db: ScratchDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const start = (adminKey: string) =>
  startApp(
    loadConfig({ DATABASE_URL: db.url, PORT: '0', ADMIN_API_KEY: adminKey, LOG_LEVEL: 'silent', NODE_ENV: 'test' }),
  );

async function status(app: App, secret: string): Promise<{ status: number; role?: string }> {
  const res = await request(app.server.httpServer)
    .post('/graphql')
    .set('content-type', 'application/json')
    .set('authorization', `Bearer ${secret}`)
    .send({ query: '{ viewer { role } }' });
  return { status: res.status, role: res.body?.data?.viewer?.role };
}

it('3: a restart with a new ADMIN_API_KEY revokes the old one; API-made keys are untouched', async () => {
  const first = await start(OLD);
  const made = await request(first.server.httpServer)
    .post('/graphql')
    .set('content-type', 'application/json')
    .set('authorization', `Bearer ${OLD}`)
    .send({ query: 'mutation { createApiKey(input: { name: "ops", role: ADMIN }) { secret } }' });
  const apiSecret = made.body.data.createApiKey.secret as string;
  expect(await status(first, OLD)).toEqual({ status: 200, role: 'ADMIN' });
  await first.stop();

  const second = await start(NEW);
  try {
    expect(await status(second, NEW)).toEqual({ status: 200, role: 'ADMIN' });
    expect((await status(second, OLD)).status).toBe(401);
    expect(await status(second, apiSecret)).toEqual({ status: 200, role: 'ADMIN' });
    const keys = await second.ds.query('SELECT name, revoked_at FROM api_keys ORDER BY created_at');
    expect(
      keys
        .filter((k: { revoked_at: unknown }) => k.revoked_at === null)
        .map((k: { name: string }) => k.name)
        .sort(),
    ).toEqual(['env-admin', 'ops']);
  } finally {
    await second.stop();
  }
  // A retired secret never comes back: starting with it again fails at once, saying why.
  await expect(start(OLD)).rejects.toThrow(/ADMIN_API_KEY holds a revoked secret/);
});
