// LLM settings: provider, model, endpoint and timeout in the settings table (keys `llm.*`); the API
// key in Vigil's credentials keychain (never SQLite, never a response, never a log line). A flag in
// the settings table records whether a key was stored, so reading the settings and using a keyless
// local server never touch the keychain (no unlock prompt for an Ollama user).
import type { SettingsTable } from '../db/index.ts';
import type { SecretStore } from '../secrets/index.ts';
import type { LlmProvider } from './providers/types.ts';
import { LlmError, LlmSettingsError, notConfigured } from './errors.ts';
import {
  LLM_PROVIDERS,
  STRUCTURED_OUTPUT_MODES,
  type LlmProviderName,
  type LlmSettings,
  type LlmSettingsUpdate,
  type LlmSettingsView,
  type StructuredOutputMode,
} from '../../../shared/llm.ts';

/** A current Sonnet: strong at code, quick enough for an interactive dialog. */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-5-5';
export const DEFAULT_TIMEOUT_SECONDS = 120;

/** Credential names per provider, so switching providers keeps the other's key. */
export const API_KEY_CREDENTIALS: Record<LlmProviderName, string> = {
  anthropic: 'LLM_ANTHROPIC_API_KEY',
  openai_compatible: 'LLM_OPENAI_COMPATIBLE_API_KEY',
};

const KEY = {
  provider: 'llm.provider',
  model: 'llm.model',
  base_url: 'llm.base_url',
  timeout_seconds: 'llm.timeout_seconds',
  structured_output: 'llm.structured_output',
} as const;
const keySetFlag = (provider: LlmProviderName) => `llm.api_key_set.${provider}`;

export interface LlmConfigDeps {
  settings: SettingsTable;
  /** Vigil's own credentials store (keychain service `vigil.credentials`). */
  credentials: SecretStore;
}

export function readLlmSettings(table: SettingsTable): LlmSettings {
  const stored = table.read();
  const provider = LLM_PROVIDERS.includes(stored[KEY.provider] as LlmProviderName) ? (stored[KEY.provider] as LlmProviderName) : null;
  const text = (key: string) => (typeof stored[key] === 'string' && stored[key] !== '' ? (stored[key] as string) : null);
  const timeout = stored[KEY.timeout_seconds];
  const mode = stored[KEY.structured_output];
  return {
    provider,
    model: text(KEY.model),
    base_url: text(KEY.base_url),
    timeout_seconds: typeof timeout === 'number' && timeout > 0 ? timeout : DEFAULT_TIMEOUT_SECONDS,
    structured_output: STRUCTURED_OUTPUT_MODES.includes(mode as StructuredOutputMode) ? (mode as StructuredOutputMode) : 'json_schema',
  };
}

function apiKeyRecorded(table: SettingsTable, provider: LlmProviderName): boolean {
  return table.read()[keySetFlag(provider)] === true;
}

export function effectiveModel(settings: LlmSettings): string | null {
  if (settings.model) return settings.model;
  return settings.provider === 'anthropic' ? DEFAULT_ANTHROPIC_MODEL : null;
}

/** What is missing before generation can run, as field names; empty = configured. */
function missingFields(settings: LlmSettings, apiKeySet: boolean): string[] {
  switch (settings.provider) {
    case null:
      return ['provider'];
    case 'anthropic':
      return apiKeySet ? [] : ['api_key'];
    case 'openai_compatible':
      return [...(settings.base_url ? [] : ['base_url']), ...(settings.model ? [] : ['model'])];
  }
}

export function llmSettingsView(table: SettingsTable): LlmSettingsView {
  const settings = readLlmSettings(table);
  const apiKeySet = settings.provider ? apiKeyRecorded(table, settings.provider) : false;
  return {
    ...settings,
    api_key_set: apiKeySet,
    configured: missingFields(settings, apiKeySet).length === 0,
    effective_model: effectiveModel(settings),
  };
}

/**
 * Replaces the settings (fields left out return to their defaults) and stores, deletes or keeps
 * the provider's API key. The keychain goes first: when it is unavailable, nothing changes.
 */
