import type { TestSecret } from '../../shared/test-secrets.ts';
import type { RunOutcome, TestReport } from './types.ts';

/**
 * The test endpoints' and `vigil test --json`'s view of a run: the workflow's result flattened
 * beside the logs and HTTP calls. A run that produced no result reports its error as the message.
 */
export function toTestReport(outcome: RunOutcome, secrets: TestSecret[]): TestReport {
  const result = outcome.result;
  return {
    success: result?.success ?? false,
    message: result?.message ?? outcome.error ?? outcome.status,
    data: result ? result.data : null,
    logs: outcome.logs,
    steps: outcome.steps ?? [],
    http_calls: outcome.httpCalls,
    duration_ms: outcome.durationMs,
    status: outcome.status,
    error: outcome.error,
    secrets,
  };
}
