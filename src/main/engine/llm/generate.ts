// The repair loop: ask the model, check its answer (lint, types, one sandbox test run against its
// own mocks), feed every problem back, at most three answers. The best attempt is returned with
// whatever it still gets wrong as `warnings`, never silently.
import { ANSWER_SCHEMA, ANSWER_TOOL_DESCRIPTION, ANSWER_TOOL_NAME, validateAnswer, type Candidate } from './answer.ts';
import { checkCandidate, SANDBOX_UNAVAILABLE, type TestExecutor } from './checks.ts';
import { cancelled, LlmError, refused, unavailable } from './errors.ts';
import { buildFeedback, buildSystemPrompt, buildUserMessage, formatProblem, type PromptMaterial } from './prompt.ts';
import type { LlmProvider, ProviderAnswer, Turn } from './providers/types.ts';
import type { SettingsTable } from '../db/index.ts';
import type { CheckState, GenerateProgress, GenerateRequest, GenerateResult, GenerationProblem, ProgressListener, ProgressStage } from '../../../shared/llm.ts';

export const MAX_ATTEMPTS = 3;
/** `receiving` events are at most this frequent; the console only needs a moving counter. */
const RECEIVING_INTERVAL_MS = 250;

export interface GenerateDeps {
  provider: LlmProvider;
  /** Limit for one model request. */
  timeoutMs: number;
  executor: TestExecutor;
  /** The configured integrations, offered to test runs with placeholder credentials (none without). */
  integrations?: SettingsTable;
  material: PromptMaterial;
  maxAttempts?: number;
}

