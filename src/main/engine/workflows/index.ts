import { WORKFLOW_DEFAULTS } from '../../../shared/domain.ts';
import type { LintProblem } from '../../../shared/lint/index.ts';
import { loadLinter } from './linter.ts';
import type { ApiKey, Workflow, WorkflowFields } from '../db/index.ts';
import { DomainError, invalid } from '../errors.ts';
import { callerLabel } from '../keys/access.ts';
import type { WorkflowCreate, WorkflowPatch } from '../api/schemas.ts';
import type { Engine } from '../engine.ts';
import { iso } from '../util/time.ts';
import { resolveEndpoint } from './endpoint.ts';
import { parseEndpointText, validateEndpoint } from '../../../shared/endpoint.ts';
import { typecheckWorkflow } from './typecheck.ts';

export { endpointBody, resolveEndpoint, storedEndpoint, type EndpointBodyParts } from './endpoint.ts';
export { readVigilTypes, typecheckWorkflow } from './typecheck.ts';
export { approvalWarnings, secretWarnings } from './warnings.ts';

/** What a system workflow lets the analyst change: its state and how it is gated, not its code. */
const SYSTEM_EDITABLE = new Set(['state', 'approval_mode', 'approval_timeout_seconds', 'tags']);

/**
 * Lints code against the workflow's declared secrets. Errors refuse the save with every problem
 * listed; warnings, and the type errors the editor underlines (as warnings with `source:
 * "typescript"`), are returned for the caller to show.
 */
async function checkCode(code: string, secrets: string[]): Promise<LintProblem[]> {
  const { hasErrors, lintWorkflow } = await loadLinter();
  const problems = lintWorkflow(code, { declaredSecrets: secrets });
  if (hasErrors(problems)) {
    const errors = problems.filter((problem) => problem.severity === 'error');
    throw new DomainError(
      'rejected',
      'WORKFLOW_CODE_INVALID',
      `The workflow code has ${errors.length} problem(s) that the sandbox would refuse. Fix them and save again.`,
      { problems },
    );
  }
  return [...problems, ...(await typecheckWorkflow(code))];
}

/**
 * What is wrong with a saved workflow's current version, as a dry run reports it: lint problems and
 * type errors (warnings) of its code, or the problems of an http_endpoint configuration.
 */
export async function lintReport(workflow: Workflow): Promise<{ ok: boolean; problems: unknown[] }> {
  if (workflow.kind === 'http_endpoint') {
    const checked = validateEndpoint(parseEndpointText(workflow.code), workflow.secrets);
    return { ok: checked.ok, problems: checked.ok ? [] : checked.problems };
  }
  const { hasErrors, lintWorkflow } = await loadLinter();
  const problems: LintProblem[] = lintWorkflow(workflow.code, { declaredSecrets: workflow.secrets });
  // Code the linter refuses is not type-checked: a syntax error would only be repeated.
  if (!hasErrors(problems)) problems.push(...(await typecheckWorkflow(workflow.code)));
  return { ok: !hasErrors(problems), problems };
}

export async function createWorkflow(
  engine: Engine,
  caller: ApiKey,
  body: WorkflowCreate,
): Promise<{ workflow: Workflow; warnings: LintProblem[] }> {
  const { endpoint, code, ...rest } = body;
  const fields: WorkflowFields = { ...WORKFLOW_DEFAULTS, ...rest, code: '' };
  let warnings: LintProblem[] = [];
  if (fields.kind === 'http_endpoint') {
    // The configuration is the version's content; its timeout is the workflow's.
    const resolved = resolveEndpoint({ endpoint, code, timeout_seconds: body.timeout_seconds }, fields.secrets);
    fields.code = resolved.code;
    fields.timeout_seconds = resolved.config.timeout_seconds;
  } else {
    if (endpoint !== undefined) throw endpointOnScript();
    if (code === undefined) {
      throw invalid([{ field: 'body.code', message: 'code is required for script workflows' }], 'A script workflow needs its code.');
    }
    fields.code = code;
    warnings = await checkCode(fields.code, fields.secrets);
  }
  const workflow = engine.store.workflows.create(fields, { now: iso(engine.clock.now()), author: callerLabel(caller) });
  engine.bus.emit('workflow.changed', { workflow_uuid: workflow.uuid, change: 'created' });
  return { workflow, warnings };
}

