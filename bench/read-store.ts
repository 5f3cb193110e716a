/**
 * bench/read's service: the real service on the bench's reused database
 * (bench/read-data.ts), NODE_ENV=production, on a port of its own; loads
 * the data first when the database does not hold the expected rows.
 */
import './production';
import { loadConfig } from '../src/config/config';
import { type App, startApp } from '../src/main';
import { BENCH_KEY, type Store, since } from './common';
import { SIZES, loadReadData, readDatabaseUrl, recreateDatabase, rowCounts } from './read-data';

/** The API's port (bench/read's floor server takes the next one). */
export const API_PORT = Number(process.env.BENCH_READ_PORT ?? 4400);

/** A GraphQL call over HTTP with a key (ADMIN by default); throws on errors. */
export type Gql = (query: string, variables?: Record<string, unknown>, key?: string) => Promise<any>;

function start(store: Store): Promise<App> {
  return startApp(
    loadConfig({
      DATABASE_URL: readDatabaseUrl(store),
      PORT: String(API_PORT),
      ADMIN_API_KEY: BENCH_KEY,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'production',
      RATE_LIMIT_ADMIN: '1000000:1000000',
      RATE_LIMIT_PARTNER: '1000000:1000000',
    }),
  );
}

/** A client of `app` over HTTP. */
export function gqlClient(app: App): Gql {
  return async (query, variables = {}, key = BENCH_KEY) => {
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data: any; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 500));
    return body.data;
  };
}

/**
 * Starts the service on the store's bench database, loading it first when its row counts do not match (or `reload`).
 */
export async function openReadStore(store: Store, reload: boolean): Promise<{ app: App; gql: Gql }> {
  const size = SIZES[store];
  let app = await start(store).catch(() => null);
  const counts = app ? await rowCounts(app) : null;
  const matches =
    counts !== null &&
    counts.contacts === size.contacts &&
    counts.activities > size.activities * 0.9 &&
    counts.transitions > size.transitions * 0.8;
  if (app && matches && !reload) {
    console.log(
      `  reusing ${readDatabaseUrl(store)}: ${counts.contacts} contacts, ${counts.activities} activities, ` +
        `${counts.transitions} transitions`,
    );
    return { app, gql: gqlClient(app) };
  }
  await app?.stop();
  console.log(`  loading ${readDatabaseUrl(store)} (${reload ? 'reload asked' : `found ${JSON.stringify(counts)}`})`);
  const started = performance.now();
  await recreateDatabase(store);
  app = await start(store);
  const gql = gqlClient(app);
  await loadReadData(app, store, gql);
  console.log(`  loading took ${since(started).toFixed(0)} s`);
  return { app, gql };
}
