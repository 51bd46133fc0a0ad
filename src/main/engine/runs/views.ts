// How a run appears to callers, REST and MCP alike: internal ids never leave the engine.
import type { RunLogEntry, RunStep } from '../../../shared/domain.ts';
import type { Run } from '../db/index.ts';

/** A run; with its details (one run's page), also its steps and its log. */
export function runView(run: Run, details?: { logs: RunLogEntry[]; steps: RunStep[] }) {
  const { id: _id, workflow_id: _workflowId, trigger_key_id: _keyId, ...rest } = run;
  return details ? { ...rest, steps: details.steps, logs: details.logs } : rest;
}

/** What an agent reads of a run (MCP): no input, the steps, and the log summed up rather than in full. */
export function agentRunView(run: Run, details: { logs: RunLogEntry[]; steps: RunStep[] }) {
  const { logs } = details;
  const byLevel: Record<string, number> = {};
  for (const log of logs) byLevel[log.level] = (byLevel[log.level] ?? 0) + 1;
  const { input: _input, ...view } = runView(run);
  return {
    ...view,
    steps: details.steps,
    logs_summary: {
      total: logs.length,
      by_level: byLevel,
      http_calls: logs.filter((log) => log.http).map((log) => log.http),
      last: logs.slice(-10).map((log) => ({ level: log.level, message: log.message, step: log.step })),
    },
  };
}
