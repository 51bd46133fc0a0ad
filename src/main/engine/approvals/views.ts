// How an approval request appears to callers, REST and MCP alike: internal ids and the decide
// token's hash never leave the engine.
import type { WorkflowWarning } from '../../../shared/warnings.ts';
import type { Approval } from '../db/index.ts';

/** `warnings`: why the run would fail if approved now (for pending requests; empty once decided). */
export function approvalView(approval: Approval, warnings: WorkflowWarning[]) {
  const {
    id: _id,
    workflow_id: _workflowId,
    trigger_key_id: _keyId,
    decide_token_hash: _hash,
    version_secrets: _secrets,
    run_status,
    run_uuid,
    ...rest
  } = approval;
  return { ...rest, run: run_uuid ? { uuid: run_uuid, status: run_status } : null, warnings };
}

/** Who asked, as notices and the decide page say it: a key and its type, or the schedule and its occurrence. */
export function requestedBy(approval: Pick<Approval, 'trigger_type' | 'trigger_key' | 'scheduled_for'>): string {
  if (approval.trigger_type === 'schedule') return `the workflow's schedule (occurrence ${approval.scheduled_for ?? 'unknown'})`;
  return `${approval.trigger_key?.name ?? 'unknown key'} (${approval.trigger_type} key)`;
}
