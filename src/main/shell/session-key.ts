// The console window's API key: a human key minted at launch, handed to the renderer through the
// bridge, revoked at quit. Only its hash is stored, like every key; a crash leaves one behind, which
// the next launch revokes.
import type { Engine } from '../engine/index.ts';

export const SESSION_KEY_NAME = 'Vigil desktop console (session)';
/** Lifetime of one session key; Vigil can stay in the tray for weeks, so the key is renewed. */
export const SESSION_KEY_LIFETIME_MS = 30 * 24 * 3600 * 1000;
/** A key this close to its expiry is replaced on the next connection() call. */
export const SESSION_KEY_RENEW_MS = 24 * 3600 * 1000;

export interface SessionKeyStore {
  create(input: { name: string; key_type: 'human'; scopes: ['admin']; expires_at: string }): {
    key: { uuid: string; expires_at: string | null };
    secret: string;
  };
  list(): Array<{ uuid: string; name: string; key_type: string; revoked_at: string | null }>;
  /** Whether the key is still usable (not revoked in the meantime, e.g. from the console's key list). */
  isActive(uuid: string): boolean;
  revoke(uuid: string): void;
}

export function sessionKeyStore(engine: Engine): SessionKeyStore {
  return {
    create: (input) => engine.keys.create(input),
    list: () => engine.store.keys.list(),
    isActive: (uuid) => {
      const key = engine.store.keys.get(uuid);
      return key !== undefined && key.revoked_at === null;
    },
    revoke: (uuid) => {
      engine.keys.revoke(uuid);
    },
  };
}

export class SessionKey {
  private readonly store: SessionKeyStore;
  private readonly now: () => number;
  private current: { uuid: string; secret: string; expiresAt: number } | null = null;
  /** Every key this launch minted and has not revoked yet. */
  private readonly issued = new Set<string>();

  constructor(store: SessionKeyStore, now: () => number = Date.now) {
    this.store = store;
    this.now = now;
  }

  /** Revokes session keys a previous launch did not get to revoke (it crashed or was killed). */
  revokeLeftovers(): number {
    let revoked = 0;
    for (const key of this.store.list()) {
      if (key.name === SESSION_KEY_NAME && key.key_type === 'human' && key.revoked_at === null && !this.issued.has(key.uuid)) {
        this.store.revoke(key.uuid);
        revoked++;
      }
    }
    return revoked;
  }

  /**
   * The key to give the console; a fresh one when there is none, it expires within a day, or it
   * was revoked (the console asks again after a 401, and gets a working key).
   */
  token(): string {
    const now = this.now();
    const current = this.current;
    if (current && current.expiresAt - now > SESSION_KEY_RENEW_MS && this.store.isActive(current.uuid)) return current.secret;
    const expiresAt = now + SESSION_KEY_LIFETIME_MS;
    const { key, secret } = this.store.create({
      name: SESSION_KEY_NAME,
      key_type: 'human',
      // The analyst at this desktop owns this Vigil: settings, keys and secrets included.
      scopes: ['admin'],
      expires_at: new Date(expiresAt).toISOString(),
    });
    // A renewed key's predecessor stays valid until it expires or the app quits, so requests
    // already sent with it still land.
    this.current = { uuid: key.uuid, secret, expiresAt };
    this.issued.add(key.uuid);
    return secret;
  }

  /** At quit: the keys die with the launch. */
  revoke(): void {
    for (const uuid of this.issued) this.store.revoke(uuid);
    this.issued.clear();
    this.current = null;
  }
}
