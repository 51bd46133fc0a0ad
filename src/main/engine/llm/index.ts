/**
 * The LLM room (DESIGN.md §1: engine/llm): workflow code generation with a repair loop, behind
 * one provider interface (Anthropic, any OpenAI-compatible server). Import from here, not from the
 * files behind it.
 */
export type { GenerateDeps, GenerateOptions } from './generate.ts';

export { GenerationService, loadGenerator } from './service.ts';
export {
  API_KEY_CREDENTIALS,
  DEFAULT_ANTHROPIC_MODEL,
  DEFAULT_TIMEOUT_SECONDS,
  llmSettingsView,
  readLlmSettings,
  resolveProvider,
  updateLlmSettings,
  type LlmConfigDeps,
  type ResolvedLlm,
} from './config.ts';
export { LlmError, LlmSettingsError, type LlmErrorCode, type UnavailableReason } from './errors.ts';
export type { PromptMaterial, ExampleWorkflow } from './prompt.ts';
export type { TestExecutor } from './checks.ts';
export type { LlmProvider } from './providers/types.ts';
export {
  LLM_PROVIDERS,
  PROGRESS_STAGES,
  STRUCTURED_OUTPUT_MODES,
  type CheckState,
  type GenerateProgress,
  type GenerateRequest,
  type GenerateResult,
  type GenerationProblem,
  type LlmProviderName,
  type LlmSettings,
  type LlmSettingsUpdate,
  type LlmSettingsView,
  type ProgressListener,
  type ProgressStage,
  type StructuredOutputMode,
  type SuggestedTestInput,
} from '../../../shared/llm.ts';
