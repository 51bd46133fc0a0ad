import type { KeyType, Scope } from '../../../shared/domain.ts';
import { hashKey, type ApiKey, type Store } from '../db/index.ts';
import { ApiError } from '../api/errors.ts';
import { iso, type Clock } from '../util/time.ts';

export const DEFAULT_SCOPES: Record<KeyType, Scope[]> = {
  human: ['workflows:read', 'workflows:write', 'workflows:execute', 'approvals:write'],
  agent: ['workflows:read', 'workflows:execute'],
};

/** Scopes an agent key may never hold: an agent must not be able to approve its own requests. */
const HUMAN_ONLY_SCOPES: Scope[] = ['approvals:write', 'admin'];

const CACHE_TTL_MS = 2000;
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * API keys: creation, revocation and the per-request lookup. Lookups go through a small cache
 * keyed by hash; its short TTL bounds how long a key revoked by another process (the CLI) stays
 * usable, and revocations made here take effect at once.
 */
export class KeyService {
  private readonly cache = new Map<string, { key: ApiKey; at: number }>();
  private readonly lastUsedWritten = new Map<number, number>();
  private readonly store: Store;
  private readonly clock: Clock;

  constructor(store: Store, clock: Clock) {
    this.store = store;
    this.clock = clock;
  }

  create(input: { name: string; key_type: KeyType; scopes?: Scope[]; expires_at?: string | null }): {
    key: ApiKey;
    secret: string;
  } {
    const scopes = input.scopes ?? DEFAULT_SCOPES[input.key_type];
    if (input.key_type === 'agent') {
      const forbidden = scopes.filter((scope) => HUMAN_ONLY_SCOPES.includes(scope));
      if (forbidden.length > 0) {
        throw new ApiError(
          422,
          'VALIDATION_ERROR',
          `Agent keys cannot hold ${forbidden.join(', ')}: only humans approve runs or administer Vigil.`,
          { problems: forbidden.map((scope) => ({ field: 'body.scopes', message: `${scope} is not allowed for agent keys` })) },
        );
      }
    }
    const now = this.clock.now();
    if (input.expires_at && Date.parse(input.expires_at) <= now) {
      throw new ApiError(422, 'VALIDATION_ERROR', 'expires_at must be in the future.', {
        problems: [{ field: 'body.expires_at', message: 'must be in the future' }],
      });
    }
    return this.store.keys.create({
      name: input.name,
      key_type: input.key_type,
      scopes,
      expires_at: input.expires_at ? iso(Date.parse(input.expires_at)) : null,
      now: iso(now),
    });
  }

  revoke(uuid: string): ApiKey {
    const key = this.store.keys.get(uuid);
    if (!key) throw new ApiError(404, 'API_KEY_NOT_FOUND', `No API key with id ${uuid}.`);
    this.store.keys.revokeKey(uuid, iso(this.clock.now()));
    this.cache.clear();
    return this.store.keys.get(uuid)!;
  }

  /** Resolves a presented key or throws 401 with the reason. */
  verify(secret: string): ApiKey {
    const now = this.clock.now();
    const hash = hashKey(secret);
    let cached = this.cache.get(hash);
    if (!cached || now - cached.at > CACHE_TTL_MS) {
      const key = this.store.keys.findByHash(hash);
      if (!key) throw new ApiError(401, 'UNAUTHORIZED', 'Unknown API key.');
      cached = { key, at: now };
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(hash, cached);
    }
    const { key } = cached;
    if (key.revoked_at) throw new ApiError(401, 'UNAUTHORIZED', 'This API key was revoked.');
    if (key.expires_at && Date.parse(key.expires_at) <= now) {
      throw new ApiError(401, 'UNAUTHORIZED', 'This API key has expired.');
    }
    // last_used is informational: written at most once a minute per key, off the hot path's budget.
    const written = this.lastUsedWritten.get(key.id) ?? 0;
    if (now - written >= LAST_USED_RESOLUTION_MS) {
      this.lastUsedWritten.set(key.id, now);
      this.store.keys.markUsed(key.id, iso(now));
    }
    return key;
  }
}
