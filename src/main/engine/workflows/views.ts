// How a workflow appears to callers, REST and MCP alike: internal ids never leave the engine.
import { parseEndpointText } from '../../../shared/endpoint.ts';
import type { WorkflowWarning } from '../../../shared/warnings.ts';
import type { IntegrationName } from '../../sandbox/index.ts';
import type { Workflow, WorkflowVersion, WorkflowWithLastRun } from '../db/index.ts';
import { builtinIntegration } from '../integrations/index.ts';

/** Which integrations are configured, for the `integration` field of built-in workflows. */
type ConfiguredIntegrations = Record<IntegrationName, boolean>;

/** Built-ins name the integration they need and whether it is configured (`not configured` in the console). */
function integrationOf(workflow: Workflow, configured: ConfiguredIntegrations) {
  const name = builtinIntegration(workflow);
  return name ? { name, configured: configured[name] } : null;
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

/** A saved version in the list of versions: its size rather than its code. */
export function versionListItemView(version: WorkflowVersion, current: number) {
  const { code, ...rest } = version;
  return { ...rest, code_bytes: Buffer.byteLength(code), current: version.version === current };
}

export function versionView(version: WorkflowVersion, workflow: Pick<Workflow, 'uuid' | 'code_version'>) {
  return { ...version, workflow_uuid: workflow.uuid, current: version.version === workflow.code_version };
}

/** What an agent needs to choose a workflow (MCP): no code, no internals. */
export function agentWorkflowView(workflow: Workflow | WorkflowWithLastRun) {
  return {
    uuid: workflow.uuid,
    name: workflow.name,
    kind: workflow.kind,
    documentation: workflow.documentation,
    workflow_type: workflow.workflow_type,
    indicator_types: workflow.indicator_types,
    approval_mode: workflow.approval_mode,
    risk_level: workflow.risk_level,
    timeout_seconds: workflow.timeout_seconds,
    schedule: workflow.schedule,
    next_run_at: workflow.next_run_at,
    last_scheduled_at: workflow.last_scheduled_at,
    input_expectations:
      (workflow.workflow_type === 'scheduled'
        ? 'A scheduled workflow: it runs on its schedule with the schedule\'s context; to run it now, call execute_workflow (indicator_type and indicator_value are optional)'
        : 'Call execute_workflow with indicator_type and indicator_value') +
      (workflow.indicator_types.length > 0 ? ` (indicator_type one of: ${workflow.indicator_types.join(', ')})` : '') +
      (workflow.kind === 'http_endpoint'
        ? '; put anything else the automation needs in `context` (it is sent to the external endpoint as `input`, with the indicator, alert, your reason and confidence)'
        : '; put anything else the workflow needs in `context` (it becomes ctx.input)') +
      '; agents must give reason and confidence.',
    tags: workflow.tags,
  };
}
