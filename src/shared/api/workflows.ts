// Workflows: what a caller sends to create, change and list them, and how they come back
// (src/main/engine/api/routes/workflows.ts; the views are src/main/engine/workflows/views.ts).
import { Type, type Static } from 'typebox';
import {
  ALLOWED_HOST,
  APPROVAL_MODES,
  INDICATOR_TYPES,
  RISK_LEVELS,
  RUN_STATUSES,
  SECRET_NAME,
  WORKFLOW_KINDS,
  WORKFLOW_SORTS,
  WORKFLOW_STATES,
  WORKFLOW_TYPES,
} from '../domain.ts';
import { INTEGRATION_NAMES } from '../integrations.ts';
import { CATCH_UP_MODES, OVERLAP_MODES, type Schedule as ScheduleShape } from '../schedule.ts';
import { AnyJson, Closed, DateTime, Enum, Nullable, PageQuery, Uuid } from './common.ts';

export const SECRET_NAME_PATTERN = SECRET_NAME.source;

const HostEntry = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: ALLOWED_HOST.source,
  description: 'A host name, an IP address or a CIDR range the workflow may reach.',
});

// A workflow's schedule as requests send it; the expression and zone are checked by the service
// (422 naming body.schedule.cron or body.schedule.timezone with the reason).
const ScheduleBody = Type.Union([
  Closed({
    cron: Type.String({ minLength: 1, maxLength: 200, description: '5 fields (minute hour day month weekday), or 6 with seconds first.' }),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'IANA zone, e.g. Europe/Berlin. Default: the machine\'s.' })),
    context: Type.Optional(Type.Unknown({ description: 'Free JSON the scheduled runs see as ctx.input. Default {}.' })),
    catch_up: Type.Optional(Enum(CATCH_UP_MODES, 'Occurrences missed while Vigil was not running: none, or run the last one (default).')),
    overlap: Type.Optional(Enum(OVERLAP_MODES, 'An occurrence due while the previous scheduled run is in flight: skip (default) or queue.')),
  }),
  Type.Null(),
]);

/** A schedule as answers show it: every field filled in. */
export const Schedule = Type.Unsafe<ScheduleShape>(
  Type.Object({
    cron: Type.String(),
    timezone: Type.String(),
    context: AnyJson('What the scheduled runs see as ctx.input.'),
    catch_up: Enum(CATCH_UP_MODES),
    overlap: Enum(OVERLAP_MODES),
  }),
);

/** The fields an analyst sets, as requests check them. */
const workflowFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  workflow_type: Type.Union([Enum(WORKFLOW_TYPES), Type.Null()]),
  indicator_types: Type.Array(Enum(INDICATOR_TYPES), { uniqueItems: true, maxItems: INDICATOR_TYPES.length }),
  kind: Enum(WORKFLOW_KINDS, 'script: TypeScript code run in the sandbox; http_endpoint: a request to an external automation. Set at creation.'),
  code: Type.String({
    minLength: 1,
    maxLength: 1024 * 1024,
    description: 'TypeScript source, at most 1 MB. For http_endpoint workflows: the endpoint configuration as JSON text (what versions store).',
  }),
  endpoint: Type.Object(
    {},
    {
      additionalProperties: true,
      description:
        'http_endpoint workflows only: {url, method?: POST|PUT|PATCH, headers?: {name: value, values may use {{secret:NAME}}}, ' +
        'hmac?: {secret, header?, algorithm?: sha256|sha512} | null, timeout_seconds?: 1..3600, success_statuses?: [200, "2xx", …]}.',
    },
  ),
  state: Enum(WORKFLOW_STATES),
  approval_mode: Enum(APPROVAL_MODES),
  approval_timeout_seconds: Type.Integer({ minimum: 60, maximum: 7 * 24 * 3600 }),
  risk_level: Enum(RISK_LEVELS),
  timeout_seconds: Type.Integer({ minimum: 1, maximum: 3600 }),
  secrets: Type.Array(Type.String({ pattern: SECRET_NAME_PATTERN }), { uniqueItems: true, maxItems: 50 }),
  allowed_hosts: Type.Array(HostEntry, { uniqueItems: true, maxItems: 100 }),
  documentation: Type.String({ maxLength: 64 * 1024 }),
  tags: Type.Array(Type.String({ minLength: 1, maxLength: 50, pattern: '^[^,]+$' }), { uniqueItems: true, maxItems: 20 }),
  schedule: ScheduleBody,
};

