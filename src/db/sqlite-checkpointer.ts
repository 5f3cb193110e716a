/**
 * WAL checkpoints for the SQLite store, run on a worker thread with a
 * connection of its own.
 *
 * better-sqlite3 runs everything on the main thread, including the
 * automatic checkpoint a commit triggers once the WAL passes its threshold:
 * that commit then copies every page written since the last one back into
 * the database file, stalling all requests for tens of milliseconds (a third
 * of the commit time of a scored ingestion batch). On its own thread the
 * copying overlaps the main thread's work. A PASSIVE checkpoint never waits
 * for, nor blocks, readers and writers; the main connection keeps a far
 * higher automatic threshold as a backstop should the worker fall behind.
 */
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints (a checkpoint with nothing to copy costs microseconds). */
const INTERVAL_MS = 100;

/** Pages the WAL may reach before a commit on the main thread checkpoints anyway. */
export const BACKSTOP_CHECKPOINT_PAGES = 100_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage(String(err && err.message || err));
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** A running checkpoint worker. */
export interface Checkpointer {
  /** Stops the timer, closes the worker's connection and waits for the thread to end. */
  stop(): Promise<void>;
}

/** Starts checkpointing the WAL of the database `file` (which must exist and be in WAL mode). */
export function startCheckpointer(file: string, onError: (message: string) => void): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, driver: require.resolve('better-sqlite3'), intervalMs: INTERVAL_MS },
  });
  worker.on('message', (message: string) => onError(`WAL checkpoint failed: ${message}`));
  worker.on('error', (err) => onError(`WAL checkpoint worker stopped: ${err.message}`));
  // Never the reason the process stays up.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Referenced again while it winds down: with nothing else left (the end of a shutdown), an unreferenced
      // worker would let the process exit mid-stop, before the main connection is closed.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
