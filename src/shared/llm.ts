// Code generation's vocabulary, shared by the engine's LLM room and the console: what a caller asks
// for, what it gets back, the progress events it can follow while the model writes and the repair
// loop checks, and the provider settings.
import type { IndicatorType, WorkflowType } from './domain.ts';

export const LLM_PROVIDERS = ['anthropic', 'openai_compatible'] as const;
export type LlmProviderName = (typeof LLM_PROVIDERS)[number];

/**
 * How an OpenAI-compatible server is asked for the structured answer. `json_schema`
 * (`response_format`) works on Ollama, LM Studio and vLLM without extra server flags; `tool` (a
 * forced function call) suits servers whose models are tuned for tool calling.
 */
export const STRUCTURED_OUTPUT_MODES = ['json_schema', 'tool'] as const;
export type StructuredOutputMode = (typeof STRUCTURED_OUTPUT_MODES)[number];

/** What a caller asks for (the body of `POST /v1/workflows/generate`). */
export interface GenerateRequest {
  /** What the workflow should do, in plain words. */
  description: string;
  workflow_type?: WorkflowType | null;
  indicator_types?: IndicatorType[];
  /** With `instruction`: refine this code instead of starting over. */
  existing_code?: string;
  /** What to change in `existing_code`. */
  instruction?: string;
}

/** Where a problem was found. */
export type ProblemSource = 'lint' | 'typescript' | 'test' | 'answer';

/** A problem the repair loop found in one attempt; fed back to the model, or returned as a warning. */
export interface GenerationProblem {
  source: ProblemSource;
  severity: 'error' | 'warning';
  message: string;
  /** The lint rule id or `TS<code>`, when there is one. */
  rule?: string;
  /** 1-based position in the generated code, when the problem has one. */
  line?: number;
  column?: number;
}

/** The sample input the generated workflow is tested with (also shown so the analyst can reuse it). */
export interface SuggestedTestInput {
  indicator_type: IndicatorType;
  indicator_value: string;
  /** Free JSON handed to the workflow as `ctx.input`. */
  context: unknown;
  /** An alert object (`ctx.alert`) or null. */
  alert: Record<string, unknown> | null;
}

export type CheckState = 'passed' | 'failed' | 'skipped';

export interface GenerateResult {
  generated_code: string;
  suggested_name: string;
  suggested_documentation: string;
  suggested_secrets: string[];
  suggested_allowed_hosts: string[];
  /** A mock spec (the format of `POST /v1/workflows/test`'s `mocks`) the code was tested against. */
  suggested_mocks: unknown;
  suggested_test_input: SuggestedTestInput;
  /** Problems the last kept attempt still has; empty when lint, type check and test all passed. */
  warnings: GenerationProblem[];
  /** Model answers used (1..3). */
  attempts: number;
  /** How the returned code fared in each check. */
  checks: { lint: CheckState; typecheck: CheckState; test: CheckState };
  provider: LlmProviderName;
  model: string;
}

export const PROGRESS_STAGES = ['requesting', 'receiving', 'linting', 'type_checking', 'testing', 'repairing', 'done'] as const;
export type ProgressStage = (typeof PROGRESS_STAGES)[number];

/** One step of a generation, for the console's progress display. */
export interface GenerateProgress {
  stage: ProgressStage;
  /** 1-based attempt this event belongs to. */
  attempt: number;
  max_attempts: number;
  /** One line for the analyst. */
  message: string;
  /** Since the generation started. */
  elapsed_ms: number;
  /** `receiving` only: characters of the answer received so far in this attempt. */
  received_chars?: number;
  /** `repairing` only: the problems being sent back to the model. */
  problems?: GenerationProblem[];
}

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

/** What `GET /v1/settings/llm` shows: the settings plus whether a key is set, never the key. */
export interface LlmSettingsView extends LlmSettings {
  api_key_set: boolean;
  /** Whether generation can be used as configured. */
  configured: boolean;
  /** The model a request will use (the setting, or the provider's default). */
  effective_model: string | null;
}

/** A change of the LLM settings (`PUT /v1/settings/llm`). */
export interface LlmSettingsUpdate {
  provider: LlmProviderName | null;
  model?: string | null;
  base_url?: string | null;
  timeout_seconds?: number;
  structured_output?: StructuredOutputMode;
  /** A string stores the key in the keychain, `null` deletes it, absent keeps it. */
  api_key?: string | null;
}
