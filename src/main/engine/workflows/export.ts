// A data folder's workflows as files (src/shared/workflow-files.ts), for `vigil export`: one file
// per concern, the same bytes for the same state, secret names but never their values.
import { toFiles, type WorkflowDefinition } from '../../../shared/workflow-files.ts';
import type { Store, Workflow } from '../db/index.ts';

const PAGE = 500;

export interface ExportOptions {
  /** The built-in workflows Vigil seeds are left out unless asked for (they come with every Vigil). */
  includeBuiltins?: boolean;
}

/** The live workflows as file name → content, sorted by name. */
export function exportWorkflows(store: Pick<Store, 'workflows'>, options: ExportOptions = {}): Map<string, string> {
  const definitions: WorkflowDefinition[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const { items } = store.workflows.list({ sort: 'created_at', descending: false, limit: PAGE, offset });
    for (const workflow of items) {
      if (workflow.is_system && !options.includeBuiltins) continue;
      const mocks = store.workflows.mocks(workflow.id);
      definitions.push(definitionOf(workflow, mocks ? (JSON.parse(mocks.mocks) as unknown) : null));
    }
    if (items.length < PAGE) break;
  }
  return toFiles(definitions);
}

function definitionOf(workflow: Workflow, mocks: unknown): WorkflowDefinition {
  return {
    uuid: workflow.uuid,
    name: workflow.name,
    kind: workflow.kind,
    code: workflow.code,
    workflow_type: workflow.workflow_type,
    indicator_types: workflow.indicator_types,
    approval_mode: workflow.approval_mode,
    approval_timeout_seconds: workflow.approval_timeout_seconds,
    risk_level: workflow.risk_level,
    timeout_seconds: workflow.timeout_seconds,
    secrets: workflow.secrets,
    allowed_hosts: workflow.allowed_hosts,
    tags: workflow.tags,
    documentation: workflow.documentation,
    schedule: workflow.schedule,
    builtin: workflow.builtin_key,
    mocks,
  };
}
