/**
 * Authenticated API keys held in memory by secret hash, so a request with a known key costs no statement.
 *
 * The cache answers only while it is `live`: while nothing but this process can change keys (one SQLite file), or
 * while this instance is subscribed to the deployment's key channel (src/modules/access/key-channel.ts). Whenever
 * liveness changes it is emptied, since changes may have been missed meanwhile. Only keys that were found and active
 * are held (an unknown secret is never stored, so random secrets cannot grow it), at most `maxEntries` of them, least
 * recently used dropped first, each for at most `ttlMs`.
 *
 * A lookup that read the store while an invalidation arrived must not put back what it read: `ticket()` is taken
 * before the read and `store` drops the entry when any invalidation happened since.
 */
import type { Viewer } from './viewer';

/** A cached key: the viewer authenticate returns, and when its `lastUsedAt` was last written. */
export interface CachedKey {
  viewer: Viewer;
  lastUsedAt: number | null;
  expiresAt: number;
}

/** Told the key id that changed (null: any key may have changed). */
export type InvalidationListener = (keyId: string | null) => void;

/** Size and lifetime of the cache; `ttlMs` 0 turns it off. */
export interface KeyCacheOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

export class KeyCache {
  private readonly entries = new Map<string, CachedKey>();
  private readonly listeners = new Set<InvalidationListener>();
  private generation = 0;
  private live = false;
  private readonly now: () => number;

  constructor(private readonly options: KeyCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** True while hits may be served (configured on, and its invalidations are known to arrive). */
  get serving(): boolean {
    return this.live && this.options.ttlMs > 0;
  }

  /** Number of keys held. */
  get size(): number {
    return this.entries.size;
  }

  /** Says whether invalidations are known to arrive; any change empties the cache. */
  setLive(live: boolean): void {
    if (live === this.live) return;
    this.live = live;
    this.clear();
  }

  /** The entry for a secret hash, or undefined when not serving, absent or expired. */
  get(hash: string): CachedKey | undefined {
    if (!this.serving) return undefined;
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    this.entries.delete(hash);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(hash, entry); // most recently used last
    return entry;
  }

  /** Taken before reading the store; `store` with a stale ticket does nothing. */
  ticket(): number {
    return this.generation;
  }

  /** Holds an active key read from the store, unless an invalidation arrived since `ticket`. */
  store(ticket: number, hash: string, viewer: Viewer, lastUsedAt: number | null): void {
    if (!this.serving || ticket !== this.generation) return;
    this.entries.delete(hash);
    this.entries.set(hash, { viewer, lastUsedAt, expiresAt: this.now() + this.options.ttlMs });
    if (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Drops one key (by id) or, with null, every key; listeners hear of it. */
  invalidate(keyId: string | null): void {
    if (keyId === null) this.clear();
    else {
      this.generation++;
      for (const [hash, entry] of this.entries) if (entry.viewer.keyId === keyId) this.entries.delete(hash);
    }
    for (const listener of this.listeners) listener(keyId);
  }

  /** Calls `listener` on every invalidation; returns how to stop. */
  onInvalidate(listener: InvalidationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
