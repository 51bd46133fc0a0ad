import type { KeyType, Scope } from '../../../shared/domain.ts';
import { hashKey, type ApiKey, type Store } from '../db/index.ts';
import { DomainError, invalid, notFound } from '../errors.ts';
import { BackgroundTask } from '../util/background.ts';
import { iso, timestampMs, type Clock } from '../util/time.ts';

export const DEFAULT_SCOPES: Record<KeyType, Scope[]> = {
  human: ['workflows:read', 'workflows:write', 'workflows:execute', 'approvals:write'],
  agent: ['workflows:read', 'workflows:execute'],
};

/** Scopes an agent key may never hold: an agent must not be able to approve its own requests. */
const HUMAN_ONLY_SCOPES: Scope[] = ['approvals:write', 'admin'];

const CACHE_TTL_MS = 2000;
/** How often keys held by open streams and MCP sessions are checked again (revoked by the CLI, expired). */
const WATCH_INTERVAL_MS = 2000;
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
  private readonly watchers = new Map<number, Set<() => void>>();
  private watchTimer: NodeJS.Timeout | null = null;
  /** The watch timer's reads, which no request waits for. */
  private readonly watching: BackgroundTask;

  constructor(store: Store, clock: Clock, log: { error(message: string): void }) {
    this.store = store;
    this.clock = clock;
    this.watching = new BackgroundTask('checking the keys of open connections', log);
  }

  /**
   * Calls `onInvalid` once when the key stops being valid (revoked here or by another process,
   * or expired), so long-lived connections it holds (event streams, MCP sessions) end within
   * seconds instead of outliving it. Returns the way to stop watching.
   */
  watch(keyId: number, onInvalid: () => void): () => void {
    let set = this.watchers.get(keyId);
    if (!set) this.watchers.set(keyId, (set = new Set()));
    set.add(onInvalid);
    if (!this.watchTimer) {
      // A round the database refuses is tried again on the next tick of the interval.
      this.watchTimer = setInterval(() => this.watching.run(() => this.checkWatched()), WATCH_INTERVAL_MS);
      this.watchTimer.unref();
    }
    return () => {
      set.delete(onInvalid);
      if (set.size === 0) this.watchers.delete(keyId);
      this.stopWatchingIfIdle();
    };
  }

  private checkWatched(): void {
    const now = this.clock.now();
    for (const keyId of [...this.watchers.keys()]) {
      const key = this.store.keys.getById(keyId);
      if (!key || key.revoked_at || (key.expires_at && Date.parse(key.expires_at) <= now)) this.invalidate(keyId);
    }
  }

  private invalidate(keyId: number): void {
    const set = this.watchers.get(keyId);
    this.watchers.delete(keyId);
    for (const onInvalid of set ?? []) onInvalid();
    this.stopWatchingIfIdle();
  }

  private stopWatchingIfIdle(): void {
    if (this.watchers.size > 0 || !this.watchTimer) return;
    clearInterval(this.watchTimer);
    this.watchTimer = null;
  }

  create(input: { name: string; key_type: KeyType; scopes?: Scope[]; expires_at?: string | null }): {
    key: ApiKey;
    secret: string;
  } {
    const scopes = input.scopes ?? DEFAULT_SCOPES[input.key_type];
    if (input.key_type === 'agent') {
      const forbidden = scopes.filter((scope) => HUMAN_ONLY_SCOPES.includes(scope));
      if (forbidden.length > 0) {
        throw invalid(
          forbidden.map((scope) => ({ field: 'body.scopes', message: `${scope} is not allowed for agent keys` })),
          `Agent keys cannot hold ${forbidden.join(', ')}: only humans approve runs or administer Vigil.`,
        );
      }
    }
    const now = this.clock.now();
    const expiresAt = input.expires_at ? timestampMs(input.expires_at) : null;
    if (expiresAt !== null && expiresAt <= now) {
      throw invalid([{ field: 'body.expires_at', message: 'must be in the future' }], 'expires_at must be in the future.');
    }
    return this.store.keys.create({
      name: input.name,
      key_type: input.key_type,
      scopes,
      expires_at: expiresAt === null ? null : iso(expiresAt),
      now: iso(now),
    });
  }

  /** Every key, revoked and expired ones included. */
  list(): ApiKey[] {
    return this.store.keys.list();
  }

  revoke(uuid: string): ApiKey {
    const key = this.store.keys.get(uuid);
    if (!key) throw notFound('api_key', uuid, `No API key with id ${uuid}.`);
    this.store.keys.revokeKey(uuid, iso(this.clock.now()));
    this.cache.clear();
    this.invalidate(key.id);
    return this.store.keys.get(uuid)!;
  }

  /** Resolves a presented key or throws 401 with the reason. */
  verify(secret: string): ApiKey {
    const now = this.clock.now();
    const hash = hashKey(secret);
    let cached = this.cache.get(hash);
    if (!cached || now - cached.at > CACHE_TTL_MS) {
      const key = this.store.keys.findByHash(hash);
      if (!key) throw new DomainError('unauthenticated', 'UNAUTHORIZED', 'Unknown API key.');
      cached = { key, at: now };
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(hash, cached);
    }
    const { key } = cached;
    if (key.revoked_at) throw new DomainError('unauthenticated', 'UNAUTHORIZED', 'This API key was revoked.');
    if (key.expires_at && Date.parse(key.expires_at) <= now) {
      throw new DomainError('unauthenticated', 'UNAUTHORIZED', 'This API key has expired.');
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
