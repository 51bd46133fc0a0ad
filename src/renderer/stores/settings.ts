// Settings: the engine's (execution, notifiers, code generation, integrations) through the API,
// and in the desktop app the shell's own preference (start at login). Each section saves on its
// own and shows its own errors, so a bad webhook URL never hides a saved rate limit.
import { create } from 'zustand';
import type { DesktopSettings } from '../../shared/bridge.ts';
import { ApiError, errorMessage } from '../api/client.ts';
import { api } from '../api/instance.ts';
import type {
  ConnectionTest,
  EntraUpdate,
  IntegrationName,
  IntegrationView,
  LlmProviderName,
  LlmSettingsUpdate,
  LlmSettingsView,
  NotifierTestResult,
  NotifierUpdate,
  NotifierView,
  OktaUpdate,
  Settings,
  SettingsPatch,
} from '../api/types.ts';
import { secretUpdate, type SecretChange } from '../lib/secret-change.ts';

export type NotifierChannel = 'slack' | 'teams';

export type Section = 'execution' | NotifierChannel | 'desktop' | 'llm' | IntegrationName | 'shell';

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

/** The LLM provider form as typed. */
export interface LlmForm {
  provider: LlmProviderName | '';
  model: string;
  baseUrl: string;
  timeout: string;
  structuredOutput: 'json_schema' | 'tool';
  key: SecretChange;
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
  const key = secretUpdate(form.key);
  if (key !== undefined) update.api_key = key;
  return { update };
}

/** A one-off check (a test message, Test connection) and what it answered. */
export interface Probe<T> {
  running: boolean;
  result: T | null;
  error: string | null;
}

interface Probes {
  slack?: Probe<NotifierTestResult>;
  teams?: Probe<NotifierTestResult>;
  okta?: Probe<ConnectionTest>;
  entra?: Probe<ConnectionTest>;
}

type ProbeResult<K extends keyof Probes> = NonNullable<NonNullable<Probes[K]>['result']>;

interface SettingsState {
  settings: Settings | null;
  notifiers: NotifierView | null;
  llm: LlmSettingsView | null;
  integrations: IntegrationView[] | null;
  loading: boolean;
  /** Load errors by part ("settings", "notifiers", "llm", "integrations", "shell"). */
  loadErrors: Record<string, string>;
  sections: Record<Section, SectionState>;
  tests: Probes;
  shell: DesktopSettings | null;
  load(): Promise<void>;
  saveExecution(patch: SettingsPatch): Promise<boolean>;
  saveNotifiers(section: NotifierChannel | 'desktop', update: NotifierUpdate): Promise<boolean>;
  testNotifier(channel: NotifierChannel): Promise<void>;
  saveLlm(update: LlmSettingsUpdate): Promise<boolean>;
  saveIntegration(name: IntegrationName, update: OktaUpdate | EntraUpdate): Promise<boolean>;
  /** Forgets the integration's settings and removes its credentials from the keychain. */
  removeIntegration(name: IntegrationName): Promise<boolean>;
  testIntegration(name: IntegrationName): Promise<void>;
  updateShell(changes: Partial<DesktopSettings>): Promise<void>;
}

/** While the engine says the OS keychain cannot be used, the fields that would store a secret are disabled. */
export const useKeychainUnavailable = (): boolean => useSettings((s) => s.settings?.keychain?.state === 'unavailable');

export const useSettings = create<SettingsState>()((set, get) => {
  const setSection = (section: Section, state: SectionState) => set((s) => ({ sections: { ...s.sections, [section]: state } }));

  /** Saves one section: what the server answers replaces that part of the state. */
  const save = async (section: Section, work: () => Promise<Partial<SettingsState>>) => {
    setSection(section, { ...idle, saving: true });
    try {
      set(await work());
      setSection(section, { ...idle, savedAt: Date.now() });
      return true;
    } catch (error) {
      const fieldErrors: Record<string, string> = {};
      if (error instanceof ApiError) {
        for (const problem of error.fieldProblems) fieldErrors[sectionField(problem.field, section)] = problem.message;
      }
      setSection(section, { ...idle, error: errorMessage(error), fieldErrors });
      return false;
    }
  };

  const probe = async <K extends keyof Probes>(name: K, work: () => Promise<{ data: ProbeResult<K> }>) => {
    const put = (state: Probe<ProbeResult<K>>) => set((s) => ({ tests: { ...s.tests, [name]: state } }));
    put({ running: true, result: null, error: null });
    try {
      put({ running: false, result: (await work()).data, error: null });
    } catch (error) {
      put({ running: false, result: null, error: errorMessage(error) });
    }
  };

  /** Saves or removes an integration; the last connection test described the settings it replaces. */
  const integration = (name: IntegrationName, work: () => Promise<{ data: IntegrationView }>) => {
    set((s) => ({ tests: { ...s.tests, [name]: undefined } }));
    return save(name, async () => {
      const { data } = await work();
      return { integrations: (get().integrations ?? []).map((view) => (view.name === name ? data : view)) };
    });
  };

  return {
    settings: null,
    notifiers: null,
    llm: null,
    integrations: null,
    loading: false,
    loadErrors: {},
    sections: { execution: idle, slack: idle, teams: idle, desktop: idle, llm: idle, okta: idle, entra: idle, shell: idle },
    tests: {},
    shell: null,

    async load() {
      set({ loading: true });
      const loadErrors: Record<string, string> = {};
      const part = <T>(name: string, request: Promise<{ data: T }>) =>
        request.then((r) => r.data, (e: unknown) => void (loadErrors[name] = errorMessage(e)));
      const [settings, notifiers, llm, integrations] = await Promise.all([
        part('settings', api().settings.get()),
        part('notifiers', api().settings.notifiers()),
        part('llm', api().settings.llm()),
        part('integrations', api().integrations.list()),
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
        integrations: integrations ?? get().integrations,
        shell,
        loading: false,
        loadErrors,
      });
    },

    saveExecution: (patch) => save('execution', async () => ({ settings: (await api().settings.patch(patch)).data })),

    saveNotifiers: (section, update) =>
      save(section, async () => ({ notifiers: (await api().settings.updateNotifiers(update)).data })),

    testNotifier: (channel) => probe(channel, () => api().settings.testNotifier(channel)),

    saveLlm: (update) => save('llm', async () => ({ llm: (await api().settings.updateLlm(update)).data })),

    saveIntegration: (name, update) => integration(name, () => api().integrations.update(name, update)),

    removeIntegration: (name) => integration(name, () => api().integrations.remove(name)),

    testIntegration: (name) => probe(name, () => api().integrations.test(name)),

    async updateShell(changes) {
      const bridge = window.vigil;
      if (!bridge) return;
      await save('shell', async () => ({ shell: await bridge.updateDesktopSettings(changes) }));
    },
  };
});
