// Runs the shared workflow linter (the same module the engine runs at save time) off the UI
// thread, so typing never waits for a parse.
import { lintWorkflow } from '../../shared/lint/index.ts';
import type { LintRequest, LintResponse } from './protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (event: MessageEvent<LintRequest>) => {
  const { id, code, declaredSecrets } = event.data;
  let response: LintResponse;
  try {
    response = { id, problems: lintWorkflow(code, declaredSecrets ? { declaredSecrets } : {}) };
  } catch (error) {
    response = { id, error: error instanceof Error ? error.message : String(error) };
  }
  scope.postMessage(response);
};
