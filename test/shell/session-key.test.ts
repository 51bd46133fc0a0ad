import { describe, expect, it } from 'vitest';
import {
  SESSION_KEY_LIFETIME_MS,
  SESSION_KEY_NAME,
  SESSION_KEY_RENEW_MS,
  SessionKey,
  type SessionKeyStore,
} from '../../src/main/shell/session-key.ts';

function memoryKeys(initial: Array<{ uuid: string; name: string; key_type: string; revoked_at: string | null }> = []) {
  const keys = [...initial];
  const created: Array<{ scopes: string[]; key_type: string; expires_at: string }> = [];
  let next = 1;
  const store: SessionKeyStore = {
    create(input) {
      const uuid = `key-${next}`;
      keys.push({ uuid, name: input.name, key_type: input.key_type, revoked_at: null });
      created.push(input);
      return { key: { uuid, expires_at: input.expires_at }, secret: `vgl_secret_${next++}` };
    },
    list: () => keys,
    isActive: (uuid) => keys.some((key) => key.uuid === uuid && key.revoked_at === null),
    revoke(uuid) {
      const key = keys.find((candidate) => candidate.uuid === uuid)!;
      key.revoked_at ??= 'now';
    },
  };
  const live = () => keys.filter((key) => key.revoked_at === null).map((key) => key.uuid);
  return { store, created, live };
}

describe('the console session key', () => {
  it('is a human admin key minted on first use and reused after', () => {
    const { store, created } = memoryKeys();
    const now = Date.parse('2026-03-01T00:00:00Z');
    const session = new SessionKey(store, () => now);
    expect(session.token()).toBe('vgl_secret_1');
    expect(session.token()).toBe('vgl_secret_1');
    expect(created).toEqual([
      { name: SESSION_KEY_NAME, key_type: 'human', scopes: ['admin'], expires_at: new Date(now + SESSION_KEY_LIFETIME_MS).toISOString() },
    ]);
  });

  it('is renewed when it expires within a day, and every key of the launch is revoked at quit', () => {
    const { store, live } = memoryKeys();
    let now = Date.parse('2026-03-01T00:00:00Z');
    const session = new SessionKey(store, () => now);
    session.token();
    now += SESSION_KEY_LIFETIME_MS - SESSION_KEY_RENEW_MS + 1;
    expect(session.token()).toBe('vgl_secret_2');
    // The previous key still works for requests already on their way.
    expect(live()).toEqual(['key-1', 'key-2']);
    session.revoke();
    expect(live()).toEqual([]);
  });

  it('is replaced when it was revoked meanwhile (the console asks again after a 401)', () => {
    const { store, live } = memoryKeys();
    const session = new SessionKey(store);
    expect(session.token()).toBe('vgl_secret_1');
    store.revoke('key-1');
    expect(session.token()).toBe('vgl_secret_2');
    expect(live()).toEqual(['key-2']);
  });

  it("revokes keys a crashed launch left behind, and nobody else's", () => {
    const { store, live } = memoryKeys([
      { uuid: 'old-1', name: SESSION_KEY_NAME, key_type: 'human', revoked_at: null },
      { uuid: 'old-2', name: SESSION_KEY_NAME, key_type: 'human', revoked_at: '2026-01-01T00:00:00Z' },
      { uuid: 'agent', name: 'claude-desktop', key_type: 'agent', revoked_at: null },
      { uuid: 'analyst', name: 'analyst laptop', key_type: 'human', revoked_at: null },
    ]);
    const session = new SessionKey(store);
    session.token();
    expect(session.revokeLeftovers()).toBe(1);
    expect(live()).toEqual(['agent', 'analyst', 'key-1']);
  });
});
