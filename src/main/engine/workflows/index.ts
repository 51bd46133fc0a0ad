import type { LintProblem } from '../../../shared/lint/index.ts';
import { loadLinter } from './linter.ts';
import type { ApiKey, Workflow, WorkflowFields } from '../db/index.ts';
import { ApiError } from '../api/errors.ts';
import { callerLabel } from '../api/auth.ts';
import type { WorkflowCreate, WorkflowPatch } from '../api/schemas.ts';
import type { Engine } from '../engine.ts';
import { iso } from '../util/time.ts';

export const WORKFLOW_DEFAULTS: Omit<WorkflowFields, 'name' | 'code'> = {
  workflow_type: 'indicator',
  indicator_types: [],
  kind: 'script',
  state: 'draft',
  approval_mode: 'always',
  approval_timeout_seconds: 3600,
  risk_level: 'medium',
  timeout_seconds: 60,
  secrets: [],
  allowed_hosts: [],
  documentation: '',
  tags: [],
};

/** What a system workflow lets the analyst change: its state and how it is gated, not its code. */
const SYSTEM_EDITABLE = new Set(['state', 'approval_mode', 'approval_timeout_seconds', 'tags']);

/**
 * Lints code against the workflow's declared secrets. Errors refuse the save with every problem
 * listed; warnings are returned for the caller to show.
 */
async function checkCode(code: string, secrets: string[]): Promise<LintProblem[]> {
  const { hasErrors, lintWorkflow } = await loadLinter();
  const problems = lintWorkflow(code, { declaredSecrets: secrets });
  if (hasErrors(problems)) {
    const errors = problems.filter((problem) => problem.severity === 'error');
    throw new ApiError(
      400,
      'WORKFLOW_CODE_INVALID',
      `The workflow code has ${errors.length} problem(s) that the sandbox would refuse. Fix them and save again.`,
      { problems },
    );
  }
  return problems;
}

export async function createWorkflow(
  engine: Engine,
  caller: ApiKey,
  body: WorkflowCreate,
): Promise<{ workflow: Workflow; warnings: LintProblem[] }> {
  const fields: WorkflowFields = { ...WORKFLOW_DEFAULTS, ...body };
  const warnings = await checkCode(fields.code, fields.secrets);
  const workflow = engine.store.workflows.create(fields, { now: iso(engine.clock.now()), author: callerLabel(caller) });
  engine.bus.emit('workflow.changed', { workflow_uuid: workflow.uuid, change: 'created' });
  return { workflow, warnings };
}

export function getWorkflow(engine: Engine, uuid: string): Workflow {
  const workflow = engine.store.workflows.get(uuid);
  if (!workflow) throw new ApiError(404, 'WORKFLOW_NOT_FOUND', `No workflow with id ${uuid}.`);
  return workflow;
}

export async function patchWorkflow(
  engine: Engine,
  caller: ApiKey,
  uuid: string,
  patch: WorkflowPatch,
): Promise<{ workflow: Workflow; warnings: LintProblem[] }> {
  const current = getWorkflow(engine, uuid);
  if (current.is_system) {
    const refused = Object.keys(patch).filter((field) => !SYSTEM_EDITABLE.has(field));
    if (refused.length > 0) {
      throw new ApiError(
        403,
        'SYSTEM_WORKFLOW_READ_ONLY',
        `Built-in workflows can only change ${[...SYSTEM_EDITABLE].join(', ')}; duplicate it to edit ${refused.join(', ')}.`,
        { fields: refused },
      );
    }
  }
  const code = patch.code ?? current.code;
  const secrets = patch.secrets ?? current.secrets;
  // The code is linted whenever it or what it may read changes, and on activation.
  const relint = patch.code !== undefined || patch.secrets !== undefined || (patch.state === 'active' && current.state !== 'active');
  const warnings = relint && !current.is_system ? await checkCode(code, secrets) : [];
  const workflow = engine.store.workflows.update(current.id, patch, {
    now: iso(engine.clock.now()),
    author: callerLabel(caller),
  });
  engine.bus.emit('workflow.changed', { workflow_uuid: workflow.uuid, change: 'updated' });
  return { workflow, warnings };
}

export function deleteWorkflow(engine: Engine, uuid: string): void {
  const workflow = getWorkflow(engine, uuid);
  if (workflow.is_system) {
    throw new ApiError(403, 'SYSTEM_WORKFLOW', 'Built-in workflows cannot be deleted; deactivate it instead.');
  }
  engine.store.workflows.delete(workflow.id, iso(engine.clock.now()));
  engine.bus.emit('workflow.changed', { workflow_uuid: workflow.uuid, change: 'deleted' });
}

/** A draft copy the analyst owns (the way to edit a built-in workflow). */
export async function duplicateWorkflow(engine: Engine, caller: ApiKey, uuid: string): Promise<Workflow> {
  const source = getWorkflow(engine, uuid);
  const { workflow } = await createWorkflow(engine, caller, {
    name: `${source.name} (copy)`.slice(0, 200),
    code: source.code,
    workflow_type: source.workflow_type,
    indicator_types: source.indicator_types,
    approval_mode: source.approval_mode,
    approval_timeout_seconds: source.approval_timeout_seconds,
    risk_level: source.risk_level,
    timeout_seconds: source.timeout_seconds,
    secrets: source.secrets,
    allowed_hosts: source.allowed_hosts,
    documentation: source.documentation,
    tags: source.tags,
    state: 'draft',
  });
  return workflow;
}
