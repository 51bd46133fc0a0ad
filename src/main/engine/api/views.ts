// How stored rows appear in API responses: internal ids and token hashes never leave the engine.
import type { Approval, ApiKey, Run, Workflow, WorkflowWithLastRun } from '../db/index.ts';
import type { RunLogEntry, RunStep } from '../../../shared/domain.ts';
import type { WorkflowWarning } from '../../../shared/warnings.ts';
import { parseEndpointText } from '../../../shared/endpoint.ts';
import type { IntegrationName } from '../../sandbox/index.ts';
import { builtinIntegration } from '../integrations/index.ts';

/** Which integrations are configured, for the `integration` field of built-in workflows. */
export type ConfiguredIntegrations = Record<IntegrationName, boolean>;

/** Built-ins name the integration they need and whether it is configured (`not configured` in the console). */
function integrationOf(workflow: Workflow, configured: ConfiguredIntegrations) {
  const name = builtinIntegration(workflow);
  return name ? { name, configured: configured[name] } : null;
}

export function pageMeta(total: number, page: number, pageSize: number) {
  return { total, page, page_size: pageSize, total_pages: Math.ceil(total / pageSize) };
}

export function pageWindow(query: { page?: number; page_size?: number }) {
  const page = query.page ?? 1;
  const pageSize = query.page_size ?? 50;
  return { page, pageSize, limit: pageSize, offset: (page - 1) * pageSize };
}

/**
 * An http_endpoint workflow also shows its configuration parsed (its code is the same as text);
 * built-ins name the integration they need and whether it is configured.
 */
export function workflowView(workflow: Workflow, configured: ConfiguredIntegrations, warnings: WorkflowWarning[]) {
  const { id: _id, ...rest } = workflow;
  return {
    ...rest,
    endpoint: workflow.kind === 'http_endpoint' ? parseEndpointText(workflow.code) : null,
    integration: integrationOf(workflow, configured),
    warnings,
  };
}

export function workflowListItemView(workflow: WorkflowWithLastRun, configured: ConfiguredIntegrations, warnings: WorkflowWarning[]) {
  const { id: _id, code: _code, ...rest } = workflow;
  return { ...rest, integration: integrationOf(workflow, configured), warnings };
}

/** A run; with its details (one run's page), also its steps and its log. */
export function runView(run: Run, details?: { logs: RunLogEntry[]; steps: RunStep[] }) {
  const { id: _id, workflow_id: _workflowId, trigger_key_id: _keyId, ...rest } = run;
  return details ? { ...rest, steps: details.steps, logs: details.logs } : rest;
}

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

/** Named field by field: a column added to the keys table stays private until it is listed here. */
export function keyView(key: ApiKey) {
  return {
    uuid: key.uuid,
    name: key.name,
    key_type: key.key_type,
    scopes: key.scopes,
    prefix: key.prefix,
    created_at: key.created_at,
    expires_at: key.expires_at,
    last_used_at: key.last_used_at,
    revoked_at: key.revoked_at,
    revoked: key.revoked_at !== null,
  };
}
