import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { newId } from '../../util/ids.ts';
import { MockSpecError, parseMockSpec, toTestReport, type MockSpec } from '../../../sandbox/index.ts';
import { INDICATOR_TYPES, WORKFLOW_DEFAULTS, WORKFLOW_KINDS, type WorkflowKind } from '../../../../shared/domain.ts';
import { INDICATOR_RULES_SUMMARY } from '../../../../shared/indicators.ts';
import { testSecrets } from '../../../../shared/test-secrets.ts';
import type { Engine } from '../../engine.ts';
import { endpointBody, getWorkflow, resolveEndpoint } from '../../workflows/index.ts';
import { loadLinter } from '../../workflows/linter.ts';
import { withTestModeIntegrations } from '../../integrations/index.ts';
import { indicatorValueProblems } from '../../runs/execute.ts';
import { DomainError, invalid } from '../../errors.ts';
import { checkJsonBounds, MAX_INPUT_FIELD_BYTES, MAX_MOCKS_BYTES } from '../../util/json-bounds.ts';
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
          'default: response | "error"}, a bare list, or a plain object every call answers with. Without mocks every ' +
          'call fails: nothing leaves the machine in a test.',
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

const NO_NETWORK: MockSpec = { rules: [], default: 'error' };

/** The test body's free-form fields are bounded like an execute's, and the mocks as a whole. */
function refuseUnbounded(body: TestBody): void {
  const problems = checkJsonBounds({
    'body.context': { value: body.context, maxBytes: MAX_INPUT_FIELD_BYTES },
    'body.alert': { value: body.alert, maxBytes: MAX_INPUT_FIELD_BYTES },
    'body.enrichment': { value: body.enrichment, maxBytes: MAX_INPUT_FIELD_BYTES },
    'body.endpoint': { value: body.endpoint, maxBytes: MAX_INPUT_FIELD_BYTES },
    'body.mocks': { value: body.mocks, maxBytes: MAX_MOCKS_BYTES },
  });
  if (problems.length > 0) {
    throw invalid(problems);
  }
}

function mocksOf(body: TestBody): MockSpec {
  if (body.mocks === undefined || body.mocks === null) return NO_NETWORK;
  try {
    return parseMockSpec(body.mocks);
  } catch (error) {
    if (error instanceof MockSpecError) {
      throw invalid(
        error.problems.map((message) => ({ field: 'body.mocks', message })),
        'The mock responses are not valid.',
      );
    }
    throw error;
  }
}

/**
 * Test runs: the real sandbox in test mode (every HTTP call answered by a mock), nothing stored,
 * the report returned at once. For the editor's test panel, `vigil test` and the LLM repair loop.
 * Secret values come from the request or are placeholders, never from the keychain: a key that
 * may only write workflows must not be able to run code of its choosing against stored secrets.
 */
export function testRoutes(engine: Engine) {
  async function runTest(
    body: TestBody,
    source: { kind: WorkflowKind; code?: string; endpoint?: unknown },
    config: { uuid: string; name: string; version: number; secrets: string[]; allowedHosts: string[]; timeoutSeconds: number },
  ) {
    refuseUnbounded(body);
    const indicatorProblems = indicatorValueProblems(body);
    if (indicatorProblems.length > 0) throw invalid(indicatorProblems, indicatorProblems[0]!.message);
    const mocks = mocksOf(body);
    const secrets = testSecrets(config.secrets, body.secrets);
    const input = {
      indicator: {
        type: body.indicator_type,
        value: body.indicator_value,
        malice: body.indicator_malice ?? null,
        enrichment: (body.enrichment as Record<string, unknown> | null | undefined) ?? null,
      },
      alert: (body.alert as Record<string, unknown> | null | undefined) ?? null,
      alert_uuid: null,
      context: body.context ?? null,
    };
    const runId = `test-${newId()}`;
    const workflow = { uuid: config.uuid, name: config.name, version: config.version };
    const request = { runId, workflow, trigger: 'human' as const, input, secrets: secrets.values, declaredSecrets: config.secrets, allowedHosts: config.allowedHosts, mocks };
    if (source.kind === 'http_endpoint') {
      const { config: endpoint, code } = resolveEndpoint({ endpoint: source.endpoint, code: source.code }, config.secrets);
      const sent = endpointBody({
        runId,
        workflow,
        input,
        trigger: { key_type: 'human', key_name: null, reason: null, confidence: null },
        approval: null,
        sentAt: new Date(engine.clock.now()).toISOString(),
        test: true,
      });
      const outcome = await engine.executor.run({ ...request, code, timeoutMs: endpoint.timeout_seconds * 1000, endpoint: { config: endpoint, body: sent } });
      return { data: toTestReport(outcome, secrets.sources), meta: { lint_warnings: [] } };
    }
    const code = source.code ?? '';
    const { hasErrors, lintWorkflow } = await loadLinter();
    const problems = lintWorkflow(code, { declaredSecrets: config.secrets });
    if (hasErrors(problems)) {
      throw new DomainError('rejected', 'WORKFLOW_CODE_INVALID', 'The code has problems the sandbox would refuse; fix them before testing.', {
        problems,
      });
    }
    const outcome = await withTestModeIntegrations(engine.executor, engine.store.settings).run({ ...request, code, timeoutMs: config.timeoutSeconds * 1000 });
    return { data: toTestReport(outcome, secrets.sources), meta: { lint_warnings: problems } };
  }

  const tags = ['testing'];
  return async function test(app: FastifyInstance) {
    app.post<{ Body: TestBody }>(
      '/v1/workflows/test',
      {
        config: { scopes: ['workflows:write'] },
        schema: { tags, summary: 'Test unsaved code once in the sandbox against mock responses', body: TestBody },
      },
      async (request) => {
        const body = request.body;
        const kind = body.kind ?? 'script';
        if (kind === 'script' && !body.code) {
          throw invalid([{ field: 'body.code', message: 'code is required' }], 'code is required to test unsaved code.');
        }
        return runTest(
          body,
          { kind, code: body.code, endpoint: body.endpoint },
          {
            uuid: '00000000-0000-0000-0000-000000000000',
            name: 'unsaved workflow',
            version: 0,
            secrets: body.declared_secrets ?? Object.keys(body.secrets ?? {}),
            allowedHosts: body.allowed_hosts ?? [],
            timeoutSeconds: body.timeout_seconds ?? WORKFLOW_DEFAULTS.timeout_seconds,
          },
        );
      },
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
      async (request) => {
        const workflow = getWorkflow(engine, request.params.uuid);
        const body = request.body;
        const unsaved = body.code !== undefined || body.endpoint !== undefined;
        return runTest(
          body,
          { kind: workflow.kind, code: unsaved ? body.code : workflow.code, endpoint: body.endpoint },
          {
            uuid: workflow.uuid,
            name: workflow.name,
            version: workflow.code_version,
            secrets: body.declared_secrets ?? workflow.secrets,
            allowedHosts: body.allowed_hosts ?? workflow.allowed_hosts,
            timeoutSeconds: body.timeout_seconds ?? workflow.timeout_seconds,
          },
        );
      },
    );
  };
}