function endpointOnScript(): DomainError {
  return invalid([{ field: 'body.endpoint', message: 'only http_endpoint workflows have an endpoint' }], 'endpoint is only for http_endpoint workflows.');
}

export function getWorkflow(engine: Engine, uuid: string): Workflow {
  const workflow = engine.store.workflows.get(uuid);
  if (!workflow) throw new DomainError('not_found', 'WORKFLOW_NOT_FOUND', `No workflow with id ${uuid}.`);
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
      throw new DomainError(
        'forbidden',
        'SYSTEM_WORKFLOW_READ_ONLY',
        `Built-in workflows can only change ${[...SYSTEM_EDITABLE].join(', ')}; duplicate it to edit ${refused.join(', ')}.`,
        { fields: refused },
      );
    }
  }
  if (patch.kind !== undefined && patch.kind !== current.kind) {
    throw new DomainError('rejected', 'WORKFLOW_KIND_IMMUTABLE', `This workflow is a ${current.kind} workflow; create a new workflow to change its kind.`);
  }
  const { endpoint, ...changes } = patch;
  const secrets = patch.secrets ?? current.secrets;
  const activating = patch.state === 'active' && current.state !== 'active';
  let warnings: LintProblem[] = [];
  if (current.kind === 'http_endpoint') {
    // Checked again whenever it, what it may read or its timeout changes, and on activation.
    if (endpoint !== undefined || patch.code !== undefined || patch.secrets !== undefined || patch.timeout_seconds !== undefined || activating) {
      const resolved = resolveEndpoint({ endpoint, code: patch.code, timeout_seconds: patch.timeout_seconds }, secrets, current.code);
      changes.code = resolved.code;
      changes.timeout_seconds = resolved.config.timeout_seconds;
    }
  } else {
    if (endpoint !== undefined) throw endpointOnScript();
    // The code is linted whenever it or what it may read changes, and on activation.
    const relint = patch.code !== undefined || patch.secrets !== undefined || activating;
    warnings = relint && !current.is_system ? await checkCode(patch.code ?? current.code, secrets) : [];
  }
  const workflow = engine.store.workflows.update(current.id, changes, {
    now: iso(engine.clock.now()),
    author: callerLabel(caller),
  });
  engine.bus.emit('workflow.changed', { workflow_uuid: workflow.uuid, change: 'updated' });
  if (workflow.state !== 'active') engine.approvals.cancelPending(workflow.id, callerLabel(caller), `the workflow was set to ${workflow.state}`);
  return { workflow, warnings };
}

export function deleteWorkflow(engine: Engine, caller: ApiKey, uuid: string): void {
  const workflow = getWorkflow(engine, uuid);
  if (workflow.is_system) {
    throw new DomainError('forbidden', 'SYSTEM_WORKFLOW', 'Built-in workflows cannot be deleted; deactivate it instead.');
  }
  engine.store.workflows.delete(workflow.id, iso(engine.clock.now()));
  engine.bus.emit('workflow.changed', { workflow_uuid: workflow.uuid, change: 'deleted' });
  engine.approvals.cancelPending(workflow.id, callerLabel(caller), 'the workflow was deleted');
}

/** A draft copy the analyst owns (the way to edit a built-in workflow). */
export async function duplicateWorkflow(engine: Engine, caller: ApiKey, uuid: string): Promise<Workflow> {
  const source = getWorkflow(engine, uuid);
  const { workflow } = await createWorkflow(engine, caller, {
    name: `${source.name} (copy)`.slice(0, 200),
    kind: source.kind,
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
