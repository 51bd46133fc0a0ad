// Runs: executing a workflow, listing and reading runs, cancelling one
// (src/main/engine/api/routes/execute.ts and runs.ts; the views are src/main/engine/runs/views.ts).
import { Type, type Static } from 'typebox';
import {
  APPROVAL_MODES,
  INDICATOR_TYPES,
  LOG_LEVELS,
  RUN_STATUSES,
  STEP_STATUSES,
  TRIGGER_TYPES,
  WORKFLOW_KINDS,
  type AlertInput,
} from '../domain.ts';
import { INDICATOR_RULES_SUMMARY } from '../indicators.ts';
import { AnyJson, Closed, DateTime, Enum, JsonObject, Nullable, PageQuery, StatusList, Uuid } from './common.ts';
import { LintReport, WorkflowWarning } from './workflows.ts';

// ─── requests ───────────────────────────────────────────────────────────────────────────────

export const ExecuteBody = Type.Object({
  // Required unless the workflow's type is `scheduled` (the service says which is missing).
  indicator_type: Type.Optional(Enum(INDICATOR_TYPES)),
  indicator_value: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: INDICATOR_RULES_SUMMARY })),
  alert_uuid: Type.Optional(Type.Union([Uuid, Type.Null()])),
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: 'Why the agent wants this run. Required for agent keys.' })),
  confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'The agent\'s confidence, 0..1. Required for agent keys.' })),
  context: Type.Optional(Type.Unknown({ description: 'Free JSON handed to the workflow as ctx.input.' })),
  input: Type.Optional(Type.Unknown({ description: 'Another name for context (as Truthlocks calls it); send one of the two.' })),
  dry_run: Type.Optional(Type.Boolean()),
  indicator_malice: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  enrichment: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])),
  alert: Type.Optional(
    Type.Union([
      Type.Object(
        {
          uuid: Type.Optional(Type.String({ maxLength: 100 })),
          title: Type.Optional(Type.String({ maxLength: 1000 })),
          severity: Type.Optional(Type.String({ maxLength: 50 })),
          source: Type.Optional(Type.String({ maxLength: 200 })),
          fields: Type.Optional(Type.Object({}, { additionalProperties: true })),
        },
        { additionalProperties: true },
      ),
      Type.Null(),
    ]),
  ),
});
export type ExecuteBody = Static<typeof ExecuteBody>;

export const RunListQuery = Closed({
  ...PageQuery,
  workflow_uuid: Type.Optional(Uuid),
  status: Type.Optional(StatusList(RUN_STATUSES)),
  trigger_type: Type.Optional(Enum(TRIGGER_TYPES)),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
});
export type RunListQuery = Static<typeof RunListQuery>;

export const WorkflowRunListQuery = Type.Omit(RunListQuery, ['workflow_uuid'], { additionalProperties: false });

// ─── answers ────────────────────────────────────────────────────────────────────────────────

/** The key that triggered a run or asked for an approval; null once the key is deleted. */
export const KeyRef = Type.Object({ uuid: Uuid, name: Type.String(), prefix: Type.String() });
export type KeyRef = Static<typeof KeyRef>;

/** The input stored with a run: what the workflow sees as ctx.indicator, ctx.alert and ctx.input. */
export const RunInput = Type.Object({
  indicator: Nullable(
    Type.Object({
      type: Enum(INDICATOR_TYPES),
      value: Type.String(),
      malice: Nullable(Type.String()),
      enrichment: Nullable(JsonObject()),
    }),
    { description: 'Null for scheduled runs, and for scheduled workflows executed without one.' },
  ),
  // Any other field the caller's alert had is kept and written too.
  alert: Nullable(
    Type.Unsafe<AlertInput>(
      Type.Object(
        {
          uuid: Type.Optional(Type.String()),
          title: Type.Optional(Type.String()),
          severity: Type.Optional(Type.String()),
          source: Type.Optional(Type.String()),
          fields: Type.Optional(JsonObject()),
        },
        { additionalProperties: true, description: 'The alert as the caller sent it.' },
      ),
    ),
  ),
  alert_uuid: Nullable(Type.String()),
  context: AnyJson('The caller\'s free-form `context` (ctx.input).'),
});

export const WorkflowResult = Type.Object({ success: Type.Boolean(), message: Type.String(), data: AnyJson() });

