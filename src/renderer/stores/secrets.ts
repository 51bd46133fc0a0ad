// Secret names (values never come back from the API), where they are used, set/replace/delete.
import { create } from 'zustand';
import { SECRET_NAME } from '../../shared/domain.ts';
import { ApiError, errorMessage } from '../api/client.ts';
import { api } from '../api/instance.ts';
import type { KeychainStatus, Secret } from '../api/types.ts';

interface SecretsState {
  items: Secret[];
  /** Whether values can be stored at all (GET /v1/secrets meta.keychain). */
  keychain: KeychainStatus | null;
  loaded: boolean;
  loading: boolean;
  error: string | null;
  saving: boolean;
  /** Problems with the set form, by field ("name", "value") or "form". */
  formErrors: Record<string, string>;
  rowErrors: Record<string, string>;
  load(): Promise<void>;
  set(name: string, value: string): Promise<boolean>;
  remove(name: string): Promise<boolean>;
}

export const useSecrets = create<SecretsState>()((set, get) => ({
  items: [],
  keychain: null,
  loaded: false,
  loading: false,
  error: null,
  saving: false,
  formErrors: {},
  rowErrors: {},

  async load() {
    set({ loading: true });
    try {
      const { data, meta } = await api().secrets.list();
      set({ items: data, keychain: meta.keychain ?? null, loaded: true, loading: false, error: null });
    } catch (error) {
      set({ loaded: true, loading: false, error: errorMessage(error) });
    }
  },

  async set(name, value) {
    const formErrors: Record<string, string> = {};
    if (!SECRET_NAME.test(name)) formErrors.name = 'Use letters, digits and _ (not starting with a digit), up to 128 characters.';
    if (!value) formErrors.value = 'Type the value to store.';
    if (Object.keys(formErrors).length > 0) {
      set({ formErrors });
      return false;
    }
    set({ saving: true, formErrors: {} });
    try {
      await api().secrets.set(name, value);
      set({ saving: false });
      await get().load();
      return true;
    } catch (error) {
      // The keychain turned out unusable (a keyring locked since start): the banner says it better.
      if (error instanceof ApiError && error.code === 'KEYCHAIN_UNAVAILABLE') {
        set({ saving: false, formErrors: {} });
        await get().load();
        return false;
      }
      const fields: Record<string, string> = {};
      if (error instanceof ApiError) {
        for (const problem of error.fieldProblems) {
          if (problem.field.includes('name')) fields.name = problem.message;
          else if (problem.field.includes('value')) fields.value = problem.message;
        }
      }
      set({ saving: false, formErrors: Object.keys(fields).length > 0 ? fields : { form: errorMessage(error) } });
      return false;
    }
  },

  async remove(name) {
    set((s) => ({ rowErrors: { ...s.rowErrors, [name]: '' } }));
    try {
      await api().secrets.remove(name);
      await get().load();
      return true;
    } catch (error) {
      set((s) => ({ rowErrors: { ...s.rowErrors, [name]: errorMessage(error) } }));
      return false;
    }
  },
}));
