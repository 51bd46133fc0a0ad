// Settings: the engine's (execution, notifiers, code generation) through the API, and in the
// desktop app the shell's own preference (start at login). Each section saves on its own and
// shows its own errors, so a bad webhook URL never hides a saved rate limit.
import { create } from 'zustand';
import type { DesktopSettings } from '../../shared/bridge.ts';
import { ApiError, errorMessage } from '../api/client.ts';
import { api } from '../api/instance.ts';
import type {
  LlmProviderName,
  LlmSettingsUpdate,
  LlmSettingsView,
  NotifierTestResult,
  NotifierUpdate,
  NotifierView,
  Settings,
  SettingsPatch,
} from '../api/types.ts';

export type Section = 'execution' | 'slack' | 'teams' | 'desktop' | 'llm' | 'shell';

export interface SectionState {
  saving: boolean;
  error: string | null;
  fieldErrors: Record<string, string>;
  savedAt: number | null;
}

const idle: SectionState = { saving: false, error: null, fieldErrors: {}, savedAt: null };

/** A 422 problem's field ("body.slack.bot_token") without the body and section prefixes ("bot_token"). */
export function sectionField(field: string, section: string): string {
  return field.replace(/^body\./, '').replace(new RegExp(`^${section}\\.`), '');
}

/** What happens to the stored LLM API key on save: kept, replaced by a typed one, or removed. */
export type KeyChange = { mode: 'keep' } | { mode: 'replace'; value: string } | { mode: 'remove' };

/** The LLM provider form as typed. */
export interface LlmForm {
  provider: LlmProviderName | '';
  model: string;
  baseUrl: string;
  timeout: string;
  structuredOutput: 'json_schema' | 'tool';
  key: KeyChange;
}

export const MAX_LLM_TIMEOUT_SECONDS = 1800;

/**
 * The PUT /v1/settings/llm body for a form, or the problems to show next to its fields first.
 * The required fields of a provider are left to the server, whose 422 names them.
 */
export function buildLlmUpdate(form: LlmForm): { update: LlmSettingsUpdate } | { errors: Record<string, string> } {
  // Off: the server keeps the keys of both providers for when one is chosen again.
  if (!form.provider) return { update: { provider: null } };
  const errors: Record<string, string> = {};
  const timeout = Number(form.timeout.trim());
  if (!form.timeout.trim() || !Number.isInteger(timeout) || timeout < 1 || timeout > MAX_LLM_TIMEOUT_SECONDS) {
    errors.timeout_seconds = `A whole number of seconds from 1 to ${MAX_LLM_TIMEOUT_SECONDS.toLocaleString('en')}.`;
  }
  if (Object.keys(errors).length > 0) return { errors };
  const update: LlmSettingsUpdate = {
    provider: form.provider,
    model: form.model.trim() || null,
    base_url: form.baseUrl.trim() || null,
    timeout_seconds: timeout,
  };
  if (form.provider === 'openai_compatible') update.structured_output = form.structuredOutput;
  // An empty "replace" box means nothing was typed: the stored key (if any) stays.
  if (form.key.mode === 'replace' && form.key.value !== '') update.api_key = form.key.value;
  if (form.key.mode === 'remove') update.api_key = null;
  return { update };
}

interface SettingsState {
  settings: Settings | null;
  notifiers: NotifierView | null;
  llm: LlmSettingsView | null;
  loading: boolean;
  /** Load errors by part ("settings", "notifiers", "llm", "shell"). */
  loadErrors: Record<string, string>;
  sections: Record<Section, SectionState>;
  tests: Partial<Record<'slack' | 'teams', { running: boolean; result: NotifierTestResult | null; error: string | null }>>;
  shell: DesktopSettings | null;
  load(): Promise<void>;
  saveExecution(patch: SettingsPatch): Promise<boolean>;
  saveNotifiers(section: 'slack' | 'teams' | 'desktop', update: NotifierUpdate): Promise<boolean>;
  testNotifier(channel: 'slack' | 'teams'): Promise<void>;
  saveLlm(update: LlmSettingsUpdate): Promise<boolean>;
  updateShell(changes: Partial<DesktopSettings>): Promise<void>;
}

