// The checks of one attempt: lint (the same linter as save time), type check against vigil.d.ts,
// and one run in the real sandbox in test mode against the model's own mocks.
import { randomUUID } from 'node:crypto';
import { checkIndicator } from '../../../shared/indicators.ts';
import { parseMockSpec, type MockSpec, type RunOutcome, type RunRequest } from '../../sandbox/index.ts';
import type { Candidate } from './answer.ts';
import type { SettingsTable } from '../db/index.ts';
import { buildRunRequest, runInput } from '../runs/index.ts';
import { lintWorkflowCode, typecheckWorkflow } from '../workflows/index.ts';
import type { CheckState, GenerationProblem, ProgressStage } from '../../../shared/llm.ts';

/** What runs the test: the engine's sandbox host (or any RunExecutor). */
export interface TestExecutor {
  run(request: RunRequest, signal?: AbortSignal): Promise<RunOutcome>;
}

/** Mocks answer at once; a test run longer than this is a loop or a `delay_ms` nobody wants to wait for. */
const TEST_TIMEOUT_SECONDS = 20;
const MAX_LOG_LINES = 8;
/** The rule id of a test run the sandbox could not start. */
export const SANDBOX_UNAVAILABLE = 'sandbox-unavailable';

export interface CheckReport {
  problems: GenerationProblem[];
  checks: { lint: CheckState; typecheck: CheckState; test: CheckState };
}

export async function checkCandidate(
  candidate: Candidate,
  deps: {
    vigilDts: string;
    executor: TestExecutor;
    /** The configured integrations, offered to the test run with placeholder credentials. */
    integrations?: SettingsTable;
    signal: AbortSignal;
    stage(stage: ProgressStage, message: string): void;
  },
): Promise<CheckReport> {
  const problems: GenerationProblem[] = [];
  const checks: CheckReport['checks'] = { lint: 'skipped', typecheck: 'skipped', test: 'skipped' };

  deps.stage('linting', 'Checking the code with the workflow linter');
  const lint = await lintWorkflowCode(candidate.code, { declaredSecrets: candidate.secrets });
  for (const problem of lint) {
    problems.push({
      source: 'lint',
      severity: problem.severity,
      rule: problem.rule,
      message: problem.message,
      line: problem.line,
      column: problem.column,
    });
  }
  const lintErrors = lint.some((problem) => problem.severity === 'error');
  checks.lint = lint.length === 0 ? 'passed' : 'failed';

  // A syntax error is already reported by the linter; the type checker would repeat it.
  if (!lint.some((problem) => problem.rule === 'syntax')) {
    deps.stage('type_checking', 'Type-checking the code against vigil.d.ts');
    const typeProblems = await typecheckWorkflow(candidate.code, deps.vigilDts);
    // Errors here, not warnings: the model is asked to fix every one of them.
    for (const problem of typeProblems) {
      problems.push({ source: 'typescript', severity: 'error', rule: problem.rule, message: problem.message, line: problem.line, column: problem.column });
    }
    checks.typecheck = typeProblems.length === 0 ? 'passed' : 'failed';
  }

  // Code the linter refuses would be refused on save anyway; its test run would teach nothing new.
  if (!lintErrors) {
    deps.signal.throwIfAborted();
    deps.stage('testing', 'Running the code once in the sandbox against the suggested mocks');
    const testProblems = await testRun(candidate, deps);
    problems.push(...testProblems);
    checks.test = testProblems.length === 0 ? 'passed' : testProblems.some((p) => p.rule === SANDBOX_UNAVAILABLE) ? 'skipped' : 'failed';
  }
  return { problems, checks };
}

async function testRun(
  candidate: Candidate,
  { executor, integrations, signal }: { executor: TestExecutor; integrations?: SettingsTable; signal: AbortSignal },
): Promise<GenerationProblem[]> {
  let mocks: MockSpec;
  try {
    mocks = parseMockSpec(candidate.mocks);
  } catch (error) {
    const listed = (error as { problems?: unknown }).problems;
    const details = Array.isArray(listed) ? listed.map(String) : [(error as Error).message];
    return details.map((message) => ({ source: 'test', severity: 'error', message: `mocks: ${message}` }));
  }
  const input = candidate.test_input;
  // The Test panel and the API refuse such a value: the model must suggest one they accept.
  const invalid = checkIndicator(input.indicator_type, input.indicator_value);
  if (invalid) return [{ source: 'test', severity: 'error', message: `test_input.indicator_value: ${invalid.message}` }];
  const built = await buildRunRequest(
    {
      runId: randomUUID(),
      workflow: { uuid: randomUUID(), name: candidate.name || 'Generated workflow', version: 1 },
      kind: 'script',
      code: candidate.code,
      input: runInput(input),
      declaredSecrets: candidate.secrets,
      allowedHosts: candidate.allowed_hosts,
      timeoutSeconds: TEST_TIMEOUT_SECONDS,
      now: Date.now(),
    },
    // Placeholders for every secret, as in any test run: the code takes the path that uses one,
    // and the keychain is never read.
    { secrets: { test: {} }, mocks, ...(integrations ? { integrations: { test: integrations } } : {}) },
  );
  let outcome: RunOutcome;
  try {
    if (!built.ok) throw new Error(built.error);
    outcome = await executor.run(built.request, signal);
  } catch (error) {
    signal.throwIfAborted();
    // Not the model's fault: reported to the analyst, never sent back to the model.
    return [{ source: 'test', severity: 'warning', rule: SANDBOX_UNAVAILABLE, message: `The test run could not be started: ${(error as Error).message}` }];
  }
  signal.throwIfAborted();
  return outcomeProblems(outcome);
}

/** What a failed test run tells the model: the result or error, the unanswered calls, the last log lines. */
export function outcomeProblems(outcome: RunOutcome): GenerationProblem[] {
  if (outcome.status === 'success' && outcome.result?.success === true) return [];
  const problems: GenerationProblem[] = [];
  const why = outcome.result ? `it returned ctx.fail("${outcome.result.message}")` : (outcome.error ?? 'no result');
  const lines = [`The test run with test_input and the mocks ended ${outcome.status.replace('_', ' ')}: ${why}.`];
  const calls = outcome.httpCalls.map(
    (call) =>
      `  ${call.method} ${call.url} → ${call.status ?? 'no response'}${call.mock === null ? ' (no mock matched)' : ''}${call.error ? ` error: ${call.error}` : ''}`,
  );
  if (calls.length > 0) lines.push('HTTP calls:', ...calls);
  const logs = outcome.logs
    .filter((entry) => entry.http === null)
    .slice(-MAX_LOG_LINES)
    .map((entry) => `  ${entry.level}: ${entry.message}${entry.fields ? ` ${JSON.stringify(entry.fields).slice(0, 300)}` : ''}`);
  if (logs.length > 0) lines.push('Last log lines:', ...logs);
  lines.push('Fix the code, or the mocks if they do not match the real API, so that the test run ends with ctx.ok.');
  problems.push({ source: 'test', severity: 'error', message: lines.join('\n') });
  return problems;
}
