/**
 * bench/read: the reads UIs and partners make all day, at a million contacts.
 *
 *   npm run bench:read [-- sqlite|mysql] [--reload] [--load-only]
 */
import { Store, runBench } from './common';
import { openReadStore } from './read-store';

const RELOAD = process.argv.includes('--reload') || process.env.BENCH_RELOAD === '1';
const LOAD_ONLY = process.argv.includes('--load-only');

runBench('bench:read', async (store: Store) => {
  console.log(`\n${store}`);
  const { app } = await openReadStore(store, RELOAD);
  try {
    if (LOAD_ONLY) return;
  } finally {
    await app.stop();
  }
});
