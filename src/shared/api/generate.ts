// Code generation and its settings (src/main/engine/api/routes/generate.ts). The streaming form of
// generate (text/event-stream) sends the same result and the GenerateProgress events of src/shared/llm.ts.
import { Type, type Static } from 'typebox';
import { INDICATOR_TYPES, WORKFLOW_TYPES } from '../domain.ts';
import { LLM_PROVIDERS, MAX_LLM_TIMEOUT_SECONDS, PROGRESS_STAGES, STRUCTURED_OUTPUT_MODES } from '../llm.ts';
import { AnyJson, Closed, Enum, JsonObject, Nullable } from './common.ts';

export const GenerateBody = Closed({
  description: Type.String({ minLength: 1, maxLength: 20_000, description: 'What the workflow should do, in plain words.' }),
  workflow_type: Type.Optional(Type.Union([Enum(WORKFLOW_TYPES), Type.Null()])),
  indicator_types: Type.Optional(Type.Array(Enum(INDICATOR_TYPES), { uniqueItems: true, maxItems: INDICATOR_TYPES.length })),
  existing_code: Type.Optional(
    Type.String({ maxLength: 1024 * 1024, description: 'The current code. With `instruction`, the model refines it instead of starting over.' }),
  ),
  instruction: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000, description: 'What to change in `existing_code`.' })),
});
export type GenerateBody = Static<typeof GenerateBody>;

export const LlmSettingsPut = Closed({
  provider: Type.Union([Enum(LLM_PROVIDERS), Type.Null()], { description: 'null turns generation off.' }),
  model: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()], {
      description: 'Model id; null = the provider default (Anthropic: a current Sonnet). Required for openai_compatible.',
    }),
  ),
  base_url: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 2000 }), Type.Null()], {
      description: 'openai_compatible: the server\'s /v1 URL (required), e.g. http://127.0.0.1:11434/v1. anthropic: null = the official endpoint.',
    }),
  ),
  timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LLM_TIMEOUT_SECONDS, description: 'Limit for one model request (default 120).' })),
  structured_output: Type.Optional(
    Enum(STRUCTURED_OUTPUT_MODES, 'openai_compatible only: json_schema (response_format, default) or tool (a forced function call).'),
  ),
  api_key: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 4096 }), Type.Null()], {
      description: 'Write-only. A string stores it in the OS keychain, null deletes it, absent keeps the stored one.',
    }),
  ),
});
export type LlmSettingsPut = Static<typeof LlmSettingsPut>;

/** The settings plus whether a key is set, never the key. */
export const LlmSettingsView = Type.Object({
  provider: Nullable(Enum(LLM_PROVIDERS)),
  model: Nullable(Type.String(), { description: 'Null: the provider\'s default.' }),
  base_url: Nullable(Type.String()),
  timeout_seconds: Type.Integer(),
  structured_output: Enum(STRUCTURED_OUTPUT_MODES),
  api_key_set: Type.Boolean(),
  configured: Type.Boolean({ description: 'Whether generation can be used as configured.' }),
  effective_model: Nullable(Type.String(), { description: 'The model a request will use.' }),
});

const CheckState = Enum(['passed', 'failed', 'skipped'] as const);

export const GenerationProblem = Type.Object({
  source: Enum(['lint', 'typescript', 'test', 'answer'] as const),
  severity: Enum(['error', 'warning'] as const),
  message: Type.String(),
  rule: Type.Optional(Type.String()),
  line: Type.Optional(Type.Integer()),
  column: Type.Optional(Type.Integer()),
});

export const GenerateResult = Type.Object({
  generated_code: Type.String(),
  suggested_name: Type.String(),
  suggested_documentation: Type.String(),
  suggested_secrets: Type.Array(Type.String()),
  suggested_allowed_hosts: Type.Array(Type.String()),
  suggested_mocks: AnyJson('A mock spec (the format of the test endpoints\' `mocks`) the code was tested against.'),
  suggested_test_input: Type.Object({
    indicator_type: Enum(INDICATOR_TYPES),
    indicator_value: Type.String(),
    context: AnyJson(),
    alert: Nullable(JsonObject()),
  }),
  warnings: Type.Array(GenerationProblem, { description: 'What the last kept attempt still has.' }),
  attempts: Type.Integer({ minimum: 1 }),
  checks: Type.Object({ lint: CheckState, typecheck: CheckState, test: CheckState }),
  provider: Enum(LLM_PROVIDERS),
  model: Type.String(),
});

/** One `progress` event of the streaming form. */
export const GenerateProgress = Type.Object({
  stage: Enum(PROGRESS_STAGES),
  attempt: Type.Integer(),
  max_attempts: Type.Integer(),
  message: Type.String(),
  elapsed_ms: Type.Number(),
  received_chars: Type.Optional(Type.Integer()),
  problems: Type.Optional(Type.Array(GenerationProblem)),
});
