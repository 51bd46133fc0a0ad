// Code generation's vocabulary, shared by the engine's LLM room and the console: what a caller asks
// for, what it gets back, the progress events it can follow while the model writes and the repair
// loop checks, and the provider settings.
import type { Static } from 'typebox';
import type {
  GenerateBody,
  GenerateProgress as GenerateProgressSchema,
  GenerateResult as GenerateResultSchema,
  GenerationProblem as GenerationProblemSchema,
  LlmSettingsPut,
  LlmSettingsView as LlmSettingsViewSchema,
} from './api/generate.ts';

export const LLM_PROVIDERS = ['anthropic', 'openai_compatible'] as const;
export type LlmProviderName = (typeof LLM_PROVIDERS)[number];

/**
 * How an OpenAI-compatible server is asked for the structured answer. `json_schema`
 * (`response_format`) works on Ollama, LM Studio and vLLM without extra server flags; `tool` (a
 * forced function call) suits servers whose models are tuned for tool calling.
 */
export const STRUCTURED_OUTPUT_MODES = ['json_schema', 'tool'] as const;
export type StructuredOutputMode = (typeof STRUCTURED_OUTPUT_MODES)[number];

/** The longest a single model request may be allowed to take, in seconds. */
export const MAX_LLM_TIMEOUT_SECONDS = 1800;

export const PROGRESS_STAGES = ['requesting', 'receiving', 'linting', 'type_checking', 'testing', 'repairing', 'done'] as const;
export type ProgressStage = (typeof PROGRESS_STAGES)[number];

export type ProgressListener = (event: GenerateProgress) => void;

/** The LLM settings as stored (SQLite, keys `llm.*`); the API key is not here but in the keychain. */
export interface LlmSettings {
  provider: LlmProviderName | null;
  /** Null = the provider's default (Anthropic: DEFAULT_ANTHROPIC_MODEL). */
  model: string | null;
  /** Anthropic: null = the official endpoint. OpenAI-compatible: the server's `/v1` URL (required). */
  base_url: string | null;
  /** Limit for one model request, seconds. */
  timeout_seconds: number;
  /** OpenAI-compatible only. */
  structured_output: StructuredOutputMode;
}

// What a caller sends and gets back is part of the API contract (src/shared/api/generate.ts).
/** What a caller asks for (the body of `POST /v1/workflows/generate`). */
export type GenerateRequest = GenerateBody;
/** A problem the repair loop found in one attempt; fed back to the model, or returned as a warning. */
export type GenerationProblem = Static<typeof GenerationProblemSchema>;
/** Where a problem was found. */
export type ProblemSource = GenerationProblem['source'];
export type GenerateResult = Static<typeof GenerateResultSchema>;
/** The sample input the generated workflow is tested with (also shown so the analyst can reuse it). */
export type SuggestedTestInput = GenerateResult['suggested_test_input'];
export type CheckState = GenerateResult['checks']['lint'];
/** One step of a generation, for the console's progress display. */
export type GenerateProgress = Static<typeof GenerateProgressSchema>;
/** What `GET /v1/settings/llm` shows: the settings plus whether a key is set, never the key. */
export type LlmSettingsView = Static<typeof LlmSettingsViewSchema>;
/** A change of the LLM settings (`PUT /v1/settings/llm`). */
export type LlmSettingsUpdate = LlmSettingsPut;