// ─── requests ───────────────────────────────────────────────────────────────────────────────

export const WorkflowCreate = Closed({
  name: workflowFields.name,
  code: Type.Optional(workflowFields.code),
  endpoint: Type.Optional(workflowFields.endpoint),
  workflow_type: Type.Optional(workflowFields.workflow_type),
  indicator_types: Type.Optional(workflowFields.indicator_types),
  kind: Type.Optional(workflowFields.kind),
  state: Type.Optional(workflowFields.state),
  approval_mode: Type.Optional(workflowFields.approval_mode),
  approval_timeout_seconds: Type.Optional(workflowFields.approval_timeout_seconds),
  risk_level: Type.Optional(workflowFields.risk_level),
  timeout_seconds: Type.Optional(workflowFields.timeout_seconds),
  secrets: Type.Optional(workflowFields.secrets),
  allowed_hosts: Type.Optional(workflowFields.allowed_hosts),
  documentation: Type.Optional(workflowFields.documentation),
  tags: Type.Optional(workflowFields.tags),
  schedule: Type.Optional(workflowFields.schedule),
});
export type WorkflowCreate = Static<typeof WorkflowCreate>;

export const WorkflowPatch = Type.Partial(Type.Object(workflowFields), { additionalProperties: false, minProperties: 1 });
export type WorkflowPatch = Static<typeof WorkflowPatch>;

export const WorkflowListQuery = Closed({
  ...PageQuery,
  state: Type.Optional(Enum(WORKFLOW_STATES)),
  risk_level: Type.Optional(Enum(RISK_LEVELS)),
  workflow_type: Type.Optional(Enum(WORKFLOW_TYPES)),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Text search in name, documentation and tags.' })),
  sort: Type.Optional(
    Enum(
      WORKFLOW_SORTS.flatMap((field) => [field, `-${field}`]),
      'Field to sort by; a leading "-" sorts descending. Default -updated_at.',
    ),
  ),
});
export type WorkflowListQuery = Static<typeof WorkflowListQuery>;

export const VersionParams = Type.Object({ uuid: Uuid, version: Type.Integer({ minimum: 1 }) });

// ─── answers ────────────────────────────────────────────────────────────────────────────────

/** Why runs will fail although nothing refuses them (src/shared/warnings.ts). */
export const WorkflowWarning = Type.Object({
  code: Enum(['SECRET_NOT_SET', 'KEYCHAIN_UNAVAILABLE'] as const),
  secret: Type.Optional(Type.String({ description: 'The secret, for SECRET_NOT_SET.' })),
  message: Type.String(),
});

/** The fields an analyst sets, as answers show them. */
const shownFields = {
  name: Type.String(),
  workflow_type: Nullable(Enum(WORKFLOW_TYPES)),
  indicator_types: Type.Array(Enum(INDICATOR_TYPES)),
  kind: Enum(WORKFLOW_KINDS),
  state: Enum(WORKFLOW_STATES),
  approval_mode: Enum(APPROVAL_MODES),
  approval_timeout_seconds: Type.Integer(),
  risk_level: Enum(RISK_LEVELS),
  timeout_seconds: Type.Integer(),
  secrets: Type.Array(Type.String()),
  allowed_hosts: Type.Array(Type.String()),
  documentation: Type.String(),
  tags: Type.Array(Type.String()),
  schedule: Nullable(Schedule, { description: 'Scheduled workflows only: when it runs on its own.' }),
};