export async function updateLlmSettings(deps: LlmConfigDeps, update: LlmSettingsUpdate): Promise<LlmSettingsView> {
  const problems = validateUpdate(update);
  if (problems.length > 0) throw new LlmSettingsError(problems);
  const changes: Record<string, unknown> = {
    [KEY.provider]: update.provider,
    [KEY.model]: update.model?.trim() || null,
    [KEY.base_url]: update.base_url?.trim().replace(/\/+$/, '') || null,
    [KEY.timeout_seconds]: update.timeout_seconds ?? DEFAULT_TIMEOUT_SECONDS,
    [KEY.structured_output]: update.structured_output ?? 'json_schema',
  };
  if (update.provider && update.api_key !== undefined) {
    const name = API_KEY_CREDENTIALS[update.provider];
    if (update.api_key === null) await deps.credentials.delete(name);
    else await deps.credentials.set(name, update.api_key);
    changes[keySetFlag(update.provider)] = update.api_key !== null;
  }
  deps.settings.write(changes);
  return llmSettingsView(deps.settings);
}

/** Every problem of an update, as the API's VALIDATION_ERROR lists them. */
function validateUpdate(update: LlmSettingsUpdate): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  if (update.base_url) {
    let url: URL | null = null;
    try {
      url = new URL(update.base_url);
    } catch {
      problems.push({ field: 'body.base_url', message: 'must be an absolute http:// or https:// URL' });
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push({ field: 'body.base_url', message: 'must be an http:// or https:// URL' });
    }
    if (url && (url.username || url.password)) {
      problems.push({ field: 'body.base_url', message: 'must not carry credentials; send the key as api_key' });
    }
  }
  if (update.provider === 'openai_compatible') {
    if (!update.base_url) problems.push({ field: 'body.base_url', message: 'is required for openai_compatible (e.g. http://127.0.0.1:11434/v1 for Ollama)' });
    if (!update.model?.trim()) problems.push({ field: 'body.model', message: 'is required for openai_compatible (the server\'s model name, e.g. qwen2.5-coder:14b)' });
  }
  if (update.api_key !== undefined && update.api_key !== null && update.provider === null) {
    problems.push({ field: 'body.api_key', message: 'needs a provider to belong to' });
  }
  return problems;
}

export interface ResolvedLlm {
  provider: LlmProvider;
  timeoutMs: number;
  settings: LlmSettings;
}

/**
 * The provider the settings describe, with its key from the keychain. Throws LLM_NOT_CONFIGURED
 * when something is missing; a locked keychain propagates as the keychain's own error.
 */
export async function resolveProvider(deps: LlmConfigDeps): Promise<ResolvedLlm> {
  const settings = readLlmSettings(deps.settings);
  const recorded = settings.provider ? apiKeyRecorded(deps.settings, settings.provider) : false;
  const missing = missingFields(settings, recorded);
  if (missing.length > 0) {
    throw notConfigured(
      settings.provider === null
        ? 'No LLM provider is configured. Choose Anthropic or a local OpenAI-compatible server under Settings → Code generation (PUT /v1/settings/llm).'
        : `The ${settings.provider} provider is missing ${missing.join(' and ')}. Complete it under Settings → Code generation (PUT /v1/settings/llm).`,
      missing,
    );
  }
  const provider = settings.provider!;
  const apiKey = recorded ? await deps.credentials.get(API_KEY_CREDENTIALS[provider]) : null;
  if (recorded && apiKey === null) {
    throw notConfigured(
      `The ${provider} API key is no longer in the keychain (${API_KEY_CREDENTIALS[provider]}). Enter it again under Settings → Code generation.`,
      ['api_key'],
    );
  }
  const timeoutMs = settings.timeout_seconds * 1000;
  const model = effectiveModel(settings)!;
  // Loaded on first use: the Anthropic SDK adds ~130 ms to start-up, which `vigil serve` and every
  // other command would otherwise pay without generating anything.
  const created =
    provider === 'anthropic'
      ? (await import('./providers/anthropic.ts')).createAnthropicProvider({ apiKey: apiKey!, model, baseUrl: settings.base_url })
      : (await import('./providers/openai.ts')).createOpenAiCompatibleProvider({
          baseUrl: settings.base_url!,
          model,
          apiKey,
          structuredOutput: settings.structured_output,
        });
  return { provider: apiKey ? redacting(created, apiKey) : created, timeoutMs, settings };
}

/** Makes sure a provider's error message that echoes the key (some servers do) never carries it further. */
function redacting(provider: LlmProvider, secret: string): LlmProvider {
  const scrub = (text: string) => text.split(secret).join('[redacted]');
  return {
    name: provider.name,
    model: provider.model,
    answerChannel: provider.answerChannel,
    async complete(request) {
      try {
        return await provider.complete(request);
      } catch (error) {
        if (error instanceof LlmError) {
          const details = error.details ? JSON.parse(scrub(JSON.stringify(error.details))) : null;
          throw new LlmError(error.code, scrub(error.message), details);
        }
        throw error;
      }
    },
  };
}
