// Test runs (src/main/engine/api/routes/test.ts): the real sandbox in test mode, every HTTP call
// answered by a mock, nothing stored, the report returned at once.
import { Type, type Static } from 'typebox';
import { INDICATOR_TYPES, WORKFLOW_KINDS, type WorkflowKind } from '../domain.ts';
import { INDICATOR_RULES_SUMMARY } from '../indicators.ts';
import { AnyJson, Answer, Closed, DateTime, Enum, Nullable } from './common.ts';
import { RunLogEntry, RunStep } from './runs.ts';
import { LintProblem, SECRET_NAME_PATTERN } from './workflows.ts';

export const TestBody = Closed({
  kind: Type.Optional(
    Type.Unsafe<WorkflowKind>({ type: 'string', enum: [...WORKFLOW_KINDS], description: 'For /v1/workflows/test: what the unsaved code is (default script).' }),
  ),
  code: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1024 * 1024,
      description: 'Unsaved code (for http_endpoint: the configuration as JSON text); /v1/workflows/test needs code or endpoint.',
    }),
  ),
  endpoint: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'Unsaved endpoint configuration (http_endpoint workflows).' })),
  indicator_type: Type.Optional(
    Type.Unsafe<(typeof INDICATOR_TYPES)[number]>({
      type: 'string',
      enum: [...INDICATOR_TYPES],
      description: 'With indicator_value; both may be left out (ctx.indicator is then null) for a scheduled workflow or unsaved code.',
    }),
  ),
  indicator_value: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: INDICATOR_RULES_SUMMARY })),
  indicator_malice: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  scheduled_for: Type.Optional(DateTime('Test as the scheduled run of this occurrence: ctx.run.scheduled_for.')),
  enrichment: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])),
  alert: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])),
  context: Type.Optional(Type.Unknown({ description: 'What the workflow sees as ctx.input.' })),
  mocks: Type.Optional(
    Type.Unknown({
      description:
        'Mock responses: {responses: [{method?, url (exact or glob with *), status, headers?, json?|body?, delay_ms?, times?}], ' +
        'default: response | "error"} or a bare list of the same rules. Any other object is refused (422). Without ' +
        'mocks every call fails: nothing leaves the machine in a test.',
    }),
  ),
  mock_http_responses: Type.Optional(
    Type.Unknown({
      description: 'Calseta\'s shorthand, instead of mocks: one JSON body that every HTTP call of the test answers with, status 200.',
    }),
  ),
  secrets: Type.Optional(
    Type.Record(Type.String({ pattern: SECRET_NAME_PATTERN }), Type.String({ maxLength: 64 * 1024 }), {
      description:
        'Test values of declared secrets. A declared secret not given here reads as the placeholder "test-value-of-NAME": ' +
        'test mode never reads the keychain.',
    }),
  ),
  declared_secrets: Type.Optional(Type.Array(Type.String({ pattern: SECRET_NAME_PATTERN }), { maxItems: 50, uniqueItems: true })),
  allowed_hosts: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 100 })),
  timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
});
export type TestBody = Static<typeof TestBody>;

/** One HTTP call a test run made (secrets redacted), and which mock answered it. */
export const TestHttpCall = Type.Object({
  method: Type.String(),
  url: Type.String(),
  request_headers: Type.Record(Type.String(), Type.String()),
  request_body: Nullable(Type.String()),
  status: Nullable(Type.Integer()),
  ms: Type.Number(),
  bytes: Type.Number(),
  error: Nullable(Type.String()),
  mock: Type.Union([Type.Integer(), Type.Literal('default'), Type.Null()], {
    description: 'The 0-based index of the mock rule that answered, "default", or null when none did.',
  }),
});
export type TestHttpCall = Static<typeof TestHttpCall>;

export const TestReport = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  data: AnyJson('What the workflow returned as data.'),
  logs: Type.Array(RunLogEntry),
  steps: Type.Array(RunStep),
  http_calls: Type.Array(TestHttpCall),
  duration_ms: Type.Number(),
  status: Enum(['success', 'failed', 'timed_out', 'cancelled'] as const),
  error: Nullable(Type.String()),
  secrets: Type.Array(
    Type.Object({ name: Type.String(), source: Enum(['request', 'placeholder'] as const) }),
    { description: 'Each declared secret and where its test value came from (test mode never reads the keychain).' },
  ),
});
export type TestReport = Static<typeof TestReport>;

export const TestAnswer = Answer(TestReport, Type.Object({ lint_warnings: Type.Array(LintProblem) }));
