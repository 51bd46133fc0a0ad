// One-off runs whose outcome the caller waits for, stored nowhere: the test endpoints (test mode,
// for the editor's Test panel, `vigil test` against a server and the LLM repair loop) and the
// integrations' connection test.
//
// Test mode runs the real sandbox with every HTTP call answered by a mock. Secret values come from
// the request or are placeholders, never from the keychain: a key that may only write workflows
// must not be able to run code of its choosing against stored secrets.
import { randomUUID } from 'node:crypto';
import { WORKFLOW_DEFAULTS, type IndicatorType, type WorkflowKind, type WorkflowType } from '../../../shared/domain.ts';
import type { ConnectionTest } from '../../../shared/integrations.ts';
import { hasErrors, type LintProblem } from '../../../shared/lint/types.ts';
import { answerEveryCall, toTestReport, type IntegrationName, type MockSpec, type TestReport } from '../../sandbox/index.ts';
import type { Workflow } from '../db/index.ts';
import { DomainError, invalid } from '../errors.ts';
import { integrationView, type IntegrationConfigDeps } from '../integrations/index.ts';
import { newId } from '../util/ids.ts';
import { checkJsonBounds, MAX_INPUT_FIELD_BYTES, MAX_MOCKS_BYTES } from '../util/json-bounds.ts';
import { PerKeyLimit } from '../util/per-key-limit.ts';
import type { Clock } from '../util/time.ts';
import { checkMocks, lintWorkflowCode, resolveEndpoint } from '../workflows/index.ts';
import { boundedFields, buildRunRequest, indicatorValueProblems, missingIndicatorProblems, runInput, type RunExecutor, type RunSpec } from './request.ts';

/** A test: the code (or, for a saved workflow, replacements of it), the input and the mocks. */
export interface TestRequest {
  /** For unsaved code: what it is (default script). A saved workflow keeps its own kind. */
  kind?: WorkflowKind;
  code?: string;
  endpoint?: unknown;
  /** Both or neither; neither only for a scheduled workflow or unsaved code (ctx.indicator null). */
  indicator_type?: IndicatorType;
  indicator_value?: string;
  indicator_malice?: string | null;
  /** The occurrence a scheduled run would have (ctx.run.scheduled_for). */
  scheduled_for?: string;
  enrichment?: object | null;
  alert?: object | null;
  context?: unknown;
  /** As the client wrote them; parsed here. Absent: every call fails, nothing leaves the machine. */
  mocks?: unknown;
  /** Calseta's shorthand: one JSON body every call answers with (200). Not with `mocks`. */
  mock_http_responses?: unknown;
  /** Test values of declared secrets; the others read as placeholders. */
  secrets?: Record<string, string>;
  declared_secrets?: string[];
  allowed_hosts?: string[];
  timeout_seconds?: number;
}

export interface TestOutcome {
  report: TestReport;
  /** The linter's warnings about the code that ran (none for an endpoint). */
  lint_warnings: LintProblem[];
}

export interface TestRunServiceDeps {
  executor: RunExecutor;
  /** The integrations' settings and Vigil's credentials: placeholders in tests, the real ones for the connection test. */
  integrations: IntegrationConfigDeps;
  clock: Clock;
  workflows: { find(uuid: string): Workflow };
}

const NO_NETWORK: MockSpec = { rules: [], default: 'error' };
/**
 * Test runs a key may have in progress, from the lint to the report. The sandbox runs them on a
 * worker of their own, where a guest that only computes holds up the test runs behind it, and the
 * code-check thread checks one piece of code at a time.
 */
const TESTS_PER_KEY = 2;
/** The unsaved workflow a test of code without a workflow stands for. */
const UNSAVED = { uuid: '00000000-0000-0000-0000-000000000000', name: 'unsaved workflow', version: 0 };

/** Calls the client's checkConnection(), so the check takes exactly the path workflows take. */
const CHECK_CODE = (name: IntegrationName) => `export async function run(ctx) {
  const client = ctx.integrations.${name};
  if (!client) return ctx.fail("not configured", { code: "NOT_CONFIGURED" });
  try {
    return ctx.ok(await client.checkConnection());
  } catch (e) {
    return ctx.fail(e.message, { code: e.code || "INTERNAL_ERROR" });
  }
}`;