/** One `ctx.step` of a run, in the order they started. */
export const RunStep = Type.Object({
  name: Type.String(),
  status: Enum(STEP_STATUSES),
  started_at: DateTime(),
  duration_ms: Type.Number(),
  output: AnyJson('What the step returned (JSON), capped and redacted; null when it failed or returned nothing.'),
  error: Nullable(Type.String()),
  reason: Nullable(Type.String(), { description: 'Why it was skipped.' }),
});
export type RunStep = Static<typeof RunStep>;

/** One log line of a run. HTTP calls carry a summary, never bodies. */
export const RunLogEntry = Type.Object({
  seq: Type.Integer(),
  ts: DateTime(),
  level: Enum(LOG_LEVELS),
  message: Type.String(),
  fields: Nullable(JsonObject()),
  step: Nullable(Type.String()),
  http: Nullable(
    Type.Object({
      method: Type.String(),
      url: Type.String(),
      status: Nullable(Type.Integer()),
      ms: Type.Number(),
      bytes: Type.Number(),
      error: Type.Optional(Type.String()),
    }),
  ),
});
export type RunLogEntry = Static<typeof RunLogEntry>;

/** What a run and an approval request both say of the request behind them: who asked, why, with what. */
export const requestFields = {
  trigger_type: Enum(TRIGGER_TYPES),
  trigger_key: Nullable(KeyRef),
  reason: Nullable(Type.String()),
  confidence: Nullable(Type.Number()),
  input: RunInput,
};

const runFields = {
  uuid: Uuid,
  workflow_uuid: Uuid,
  workflow_name: Type.String(),
  workflow_version: Type.Integer(),
  ...requestFields,
  status: Enum(RUN_STATUSES),
  result: Nullable(WorkflowResult),
  error: Nullable(Type.String()),
  queued_at: DateTime(),
  started_at: Nullable(DateTime()),
  finished_at: Nullable(DateTime()),
  duration_ms: Nullable(Type.Number()),
  approval_uuid: Nullable(Uuid, { description: 'The approval request the run was approved through.' }),
  scheduled_for: Nullable(DateTime(), { description: 'The schedule\'s occurrence a scheduled or skipped run stands for.' }),
};

export const Run = Type.Object(runFields);
export type Run = Static<typeof Run>;

export const RunDetail = Type.Object({
  ...runFields,
  steps: Type.Optional(Type.Array(RunStep, { description: 'Always sent by this version; absent from older answers.' })),
  logs: Type.Array(RunLogEntry),
});
export type RunDetail = Static<typeof RunDetail>;

/** What every execute answer says of the workflow it will run (as Altostrat's and Truthlocks' answers do). */
const executedWorkflow = {
  workflow_uuid: Uuid,
  workflow_version: Type.Integer({ description: 'The version that will run.' }),
  created_at: DateTime(),
};
export const ExecuteQueued = Type.Object({ status: Type.Literal('queued'), run_uuid: Uuid, ...executedWorkflow });
export const ExecutePendingApproval = Type.Object({
  status: Type.Literal('pending_approval'),
  approval_request_uuid: Uuid,
  expires_at: DateTime(),
  ...executedWorkflow,
});
/** The execute answer's meta: the body's fields execute does not know, named rather than dropped unseen. */
export const ExecuteMeta = Type.Object({ ignored_fields: Type.Optional(Type.Array(Type.String())) });

/** The 202 answer: queued at once, or waiting behind the approval gate. */
export const ExecuteAccepted = Type.Union([ExecuteQueued, ExecutePendingApproval]);
export type ExecuteAccepted = Static<typeof ExecuteAccepted>;

/** A dry run's 200 answer: what would happen, with nothing stored. */
export const ExecutePlan = Type.Object({
  dry_run: Type.Literal(true),
  workflow: Type.Object({ uuid: Uuid, name: Type.String(), version: Type.Integer(), kind: Enum(WORKFLOW_KINDS) }),
  trigger_type: Enum(TRIGGER_TYPES),
  requires_approval: Type.Boolean(),
  approval_mode: Enum(APPROVAL_MODES),
  approval_timeout_seconds: Nullable(Type.Integer()),
  secrets: Type.Array(Type.Object({ name: Type.String(), exists: Type.Boolean() })),
  allowed_hosts: Type.Array(Type.String()),
  timeout_seconds: Type.Integer(),
  lint: LintReport,
  warnings: Type.Array(WorkflowWarning),
});
export type ExecutePlan = Static<typeof ExecutePlan>;