export interface GenerateOptions {
  /** Aborting it cancels the model request or the test run in flight; the promise rejects with GENERATION_CANCELLED. */
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

interface Attempt {
  number: number;
  candidate: Candidate;
  problems: GenerationProblem[];
  checks: { lint: CheckState; typecheck: CheckState; test: CheckState };
}

export async function generateWorkflow(request: GenerateRequest, deps: GenerateDeps, options: GenerateOptions = {}): Promise<GenerateResult> {
  const signal = options.signal ?? new AbortController().signal;
  const maxAttempts = deps.maxAttempts ?? MAX_ATTEMPTS;
  const { provider } = deps;
  const started = Date.now();
  let attempt = 0;
  const emit = (stage: ProgressStage, message: string, extra: Partial<GenerateProgress> = {}) =>
    options.onProgress?.({ stage, attempt, max_attempts: maxAttempts, message, elapsed_ms: Date.now() - started, ...extra });

  const system = buildSystemPrompt(deps.material, request, provider.answerChannel);
  const turns: Turn[] = [{ role: 'user', text: buildUserMessage(request) }];
  let best: Attempt | null = null;
  let lastProblems: GenerationProblem[] = [];

  try {
    for (attempt = 1; attempt <= maxAttempts; attempt++) {
      signal.throwIfAborted();
      emit('requesting', attempt === 1 ? `Asking ${provider.model} to write the workflow` : `Asking ${provider.model} to fix the problems`);
      const answer = await ask(provider, deps, system, turns, signal, (chars) => emit('receiving', `Receiving the answer (${chars} characters)`, { received_chars: chars }));

      if (answer.kind === 'refusal') throw refused(provider.name, answer.message);
      let problems: GenerationProblem[];
      let current: Attempt | null = null;
      if (answer.kind === 'unusable') {
        problems = [{ source: 'answer', severity: 'error', message: answer.reason }];
      } else {
        const validated = validateAnswer(answer.value, request.indicator_types);
        problems = validated.problems;
        if (validated.candidate) {
          const report = await checkCandidate(validated.candidate, {
            vigilDts: deps.material.vigilDts,
            executor: deps.executor,
            integrations: deps.integrations,
            signal,
            stage: (stage, message) => emit(stage, message),
          });
          problems = [...problems, ...report.problems];
          current = { number: attempt, candidate: validated.candidate, problems, checks: report.checks };
          if (!best || rank(current) <= rank(best)) best = current;
        }
      }
      lastProblems = problems;
      // What the model can fix; a sandbox that could not run the test is the analyst's to know.
      const fixable = problems.filter((problem) => problem.rule !== SANDBOX_UNAVAILABLE);
      if (current && fixable.length === 0) break;
      if (attempt < maxAttempts) {
        emit('repairing', `${fixable.length} problem${fixable.length === 1 ? '' : 's'} found; asking the model to fix them`, { problems: fixable });
        turns.push({ role: 'answer', callId: answer.callId, raw: answer.raw, value: answer.kind === 'answer' ? answer.value : null });
        turns.push({ role: 'feedback', callId: answer.callId, text: buildFeedback(fixable, provider.answerChannel) });
      }
    }
  } catch (error) {
    if (signal.aborted) throw cancelled();
    throw error;
  }
  // The loop leaves `attempt` one past the last attempt when it ran out of attempts.
  const attempts = Math.min(attempt, maxAttempts);
  attempt = attempts;

  if (!best) {
    throw unavailable(
      provider.name,
      'invalid_answer',
      `The model did not produce a usable workflow in ${attempts} attempts: ${lastProblems.map(formatProblem).join(' ')}`,
      { problems: lastProblems },
    );
  }
  const warnings = best.problems;
  emit(
    'done',
    warnings.length === 0
      ? `Done: the code passed the linter, the type check and a test run (${attempts} attempt${attempts === 1 ? '' : 's'})`
      : `Done with ${warnings.length} unresolved problem${warnings.length === 1 ? '' : 's'} after ${attempts} attempts`,
  );
  const { candidate } = best;
  return {
    generated_code: candidate.code,
    suggested_name: candidate.name,
    suggested_documentation: candidate.documentation,
    suggested_secrets: candidate.secrets,
    suggested_allowed_hosts: candidate.allowed_hosts,
    suggested_mocks: candidate.mocks,
    suggested_test_input: candidate.test_input,
    warnings,
    attempts,
    checks: best.checks,
    provider: provider.name,
    model: provider.model,
  };
}

/**
 * Lower is better: code the linter refuses is worst (it cannot be saved), then code that does not
 * type-check, then code whose test run fails, then the number of remaining problems.
 */
function rank(attempt: Attempt): number {
  const errors = (source: GenerationProblem['source']) =>
    attempt.problems.some((problem) => problem.source === source && problem.severity === 'error');
  return (errors('lint') ? 1e9 : 0) + (errors('typescript') ? 1e6 : 0) + (errors('test') ? 1e3 : 0) + attempt.problems.length;
}

/** One model request under the per-request timeout; a timeout is LLM_UNAVAILABLE, a cancel propagates. */
async function ask(
  provider: LlmProvider,
  deps: GenerateDeps,
  system: string,
  turns: Turn[],
  signal: AbortSignal,
  onChars: (chars: number) => void,
): Promise<ProviderAnswer> {
  const timeout = AbortSignal.timeout(deps.timeoutMs);
  let lastReport = 0;
  try {
    return await provider.complete({
      system,
      turns: [...turns],
      schema: ANSWER_SCHEMA,
      toolName: ANSWER_TOOL_NAME,
      toolDescription: ANSWER_TOOL_DESCRIPTION,
      signal: AbortSignal.any([signal, timeout]),
      timeoutMs: deps.timeoutMs,
      onReceived(chars) {
        const now = Date.now();
        if (now - lastReport < RECEIVING_INTERVAL_MS) return;
        lastReport = now;
        onChars(chars);
      },
    });
  } catch (error) {
    if (signal.aborted) throw cancelled();
    if (timeout.aborted) {
      const seconds = Math.round(deps.timeoutMs / 100) / 10;
      throw unavailable(provider.name, 'timeout', `${providerLabel(provider)} did not answer within ${seconds} s (the configured timeout).`, {
        timeout_seconds: seconds,
      });
    }
    if (error instanceof LlmError) throw error;
    throw unavailable(provider.name, 'provider_error', `${providerLabel(provider)} failed: ${(error as Error)?.message ?? String(error)}`);
  }
}

function providerLabel(provider: LlmProvider): string {
  return provider.name === 'anthropic' ? `Anthropic (${provider.model})` : `The model server (${provider.model})`;
}