export class TestRunService {
  private readonly deps: TestRunServiceDeps;
  private readonly perKey = new PerKeyLimit(TESTS_PER_KEY, { code: 'TEST_RUNS_BUSY', what: 'test runs in progress', retryAfterSeconds: 1 });

  constructor(deps: TestRunServiceDeps) {
    this.deps = deps;
  }

  /**
   * Unsaved code (or an endpoint configuration) as an unsaved workflow. `caller` is the asking
   * key's id; `signal` cancels the run (its caller went away), which gives the key's place back.
   */
  unsaved(caller: number, test: TestRequest, signal?: AbortSignal): Promise<TestOutcome> {
    const kind = test.kind ?? 'script';
    if (kind === 'script' && !test.code) throw invalid([{ field: 'body.code', message: 'code is required' }], 'code is required to test unsaved code.');
    return this.perKey.run(caller, () => this.run(caller, signal, test, kind, test.code, {
      ...UNSAVED,
      secrets: test.declared_secrets ?? Object.keys(test.secrets ?? {}),
      allowedHosts: test.allowed_hosts ?? [],
      timeoutSeconds: test.timeout_seconds ?? WORKFLOW_DEFAULTS.timeout_seconds,
    }));
  }

  /** A saved workflow, or replacement code with its settings; what the test leaves out is the workflow's. */
  saved(caller: number, uuid: string, test: TestRequest, signal?: AbortSignal): Promise<TestOutcome> {
    const workflow = this.deps.workflows.find(uuid);
    const unsaved = test.code !== undefined || test.endpoint !== undefined;
    return this.perKey.run(caller, () => this.run(caller, signal, test, workflow.kind, unsaved ? test.code : workflow.code, {
      workflowType: workflow.workflow_type,
      uuid: workflow.uuid,
      name: workflow.name,
      version: workflow.code_version,
      secrets: test.declared_secrets ?? workflow.secrets,
      allowedHosts: test.allowed_hosts ?? workflow.allowed_hosts,
      timeoutSeconds: test.timeout_seconds ?? workflow.timeout_seconds,
    }));
  }

  /**
   * Settings → Integrations → Test connection: a live run of the client's checkConnection() with
   * the stored credentials (not test mode: no code of the caller's choosing runs).
   */
  async connection(name: IntegrationName): Promise<ConnectionTest> {
    const { integrations, executor, clock } = this.deps;
    if (!integrationView(integrations.settings, name).configured) {
      throw new DomainError('rejected', 'INTEGRATION_NOT_CONFIGURED', `The ${name} integration is not configured: PUT /v1/integrations/${name} first.`, {
        integration: name,
      });
    }
    const built = await buildRunRequest(
      {
        runId: randomUUID(),
        workflow: { uuid: '00000000-0000-4000-8000-000000000000', name: `${name} connection test`, version: 1 },
        kind: 'script',
        code: CHECK_CODE(name),
        input: runInput({ indicator_type: 'account', indicator_value: 'connection-test' }),
        declaredSecrets: [],
        allowedHosts: [],
        timeoutSeconds: 30,
        now: clock.now(),
      },
      // The check declares no secrets: only the integration's credential is read.
      { secrets: { test: {} }, integrations: { live: integrations } },
    );
    if (!built.ok) return { ok: false, message: built.error, code: built.code, duration_ms: 0, http_calls: [] };
    if (!built.request.integrations?.[name]) {
      throw new DomainError(
        'rejected',
        'INTEGRATION_NOT_CONFIGURED',
        `The ${name} secret is no longer in the keychain (${name === 'okta' ? 'api_token' : 'client_secret'}); enter it again.`,
        { integration: name },
      );
    }
    const outcome = await executor.run(built.request);
    const data = outcome.result?.data as { code?: unknown } | null | undefined;
    return {
      ok: outcome.status === 'success',
      message: outcome.result?.message ?? outcome.error ?? outcome.status,
      code: outcome.status === 'success' ? null : typeof data?.code === 'string' ? data.code : 'INTERNAL_ERROR',
      duration_ms: Math.round(outcome.durationMs),
      http_calls: outcome.httpCalls.map(({ method, url, status, ms, error }) => ({ method, url, status, ms, error })),
    };
  }

