// A workflow's editable fields: what a new one starts with, what the draft changed against the
// saved copy ("dirty" is that comparison, so undoing an edit makes it clean again), and where the
// server's field problems belong.
import { WORKFLOW_DEFAULTS } from '../../../shared/domain.ts';
import type { Workflow, WorkflowFields } from '../../api/types.ts';

export const NEW_WORKFLOW_CODE = `import type { WorkflowContext, WorkflowResult } from "vigil";

// Called once per run with the indicator (and alert, input) it was triggered with.
export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const { type, value } = ctx.indicator;
  ctx.log.info("received indicator", { type, value });
  return ctx.ok(\`checked \${value}\`, { type, value });
}
`;

/** The example a new scheduled workflow starts with: its runs have no indicator, only the schedule's context. */
export const NEW_SCHEDULED_WORKFLOW_CODE = `import type { WorkflowContext, WorkflowResult } from "vigil";

// Called at each occurrence of the schedule, with the schedule's context as ctx.input.
export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const input = (ctx.input ?? {}) as { days?: number };
  ctx.log.info("scheduled run", { occurrence: ctx.run.scheduled_for, days: input.days ?? null });
  return ctx.ok("done", { occurrence: ctx.run.scheduled_for });
}
`;

/**
 * The code after the workflow type changed: an untouched example becomes the other type's example;
 * code the analyst wrote stays.
 */
export function exampleForType(code: string, workflowType: string | null): string {
  if (workflowType === 'scheduled' && code === NEW_WORKFLOW_CODE) return NEW_SCHEDULED_WORKFLOW_CODE;
  if (workflowType !== 'scheduled' && code === NEW_SCHEDULED_WORKFLOW_CODE) return NEW_WORKFLOW_CODE;
  return code;
}

// A new workflow starts from the same defaults the API fills in; its state is the server's to set.
const { state: _state, ...defaults } = WORKFLOW_DEFAULTS;

export const NEW_WORKFLOW_FIELDS: WorkflowFields = { name: '', code: NEW_WORKFLOW_CODE, ...defaults };

const FIELD_NAMES = Object.keys(NEW_WORKFLOW_FIELDS) as Array<keyof WorkflowFields>;

export function fieldsOf(workflow: Workflow): WorkflowFields {
  const fields = {} as Record<keyof WorkflowFields, unknown>;
  for (const name of FIELD_NAMES) fields[name] = workflow[name];
  return fields as WorkflowFields;
}

/** The fields of `draft` that differ from `baseline` (what a PATCH must send). */
export function changedFields(baseline: WorkflowFields, draft: WorkflowFields): Partial<WorkflowFields> {
  const changes: Partial<Record<keyof WorkflowFields, unknown>> = {};
  for (const name of FIELD_NAMES) {
    if (JSON.stringify(baseline[name]) !== JSON.stringify(draft[name])) changes[name] = draft[name];
  }
  return changes as Partial<WorkflowFields>;
}

export function isDirty(state: { baseline: WorkflowFields; draft: WorkflowFields }): boolean {
  return Object.keys(changedFields(state.baseline, state.draft)).length > 0;
}

/** A 422 problem's field ("body.tags.2") as the settings field it belongs to ("tags"). */
export function fieldOfProblem(field: string): string {
  return field.replace(/^body\.?/, '').split('.')[0] || 'form';
}
