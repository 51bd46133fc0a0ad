// Code generation for the API: its settings, and a generation with the configured model whose test
// runs go to the engine's sandbox in test mode.
import type { GenerateRequest, GenerateResult, LlmSettingsUpdate, LlmSettingsView } from '../../../shared/llm.ts';
import { invalid } from '../errors.ts';
import type { SettingsTable } from '../db/index.ts';
import type { SecretStore } from '../secrets/index.ts';
import { PerKeyLimit } from '../util/per-key-limit.ts';
import { llmSettingsView, resolveProvider, updateLlmSettings } from './config.ts';
import type { GenerateOptions } from './generate.ts';
import type { TestExecutor } from './checks.ts';

/** The generator and its prompt material; TypeScript comes with them, so they load on first use. */
export const loadGenerator = (): Promise<typeof import('./generator.ts')> => import('./generator.ts');

export interface GenerationServiceDeps {
  settings: SettingsTable;
  /** Vigil's own credentials: the provider's API key. */
  credentials: SecretStore;
  /** Runs each attempt's test in the sandbox. */
  executor: TestExecutor;
  log: { info(message: string): void };
}

/** A generation ready to run, once, with the configured model. */
export interface Generation {
  run(request: GenerateRequest, options: GenerateOptions): Promise<GenerateResult>;
}

/**
 * Generations a key may have in progress: each asks the provider up to three times on the
 * analyst's account, and runs a test in the sandbox after each answer.
 */
const GENERATIONS_PER_KEY = 2;

export class GenerationService {
  private readonly deps: GenerationServiceDeps;
  private readonly perKey = new PerKeyLimit(GENERATIONS_PER_KEY, { code: 'GENERATIONS_BUSY', what: 'generations in progress', retryAfterSeconds: 5 });

  constructor(deps: GenerationServiceDeps) {
    this.deps = deps;
  }

  settings(): LlmSettingsView {
    return llmSettingsView(this.deps.settings);
  }

  /** Replaces the settings; an API key the keychain refuses is a problem with the request's `api_key`. */
  async updateSettings(update: LlmSettingsUpdate): Promise<LlmSettingsView> {
    try {
      return await updateLlmSettings(this.deps, update);
    } catch (error) {
      if ((error as { code?: string }).code === 'SECRET_INVALID') throw invalid([{ field: 'body.api_key', message: (error as Error).message }]);
      throw error;
    }
  }

  /**
   * The configured model, or a refusal before anything is generated (not configured, keychain
   * unavailable, the key's generations at their limit), so a caller that streams progress can
   * still answer such errors plainly. `caller` is the asking key's id; its place is held until the
   * generation has run.
   */
  async prepare(caller: number): Promise<Generation> {
    const { settings, executor, log } = this.deps;
    const leave = this.perKey.enter(caller);
    try {
      const resolved = await resolveProvider(this.deps);
      const { generateWorkflow, loadPromptMaterial } = await loadGenerator();
      const deps = { provider: resolved.provider, timeoutMs: resolved.timeoutMs, executor, integrations: settings, material: loadPromptMaterial() };
      return {
        async run(request, options) {
          const started = Date.now();
          const result = await generateWorkflow(request, deps, options).finally(leave);
          log.info(
            `llm: generated "${result.suggested_name}" with ${result.provider} ${result.model} in ${result.attempts} attempt(s), ` +
              `${result.warnings.length} warning(s), ${((Date.now() - started) / 1000).toFixed(1)} s`,
          );
          return result;
        },
      };
    } catch (error) {
      leave();
      throw error;
    }
  }
}
