// How a test report is read out, the same in `vigil test` and the console's Test panel: which mock
// answered a call, and which log lines add something to the result and the call list above them.
import type { RunLogEntry } from './domain.ts';

/**
 * The mock that answered a call, as people count: the report's `mock` is the 0-based index into
 * `responses` (what the API and `--json` carry), the label is 1-based, "mock #1" for the first rule.
 */
export function mockLabel(mock: number | 'default' | null | undefined): string {
  if (mock === 'default') return 'default mock';
  if (typeof mock === 'number') return `mock #${mock + 1}`;
  return 'no mock';
}

/**
 * The log lines worth listing under a test result, and the stack of the error the run ended with.
 * HTTP calls are listed on their own, and the error line the sandbox records for a run that threw
 * repeats the result's message word for word: only its stack (if any) is news, shown with the result.
 */
export function reportLogs(report: { logs: readonly RunLogEntry[]; error: string | null }): { logs: RunLogEntry[]; stack: string | null } {
  let stack: string | null = null;
  const logs = report.logs.filter((entry) => {
    if (entry.http !== null) return false;
    if (entry.level !== 'error' || report.error === null || entry.message !== report.error) return true;
    const fields = entry.fields ?? {};
    const rest = Object.keys(fields).filter((name) => name !== 'stack');
    // A line with more than the stack says something of its own and stays.
    if (rest.length > 0) return true;
    if (typeof fields.stack === 'string') stack = fields.stack;
    return false;
  });
  return { logs, stack };
}

/**
 * A call's error, unless the result already says it: a run that did not catch the failed call
 * ends with that very error as its message (prefixed "Error: ").
 */
export function callError(call: { error: string | null }, report: { message: string }): string | null {
  if (call.error === null || call.error === '') return null;
  return report.message.includes(call.error) ? null : call.error;
}