const ownFields = {
  uuid: Uuid,
  code_version: Type.Integer({ description: 'The current version.' }),
  is_system: Type.Boolean({ description: 'One of Vigil\'s built-in workflows.' }),
  builtin_key: Nullable(Type.String(), { description: 'Set on built-in workflows, e.g. `okta.suspend_user`.' }),
  integration: Nullable(Type.Object({ name: Enum(INTEGRATION_NAMES), configured: Type.Boolean() }), {
    description: 'The integration a built-in needs, and whether it is configured.',
  }),
  warnings: Type.Array(WorkflowWarning, { description: 'Why its runs will fail although nothing refuses them.' }),
  next_run_at: Nullable(DateTime(), { description: 'When the schedule fires next; set only while the workflow is active and has a schedule.' }),
  last_scheduled_at: Nullable(DateTime(), { description: 'The last occurrence the schedule handled (run, gated or skipped).' }),
  created_at: DateTime(),
  updated_at: DateTime(),
};

export const Workflow = Type.Object({
  ...ownFields,
  ...shownFields,
  code: Type.String({ description: 'The current version\'s code (for http_endpoint: the configuration as JSON text).' }),
  endpoint: AnyJson('http_endpoint workflows: the configuration parsed from `code`; null otherwise.'),
});
export type Workflow = Static<typeof Workflow>;

export const LastRun = Type.Object({ uuid: Uuid, status: Enum(RUN_STATUSES), queued_at: DateTime(), finished_at: Nullable(DateTime()) });
export type LastRun = Static<typeof LastRun>;

export const WorkflowListItem = Type.Object({ ...ownFields, ...shownFields, last_run: Nullable(LastRun) }, { description: 'A workflow without its code.' });
export type WorkflowListItem = Static<typeof WorkflowListItem>;

/** What a saved version holds besides its code: changing any of it saves a new version. */
const versionFields = {
  version: Type.Integer({ minimum: 1 }),
  secrets: Type.Array(Type.String()),
  allowed_hosts: Type.Array(Type.String()),
  timeout_seconds: Type.Integer(),
  schedule: Nullable(Schedule),
  saved_at: DateTime(),
  author_key: Nullable(Type.String(), { description: 'The name of the key that saved it.' }),
  current: Type.Boolean({ description: 'Whether it is the workflow\'s current version.' }),
};

export const WorkflowVersionSummary = Type.Object({ ...versionFields, code_bytes: Type.Integer({ description: 'The code\'s size in bytes.' }) });
export type WorkflowVersionSummary = Static<typeof WorkflowVersionSummary>;

export const WorkflowVersion = Type.Object({ ...versionFields, code: Type.String(), workflow_uuid: Uuid });
export type WorkflowVersion = Static<typeof WorkflowVersion>;

/** A lint or type problem in a workflow's code; lines and columns are 1-based, the end exclusive. */
export const LintProblem = Type.Object({
  rule: Type.String({ description: 'The lint rule, or `TS<code>` for a type error.' }),
  severity: Enum(['error', 'warning'] as const),
  message: Type.String(),
  line: Type.Integer(),
  column: Type.Integer(),
  endLine: Type.Integer(),
  endColumn: Type.Integer(),
  source: Type.Optional(Enum(['typescript'] as const, 'Set on type errors (always warnings).')),
});
export type LintProblem = Static<typeof LintProblem>;

/** A problem in an http_endpoint configuration: the field inside it and why. */
export const EndpointProblem = Type.Object({ field: Type.String(), message: Type.String() });

export const LintReport = Type.Object({
  ok: Type.Boolean({ description: 'False when the code has errors (type errors are warnings).' }),
  problems: Type.Array(Type.Union([LintProblem, EndpointProblem])),
});
export type LintReport = Static<typeof LintReport>;