  private async run(
    caller: number,
    signal: AbortSignal | undefined,
    test: TestRequest,
    kind: WorkflowKind,
    code: string | undefined,
    workflow: {
      /** A saved workflow's type; unsaved code has none, and may be tested with or without an indicator. */
      workflowType?: WorkflowType | null;
      uuid: string;
      name: string;
      version: number;
      secrets: string[];
      allowedHosts: string[];
      timeoutSeconds: number;
    },
  ): Promise<TestOutcome> {
    refuseUnbounded(test);
    checkTestIndicator(test, workflow.workflowType);
    const mocks = mocksOf(test);
    const spec: Omit<RunSpec, 'code'> = {
      runId: `test-${newId()}`,
      workflow: { uuid: workflow.uuid, name: workflow.name, version: workflow.version },
      kind,
      input: runInput(test),
      declaredSecrets: workflow.secrets,
      allowedHosts: workflow.allowedHosts,
      timeoutSeconds: workflow.timeoutSeconds,
      now: this.deps.clock.now(),
      ...(test.scheduled_for !== undefined ? { scheduledFor: new Date(test.scheduled_for).toISOString() } : {}),
    };
    const sources = { secrets: { test: test.secrets ?? {} }, mocks };
    let lintWarnings: LintProblem[] = [];
    let built;
    if (kind === 'http_endpoint') {
      const resolved = resolveEndpoint({ endpoint: test.endpoint, code }, workflow.secrets);
      built = await buildRunRequest({ ...spec, code: resolved.code }, sources);
    } else {
      const script = code ?? '';
      lintWarnings = await lintWorkflowCode(script, { declaredSecrets: workflow.secrets }, { caller });
      if (hasErrors(lintWarnings)) {
        throw new DomainError('rejected', 'WORKFLOW_CODE_INVALID', 'The code has problems the sandbox would refuse; fix them before testing.', {
          problems: lintWarnings,
        });
      }
      // The configured integrations take part with placeholder credentials; their calls meet the mocks.
      built = await buildRunRequest({ ...spec, code: script }, { ...sources, integrations: { test: this.deps.integrations.settings } });
    }
    // Test mode reads nothing that could fail.
    if (!built.ok) throw new Error(built.error);
    return { report: toTestReport(await this.deps.executor.run(built.request, signal), built.secrets), lint_warnings: lintWarnings };
  }
}

/**
 * A test's indicator: both fields or neither, and neither only where a run may have none (a
 * scheduled workflow, as execute has it) or nothing says (unsaved code); a value its type refuses.
 */
function checkTestIndicator(test: TestRequest, workflowType: WorkflowType | null | undefined): void {
  const missing = missingIndicatorProblems(test);
  if (missing.length === 0) {
    const problems = indicatorValueProblems({ indicator_type: test.indicator_type!, indicator_value: test.indicator_value! });
    if (problems.length > 0) throw invalid(problems, problems[0]!.message);
  } else if (missing.length === 1) {
    throw invalid(missing, 'Send indicator_type and indicator_value together, or neither.');
  } else if (workflowType !== undefined && workflowType !== 'scheduled') {
    throw invalid(missing, 'This workflow runs on an indicator: send indicator_type and indicator_value (only scheduled workflows run without one).');
  }
}

/** The test body's free-form fields are bounded like an execute's, and the mocks as a whole. */
function refuseUnbounded(test: TestRequest): void {
  const problems = checkJsonBounds({
    ...boundedFields(test),
    'body.endpoint': { value: test.endpoint, maxBytes: MAX_INPUT_FIELD_BYTES },
    'body.mocks': { value: test.mocks, maxBytes: MAX_MOCKS_BYTES },
    'body.mock_http_responses': { value: test.mock_http_responses, maxBytes: MAX_MOCKS_BYTES },
  });
  if (problems.length > 0) throw invalid(problems);
}

function mocksOf(test: TestRequest): MockSpec {
  const shorthand = test.mock_http_responses !== undefined && test.mock_http_responses !== null;
  if (shorthand && test.mocks !== undefined && test.mocks !== null) {
    throw invalid(
      [{ field: 'body.mock_http_responses', message: 'send either mocks or mock_http_responses, not both' }],
      'Send either mocks or mock_http_responses, not both.',
    );
  }
  if (shorthand) return answerEveryCall(test.mock_http_responses);
  if (test.mocks === undefined || test.mocks === null) return NO_NETWORK;
  return checkMocks(test.mocks, 'body.mocks');
}
