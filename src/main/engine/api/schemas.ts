// Request schemas: the same objects validate requests and generate /v1/openapi.json.
import { Type, type Static, type TSchema } from 'typebox';
import {
  APPROVAL_MODES,
  APPROVAL_STATUSES,
  INDICATOR_TYPES,
  KEY_TYPES,
  RISK_LEVELS,
  RUN_STATUSES,
  SCOPES,
  SECRET_NAME,
  TRIGGER_TYPES,
  WORKFLOW_KINDS,
  WORKFLOW_STATES,
  WORKFLOW_TYPES,
} from '../../../shared/domain.ts';
import { INDICATOR_RULES_SUMMARY } from '../../../shared/indicators.ts';
import { CATCH_UP_MODES, OVERLAP_MODES } from '../../../shared/schedule.ts';
import { WORKFLOW_SORTS } from '../db/index.ts';
import { DEFAULT_PAGE_SIZE } from '../util/page.ts';

// `enum` rather than a union of literals: one clear validation message instead of one per value.
const Enum = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

export const SECRET_NAME_PATTERN = SECRET_NAME.source;

export const Uuid = Type.String({ format: 'uuid', description: 'A UUID.' });
export const UuidParams = Type.Object({ uuid: Uuid });

const HostEntry = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^[A-Za-z0-9.:*\\-\\[\\]/]+$',
  description: 'A host name, an IP address or a CIDR range the workflow may reach.',
});

// A workflow's schedule; the expression and zone are checked by the service (422 naming
// body.schedule.cron or body.schedule.timezone with the reason).
const ScheduleBody = Type.Union([
  Type.Object(
    {
      cron: Type.String({ minLength: 1, maxLength: 200, description: '5 fields (minute hour day month weekday), or 6 with seconds first.' }),
      timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'IANA zone, e.g. Europe/Berlin. Default: the machine\'s.' })),
      context: Type.Optional(Type.Unknown({ description: 'Free JSON the scheduled runs see as ctx.input. Default {}.' })),
      catch_up: Type.Optional(Enum(CATCH_UP_MODES, 'Occurrences missed while Vigil was not running: none, or run the last one (default).')),
      overlap: Type.Optional(Enum(OVERLAP_MODES, 'An occurrence due while the previous scheduled run is in flight: skip (default) or queue.')),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

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

export const WorkflowCreate = Type.Object(
  {
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
  },
  { additionalProperties: false },
);
export type WorkflowCreate = Static<typeof WorkflowCreate>;

export const WorkflowPatch = Type.Partial(Type.Object(workflowFields), {
  additionalProperties: false,
  minProperties: 1,
});
export type WorkflowPatch = Static<typeof WorkflowPatch>;

const Page = {
  // Bounded so that the offset stays an integer SQLite accepts (1e309 coerces to Infinity).
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_SIZE })),
};

export const WorkflowListQuery = Type.Object(
  {
    ...Page,
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
  },
  { additionalProperties: false },
);
export type WorkflowListQuery = Static<typeof WorkflowListQuery>;

export const VersionParams = Type.Object({ uuid: Uuid, version: Type.Integer({ minimum: 1 }) });

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

export const RunListQuery = Type.Object(
  {
    ...Page,
    workflow_uuid: Type.Optional(Uuid),
    status: Type.Optional(
      Type.String({
        pattern: `^(${RUN_STATUSES.join('|')})(,(${RUN_STATUSES.join('|')}))*$`,
        description: 'One status or several separated by commas.',
      }),
    ),
    trigger_type: Type.Optional(Enum(TRIGGER_TYPES)),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type RunListQuery = Static<typeof RunListQuery>;

export const WorkflowRunListQuery = Type.Omit(RunListQuery, ['workflow_uuid'], { additionalProperties: false });

export const ApprovalListQuery = Type.Object(
  {
    ...Page,
    status: Type.Optional(
      Type.String({
        pattern: `^(${APPROVAL_STATUSES.join('|')})(,(${APPROVAL_STATUSES.join('|')}))*$`,
        description: 'One status or several separated by commas.',
      }),
    ),
    workflow_uuid: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type ApprovalListQuery = Static<typeof ApprovalListQuery>;

export const DecisionBody = Type.Union([
  Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
  Type.Null(),
]);

export const KeyCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    key_type: Enum(KEY_TYPES),
    scopes: Type.Optional(Type.Array(Enum(SCOPES), { uniqueItems: true, minItems: 1 })),
    expires_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type KeyCreate = Static<typeof KeyCreate>;

export const SecretParams = Type.Object({ name: Type.String({ pattern: SECRET_NAME_PATTERN }) });
export const SecretPut = Type.Object(
  { value: Type.String({ minLength: 1, maxLength: 64 * 1024 }) },
  { additionalProperties: false },
);

export const SettingsPatch = Type.Object(
  {
    execute_rate_limit_per_minute: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, description: '0 turns the limit off.' })),
    run_concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    execution_paused: Type.Optional(Type.Boolean()),
    max_queued_runs: Type.Optional(
      Type.Integer({ minimum: 10, maximum: 1_000_000, description: 'Runs that may wait; past it execute answers 503 QUEUE_FULL. One key may hold half.' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SettingsPatch = Static<typeof SettingsPatch>;

export type { TSchema };
