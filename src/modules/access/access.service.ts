/** API keys, partners and authentication. Keys are stored only as a SHA-256 hash. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type DataSource, In, IsNull, Not } from 'typeorm';
import { ApiKey, Role } from './api-key.entity';
import { Partner } from './partner.entity';
import { type Viewer } from './viewer';
import { type InvalidationListener, KeyCache } from './key-cache';
import { badInput, conflict, notFound } from '../../graphql/errors';
import { isUniqueViolation } from '../../db/portable';
import { selectEntities } from '../../db/hydrate';

/** Input of createApiKey. */
export interface CreateApiKeyData {
  name: string;
  role: Role;
  partnerId?: string | null;
  ownerId?: string | null;
}

const LAST_USED_RESOLUTION_MS = 60_000;

/** SHA-256 hex of a secret; secrets are 32 random bytes, so a plain hash is enough (no brute force). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function newSecret(): string {
  return `lq_${randomBytes(32).toString('base64url')}`;
}

function newKeyRow(
  name: string,
  role: Role,
  partnerId: string | null,
  secretHash: string,
  ownerId: string | null = null,
): ApiKey {
  return {
    id: randomUUID(),
    name,
    role,
    partnerId,
    ownerId,
    secretHash,
    fromEnv: false,
    createdAt: new Date(),
    lastUsedAt: null,
    revokedAt: null,
  };
}

/** Tells the other instances that a key (null: any key) changed, once the change is committed. */
export type KeyChangePublisher = (keyId: string | null) => Promise<void>;

export class AccessService {
  private publishKeyChange: KeyChangePublisher = async () => undefined;

  /** `keys` holds authenticated keys (src/modules/access/key-cache.ts); by default a cache that is off. */
  constructor(
    private readonly ds: DataSource,
    private readonly keys: KeyCache = new KeyCache({ ttlMs: 0, maxEntries: 1 }),
  ) {}

  /** Wires how key changes reach the other instances (main, once the deployment's channel is known). */
  setKeyChangePublisher(publish: KeyChangePublisher): void {
    this.publishKeyChange = publish;
  }

  /**
   * Resolves a bearer secret to a Viewer, or null for unknown/revoked keys.
   * `lastUsedAt` is written at most once a minute per key, so reads stay cheap.
   * A key in the cache costs no statement; a key acting for an owner is held with the owner's name, and renaming an
   * owner drops every cached key (main wires OwnersService.onRename to keyChanged).
   */
  async authenticate(secret: string): Promise<Viewer | null> {
    const hash = hashSecret(secret);
    const hit = this.keys.get(hash);
    if (hit) {
      await this.markUsed(hit.viewer.keyId, hit);
      return { ...hit.viewer };
    }
    const ticket = this.keys.ticket();
    const [key] = await selectEntities(this.ds.manager, ApiKey, 'SELECT * FROM api_keys WHERE secret_hash = ?', [hash]);
    // The acting owner's name is read with the key: actor and qualifiedBy stamp it without another lookup.
    const ownerName = key?.ownerId
      ? ((await this.ds.query('SELECT name FROM owners WHERE id = ?', [key.ownerId]))[0]?.name ?? null)
      : null;
    if (!key || key.revokedAt) return null;
    const used = { lastUsedAt: key.lastUsedAt?.getTime() ?? null };
    await this.markUsed(key.id, used);
    const { id: keyId, name, role, partnerId, ownerId } = key;
    const viewer: Viewer = { keyId, name, role, partnerId, ownerId, ownerName };
    this.keys.store(ticket, hash, { ...viewer }, used.lastUsedAt);
    return viewer;
  }

  /** Drops `keyId` (null: every key) from this instance's cache at once, then tells the other instances. */
  async keyChanged(keyId: string | null): Promise<void> {
    this.keys.invalidate(keyId);
    await this.publishKeyChange(keyId);
  }

  /** Calls `listener` whenever a key is dropped from the cache (revoked here or on another instance). */
  onKeyChange(listener: InvalidationListener): () => void {
    return this.keys.onInvalidate(listener);
  }

  /** Writes `lastUsedAt` when the one known is older than the resolution (noted first, so one request writes it). */
  private async markUsed(keyId: string, used: { lastUsedAt: number | null }): Promise<void> {
    const now = Date.now();
    if (used.lastUsedAt !== null && now - used.lastUsedAt <= LAST_USED_RESOLUTION_MS) return;
    used.lastUsedAt = now;
    await this.ds.getRepository(ApiKey).update({ id: keyId }, { lastUsedAt: new Date(now) });
  }

