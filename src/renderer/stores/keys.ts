// API keys: list, create (the key is shown once), revoke.
import { create } from 'zustand';
import { ApiError, errorMessage } from '../api/client.ts';
import { api } from '../api/instance.ts';
import type { ApiKey, CreatedApiKey, KeyType, Scope } from '../api/types.ts';
import { omit } from '../lib/util.ts';

export const DEFAULT_SCOPES: Record<KeyType, Scope[]> = {
  human: ['workflows:read', 'workflows:write', 'workflows:execute', 'approvals:write'],
  agent: ['workflows:read', 'workflows:execute'],
};
/** The engine refuses these for agent keys: an agent must never approve its own request. */
export const HUMAN_ONLY_SCOPES: Scope[] = ['approvals:write', 'admin'];

export type KeyStatus = 'active' | 'revoked' | 'expired';

export function keyStatus(key: ApiKey, now: number): KeyStatus {
  if (key.revoked) return 'revoked';
  if (key.expires_at && Date.parse(key.expires_at) <= now) return 'expired';
  return 'active';
}

/** Active keys first (newest first), then expired and revoked ones. */
export function sortKeys(keys: ApiKey[], now: number): ApiKey[] {
  const rank = (key: ApiKey) => (keyStatus(key, now) === 'active' ? 0 : 1);
  return [...keys].sort((a, b) => rank(a) - rank(b) || (a.created_at < b.created_at ? 1 : -1));
}

interface KeysState {
  items: ApiKey[];
  loaded: boolean;
  loading: boolean;
  error: string | null;
  creating: boolean;
  formErrors: Record<string, string>;
  /** The key just created: shown once, until dismissed. */
  created: CreatedApiKey | null;
  rowErrors: Record<string, string>;
  load(): Promise<void>;
  create(input: { name: string; key_type: KeyType; scopes: Scope[]; expires_at: string | null }): Promise<boolean>;
  dismissCreated(): void;
  revoke(uuid: string): Promise<boolean>;
}

export const useKeys = create<KeysState>()((set, get) => ({
  items: [],
  loaded: false,
  loading: false,
  error: null,
  creating: false,
  formErrors: {},
  created: null,
  rowErrors: {},

  async load() {
    set({ loading: true });
    try {
      const { data } = await api().keys.list();
      set({ items: data, loaded: true, loading: false, error: null });
    } catch (error) {
      set({ loaded: true, loading: false, error: errorMessage(error) });
    }
  },

  async create(input) {
    const formErrors: Record<string, string> = {};
    if (!input.name.trim()) formErrors.name = 'Give the key a name that says who or what uses it.';
    if (input.scopes.length === 0) formErrors.scopes = 'Pick at least one scope.';
    if (input.expires_at && Date.parse(input.expires_at) <= Date.now()) formErrors.expires_at = 'The expiry must be in the future.';
    if (Object.keys(formErrors).length > 0) {
      set({ formErrors });
      return false;
    }
    set({ creating: true, formErrors: {}, created: null });
    try {
      const { data } = await api().keys.create({ ...input, name: input.name.trim() });
      set({ creating: false, created: data });
      await get().load();
      return true;
    } catch (error) {
      const fields: Record<string, string> = {};
      if (error instanceof ApiError) {
        for (const problem of error.fieldProblems) {
          const field = problem.field.replace(/^body\./, '').split('.')[0] ?? 'form';
          fields[field] = problem.message;
        }
      }
      set({ creating: false, formErrors: Object.keys(fields).length > 0 ? { ...fields, form: errorMessage(error) } : { form: errorMessage(error) } });
      return false;
    }
  },

  dismissCreated() {
    set({ created: null });
  },

  async revoke(uuid) {
    set((s) => ({ rowErrors: omit(s.rowErrors, uuid) }));
    try {
      const { data } = await api().keys.revoke(uuid);
      set((s) => ({ items: s.items.map((key) => (key.uuid === uuid ? data : key)) }));
      return true;
    } catch (error) {
      set((s) => ({ rowErrors: { ...s.rowErrors, [uuid]: errorMessage(error) } }));
      return false;
    }
  },
}));