/** While the engine says the OS keychain cannot be used, the fields that would store a secret are disabled. */
export const useKeychainUnavailable = (): boolean => useSettings((s) => s.settings?.keychain?.state === 'unavailable');

export const useSettings = create<SettingsState>()((set, get) => {
  const begin = (section: Section) =>
    set((s) => ({ sections: { ...s.sections, [section]: { ...idle, saving: true } } }));
  const done = (section: Section) =>
    set((s) => ({ sections: { ...s.sections, [section]: { ...idle, savedAt: Date.now() } } }));
  const failed = (section: Section, error: unknown, prefix = section) => {
    const fieldErrors: Record<string, string> = {};
    if (error instanceof ApiError) {
      for (const problem of error.fieldProblems) fieldErrors[sectionField(problem.field, prefix)] = problem.message;
    }
    set((s) => ({ sections: { ...s.sections, [section]: { ...idle, error: errorMessage(error), fieldErrors } } }));
  };

  return {
    settings: null,
    notifiers: null,
    llm: null,
    loading: false,
    loadErrors: {},
    sections: { execution: idle, slack: idle, teams: idle, desktop: idle, llm: idle, shell: idle },
    tests: {},
    shell: null,

    async load() {
      set({ loading: true });
      const loadErrors: Record<string, string> = {};
      const [settings, notifiers, llm] = await Promise.all([
        api().settings.get().then((r) => r.data, (e: unknown) => void (loadErrors.settings = errorMessage(e))),
        api().settings.notifiers().then((r) => r.data, (e: unknown) => void (loadErrors.notifiers = errorMessage(e))),
        api().settings.llm().then((r) => r.data, (e: unknown) => void (loadErrors.llm = errorMessage(e))),
      ]);
      let shell: DesktopSettings | null = null;
      if (window.vigil) {
        shell = await window.vigil.desktopSettings().catch((e: unknown) => {
          loadErrors.shell = errorMessage(e);
          return null;
        });
      }
      set({
        settings: settings ?? get().settings,
        notifiers: notifiers ?? get().notifiers,
        llm: llm ?? get().llm,
        shell,
        loading: false,
        loadErrors,
      });
    },

    async saveExecution(patch) {
      begin('execution');
      try {
        const { data } = await api().settings.patch(patch);
        set({ settings: data });
        done('execution');
        return true;
      } catch (error) {
        failed('execution', error, 'execution');
        return false;
      }
    },

    async saveNotifiers(section, update) {
      begin(section);
      try {
        const { data } = await api().settings.updateNotifiers(update);
        set({ notifiers: data });
        done(section);
        return true;
      } catch (error) {
        failed(section, error);
        return false;
      }
    },

    async testNotifier(channel) {
      set((s) => ({ tests: { ...s.tests, [channel]: { running: true, result: null, error: null } } }));
      try {
        const { data } = await api().settings.testNotifier(channel);
        set((s) => ({ tests: { ...s.tests, [channel]: { running: false, result: data, error: null } } }));
      } catch (error) {
        set((s) => ({ tests: { ...s.tests, [channel]: { running: false, result: null, error: errorMessage(error) } } }));
      }
    },

    async saveLlm(update) {
      begin('llm');
      try {
        const { data } = await api().settings.updateLlm(update);
        set({ llm: data });
        done('llm');
        return true;
      } catch (error) {
        failed('llm', error, 'llm');
        return false;
      }
    },

    async updateShell(changes) {
      const bridge = window.vigil;
      if (!bridge) return;
      begin('shell');
      try {
        set({ shell: await bridge.updateDesktopSettings(changes) });
        done('shell');
      } catch (error) {
        failed('shell', error);
      }
    },
  };
});