  /** True while the key exists and is not revoked (subscriptions re-check this). */
  async isActive(keyId: string): Promise<boolean> {
    return (await this.ds.getRepository(ApiKey).count({ where: { id: keyId, revokedAt: IsNull() } })) > 0;
  }

  /**
   * The contract's bootstrap: ADMIN_API_KEY (when set) is a valid ADMIN key,
   * and the only one the environment holds: a new value revokes the key an
   * earlier value made (rotation retires the old secret; keys made through
   * the API are never touched). A revoked value refuses to start. With no key at all, the first start creates
   * one and returns its secret to print once.
   */
  async bootstrap(adminApiKey: string | null): Promise<{ generatedSecret: string | null }> {
    const repo = this.ds.getRepository(ApiKey);
    if (adminApiKey) {
      const hash = hashSecret(adminApiKey);
      const existing = await repo.findOne({ where: { secretHash: hash } });
      // A retired secret never comes back: it may have leaked, which is why it was rotated or revoked.
      if (existing?.revokedAt)
        throw new Error(
          'ADMIN_API_KEY holds a revoked secret (retired by a rotation or revokeApiKey); set a new value',
        );
      if (!existing) {
        try {
          await repo.insert({ ...newKeyRow('env-admin', Role.ADMIN, null, hash), fromEnv: true });
        } catch (err) {
          if (!isUniqueViolation(err)) throw err; // another instance bootstrapped it at the same time
        }
      }
      await repo.update({ fromEnv: true, revokedAt: IsNull(), secretHash: Not(hash) }, { revokedAt: new Date() });
      return { generatedSecret: null };
    }
    if ((await repo.count()) > 0) return { generatedSecret: null };
    const secret = newSecret();
    await repo.insert(newKeyRow('bootstrap-admin', Role.ADMIN, null, hashSecret(secret)));
    return { generatedSecret: secret };
  }

  async createApiKey(data: CreateApiKeyData): Promise<{ apiKey: ApiKey; secret: string }> {
    const name = data.name.trim();
    if (!name) throw badInput('input.name', 'must not be empty');
    if (name.length > 191) throw badInput('input.name', 'must be at most 191 characters');
    const partnerId = data.partnerId ?? null;
    if (data.role === Role.PARTNER && !partnerId) throw badInput('input.partnerId', 'is required for PARTNER keys');
    if (data.role !== Role.PARTNER && partnerId) throw badInput('input.partnerId', 'is only allowed on PARTNER keys');
    if (partnerId && !(await this.ds.getRepository(Partner).findOne({ where: { id: partnerId } })))
      throw badInput('input.partnerId', `partner ${partnerId} does not exist`);
    const ownerId = data.ownerId ?? null;
    if (ownerId && (await this.ds.query('SELECT id FROM owners WHERE id = ?', [ownerId])).length === 0)
      throw badInput('input.ownerId', `owner ${ownerId} does not exist`);
    const secret = newSecret();
    const apiKey = newKeyRow(name, data.role, partnerId, hashSecret(secret), ownerId);
    await this.ds.getRepository(ApiKey).insert(apiKey);
    return { apiKey, secret };
  }

  async revokeApiKey(id: string): Promise<ApiKey> {
    const repo = this.ds.getRepository(ApiKey);
    const key = await repo.findOne({ where: { id } });
    if (!key) throw notFound('API key', id);
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await repo.update({ id }, { revokedAt: key.revokedAt });
    }
    // Also when it was revoked already: repeating the mutation repeats an announcement that may have failed.
    await this.keyChanged(id);
    return key;
  }

  listApiKeys(): Promise<ApiKey[]> {
    return this.ds.getRepository(ApiKey).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  getApiKey(id: string): Promise<ApiKey | null> {
    return this.ds.getRepository(ApiKey).findOne({ where: { id } });
  }

  async createPartner(rawName: string): Promise<Partner> {
    const name = rawName.trim();
    if (!name) throw badInput('name', 'must not be empty');
    if (name.length > 191) throw badInput('name', 'must be at most 191 characters');
    const partner: Partner = { id: randomUUID(), name, createdAt: new Date() };
    try {
      await this.ds.getRepository(Partner).insert(partner);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`A partner named "${name}" already exists`, { field: 'name' });
      throw err;
    }
    return partner;
  }

  /** Partners by id, for loaders (the caller scopes). */
  partnersByIds(ids: readonly string[]): Promise<Partner[]> {
    return ids.length ? this.ds.getRepository(Partner).find({ where: { id: In([...ids]) } }) : Promise.resolve([]);
  }

  listPartners(): Promise<Partner[]> {
    return this.ds.getRepository(Partner).find({ order: { name: 'ASC' } });
  }
}
