import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { INDICATOR_TYPES, WORKFLOW_KINDS, type WorkflowKind } from '../../../../shared/domain.ts';
import { INDICATOR_RULES_SUMMARY } from '../../../../shared/indicators.ts';
import type { TestOutcome, TestRunService } from '../../runs/index.ts';
import { SECRET_NAME_PATTERN, UuidParams } from '../schemas.ts';

const TestBody = Type.Object(
  {
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
    indicator_type: Type.Unsafe<(typeof INDICATOR_TYPES)[number]>({ type: 'string', enum: [...INDICATOR_TYPES] }),
    indicator_value: Type.String({ minLength: 1, maxLength: 4096, description: INDICATOR_RULES_SUMMARY }),
    indicator_malice: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
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
        description:
          'Calseta\'s shorthand, instead of mocks: one JSON body that every HTTP call of the test answers with, status 200.',
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
  },
  { additionalProperties: false },
);
type TestBody = Static<typeof TestBody>;

const answer = ({ report, lint_warnings }: TestOutcome) => ({ data: report, meta: { lint_warnings } });

/**
 * Test runs: the real sandbox in test mode (every HTTP call answered by a mock), nothing stored,
 * the report returned at once. Test mode never reads the keychain (runs/test-runs.ts).
 */
export function testRoutes(testRuns: TestRunService) {
  const tags = ['testing'];
  return async function test(app: FastifyInstance) {
    app.post<{ Body: TestBody }>(
      '/v1/workflows/test',
      {
        config: { scopes: ['workflows:write'] },
        schema: { tags, summary: 'Test unsaved code once in the sandbox against mock responses', body: TestBody },
      },
      async (request) => answer(await testRuns.unsaved(request.body)),
    );

    app.post<{ Params: { uuid: string }; Body: TestBody }>(
      '/v1/workflows/:uuid/test',
      {
        config: { scopes: ['workflows:write'] },
        schema: {
          tags,
          summary: 'Test a saved workflow (or replacement code) against mock responses',
          description:
            'Test mode never reads the keychain: each declared secret gets its value from `secrets`, or the placeholder ' +
            '`test-value-of-NAME`. The report\'s `secrets` lists every declared secret with its `source` (`request` or `placeholder`).',
          params: UuidParams,
          body: TestBody,
        },
      },
      async (request) => answer(await testRuns.saved(request.params.uuid, request.body)),
    );
  };
}
