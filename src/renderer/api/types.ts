// The shapes the console reads from REST v1 (src/main/engine/api/routes/*.ts and views.ts are
// the truth). Enum vocabularies come from src/shared/domain.ts so both sides agree.
import type {
  ApprovalMode,
  ApprovalStatus,
  IndicatorType,
  KeyType,
  RiskLevel,
  RunInput,
  RunLogEntry,
  RunStatus,
  Scope,
  TriggerType,
  WorkflowKind,
  WorkflowResult,
  WorkflowState,
  WorkflowType,
} from '../../shared/domain.ts';
import type { IntegrationName } from '../../shared/integrations.ts';
import type { TestSecret } from '../../shared/test-secrets.ts';
import type { WorkflowWarning } from '../../shared/warnings.ts';
import type { Schedule } from '../../shared/schedule.ts';

export type {
  ApprovalMode,
  ApprovalStatus,
  IndicatorType,
  KeyType,
  RiskLevel,
  RunInput,
  RunLogEntry,
  RunStatus,
  Scope,
  TriggerType,
  WorkflowResult,
  WorkflowState,
  WorkflowType,
  WorkflowWarning,
};

/**
 * Whether the OS keychain can be used (GET /v1/settings `keychain`, GET /v1/secrets
 * `meta.keychain`): `unavailable` says why and how to fix it.
 */
export type KeychainStatus =
  | { state: 'checking' }
  | { state: 'available' }
  | { state: 'unavailable'; reason: string; why: string; fix: string };

export interface ListMeta {
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
}

export interface Envelope<T, M = Record<string, unknown>> {
  data: T;
  meta: M;
}

/** The fields an analyst edits; what the editor's draft holds. */
export interface WorkflowFields {
  name: string;
  /** Chosen when the workflow is created; http_endpoint keeps its configuration as JSON in `code`. */
  kind: WorkflowKind;
  workflow_type: WorkflowType | null;
  indicator_types: IndicatorType[];
  code: string;
  approval_mode: ApprovalMode;
  approval_timeout_seconds: number;
  risk_level: RiskLevel;
  timeout_seconds: number;
  secrets: string[];
  allowed_hosts: string[];
  documentation: string;
  tags: string[];
  /** Scheduled workflows only: when it runs on its own (null: it does not). */
  schedule: Schedule | null;
}

export interface Workflow extends WorkflowFields {
  uuid: string;
  code_version: number;
  state: WorkflowState;
  is_system: boolean;
  /** Set on Vigil's built-in workflows, e.g. `okta.suspend_user`. */
  builtin_key?: string | null;
  /** The integration a built-in needs and whether it is configured (`not configured` badge). */
  integration?: { name: IntegrationName; configured: boolean } | null;
  /** Why its runs will fail although nothing refuses them (a declared secret with no value). */
  warnings?: WorkflowWarning[];
  /** When the schedule fires next: set only while the workflow is active and has a schedule. */
  next_run_at?: string | null;
  /** The last occurrence the schedule handled (run, gated or skipped). */
  last_scheduled_at?: string | null;
  created_at: string;
  updated_at: string;
}

export interface LastRun {
  uuid: string;
  status: RunStatus;
  queued_at: string;
  finished_at: string | null;
}

export type WorkflowListItem = Omit<Workflow, 'code'> & { last_run: LastRun | null };

export interface WorkflowVersionSummary {
  version: number;
  saved_at: string;
  author_key: string | null;
  code_bytes: number;
  current: boolean;
}

export interface WorkflowVersion {
  version: number;
  code: string;
  saved_at: string;
  author_key: string | null;
  workflow_uuid: string;
  current: boolean;
}

export interface KeyRef {
  uuid: string;
  name: string;
  prefix: string;
}

export interface Run {
  uuid: string;
  workflow_uuid: string;
  workflow_name: string;
  workflow_version: number;
  trigger_type: TriggerType;
  trigger_key: KeyRef | null;
  reason: string | null;
  confidence: number | null;
  input: RunInput;
  status: RunStatus;
  result: WorkflowResult | null;
  error: string | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  approval_uuid: string | null;
  /** The schedule's occurrence a scheduled or skipped run stands for. */
  scheduled_for?: string | null;
}

export interface RunStep {
  name: string;
  status: 'success' | 'failed' | 'skipped';
  started_at: string;
  duration_ms: number;
  output: unknown;
  error: string | null;
  reason: string | null;
}

export interface RunDetail extends Run {
  /** Absent in answers from before steps were recorded. */
  steps?: RunStep[];
  logs: RunLogEntry[];
}

export interface Approval {
  uuid: string;
  workflow_uuid: string;
  workflow_name: string;
  workflow_version: number;
  risk_level: RiskLevel;
  trigger_type: TriggerType;
  trigger_key: KeyRef | null;
  reason: string | null;
  confidence: number | null;
  input: RunInput;
  status: ApprovalStatus;
  responder: string | null;
  decision_reason: string | null;
  decided_at: string | null;
  created_at: string;
  expires_at: string;
  notifier_info: unknown[];
  /** A scheduled request's occurrence. */
  scheduled_for?: string | null;
  run: { uuid: string; status: RunStatus | null } | null;
  /** Pending requests: why the run would fail if approved now. */
  warnings?: WorkflowWarning[];
}

export interface ApiKey {
  uuid: string;
  name: string;
  key_type: KeyType;
  scopes: Scope[];
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked: boolean;
}

export interface CreatedApiKey extends ApiKey {
  /** The key itself: in this response only. */
  key: string;
}

export interface Secret {
  name: string;
  created_at: string | null;
  updated_at: string | null;
  set: boolean;
  used_by: Array<{ uuid: string; name: string }>;
}

export interface Settings {
  execute_rate_limit_per_minute: number;
  run_concurrency: number;
  execution_paused: boolean;
  max_queued_runs: number;
  data_dir: string;
  keychain?: KeychainStatus;
  [key: string]: unknown;
}

export type SettingsPatch = Partial<Pick<Settings, 'execute_rate_limit_per_minute' | 'run_concurrency' | 'execution_paused' | 'max_queued_runs'>>;

/** One HTTP call a test run made, and which mock answered it. */
export interface TestHttpCall {
  method: string;
  url: string;
  request_headers: Record<string, string> | null;
  request_body: unknown;
  status: number | null;
  ms: number | null;
  bytes: number | null;
  error: string | null;
  mock: unknown;
}

export interface TestResult {
  success: boolean;
  message: string;
  data: unknown;
  logs: RunLogEntry[];
  http_calls: TestHttpCall[];
  duration_ms: number;
  status: RunStatus;
  error: string | null;
  /** Each declared secret and where its test value came from (the server never reads the keychain for a test). */
  secrets: TestSecret[];
}

export interface TestRequest {
  kind?: WorkflowKind;
  code?: string;
  indicator_type: IndicatorType;
  indicator_value: string;
  context?: unknown;
  /** What the workflow sees as ctx.alert. */
  alert?: Record<string, unknown> | null;
  mocks?: unknown;
  secrets?: Record<string, string>;
  declared_secrets?: string[];
  allowed_hosts?: string[];
}

/** GET/PUT /v1/workflows/{uuid}/mocks: the test mocks stored with a workflow (not part of a version). */
export interface WorkflowMocks {
  mocks: unknown;
  updated_at: string | null;
}

/** One workflow in the plan of POST /v1/workflows/import. */
export interface ImportPlanItem {
  file: string;
  name: string;
  kind: WorkflowKind;
  uuid: string | null;
  action: 'create' | 'update' | 'unchanged';
  matched_by: 'builtin' | 'uuid' | 'name' | null;
  changes: string[];
  new_version: boolean;
  activate: boolean;
  notes: string[];
}

export interface ImportPlan {
  dry_run: boolean;
  applied: boolean;
  items: ImportPlanItem[];
  ignored: string[];
  summary: { create: number; update: number; unchanged: number; activate: number };
}

/** A problem that refused an import (422 IMPORT_INVALID): the file, its line when it has one. */
export interface ImportProblem {
  file: string;
  line?: number;
  message: string;
}

/** POST /v1/workflows/{uuid}/execute as the console sends it (the trigger is the key's type). */
export interface ExecuteRequest {
  /** Both left out only for a scheduled workflow (it works on its context). */
  indicator_type?: IndicatorType;
  indicator_value?: string;
  /** What the workflow sees as ctx.input. */
  context?: unknown;
  /** Why the run is wanted; shown on the approval request and the run. */
  reason?: string;
}

/** The 202 answer: queued at once, or waiting behind the approval gate. */
export type ExecuteAnswer =
  | { status: 'queued'; run_uuid: string }
  | { status: 'pending_approval'; approval_request_uuid: string; expires_at: string };

export interface LintProblemView {
  rule: string;
  severity: 'error' | 'warning';
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Set on type errors (rule `TS<code>`, always warnings); absent on the safety linter's problems. */
  source?: 'typescript';
}

/** A 422 problem: which request field, and what is wrong with it. */
export interface FieldProblem {
  field: string;
  message: string;
}

export type EventType =
  | 'run.queued'
  | 'run.started'
  | 'run.finished'
  | 'approval.created'
  | 'approval.decided'
  | 'approval.expired'
  | 'approval.cancelled'
  | 'workflow.changed';

export interface VigilEvent {
  id: number;
  type: EventType | string;
  data: Record<string, unknown> & { at?: string };
}

/** GET /v1/settings/notifiers: settings, and secrets only as "set or not". */
export interface NotifierView {
  slack: {
    enabled: boolean;
    mode: 'bot' | 'webhook';
    default_channel: string | null;
    workflow_channels: Record<string, string>;
    approvers: string[];
    socket_mode: boolean;
    notify_run_failed: boolean;
    api_url: string;
    /** Whether each is stored; null while the OS keychain, where they live, cannot be read. */
    credentials: { bot_token: boolean | null; app_token: boolean | null; signing_secret: boolean | null; webhook_url: boolean | null };
    socket?: { state: 'off' | 'connecting' | 'connected' | 'reconnecting' | 'failed'; error: string | null; since: string };
  };
  teams: { enabled: boolean; notify_run_failed: boolean; credentials: { webhook_url: boolean | null } };
  desktop: { enabled: boolean; run_failed: boolean; adapter?: 'shell' | 'log' };
  warnings: string[];
}

/** PUT /v1/settings/notifiers: fields left out keep their value; a secret set to null is removed. */
export interface NotifierUpdate {
  slack?: Partial<Omit<NotifierView['slack'], 'credentials' | 'socket'>> & {
    bot_token?: string | null;
    app_token?: string | null;
    signing_secret?: string | null;
    webhook_url?: string | null;
  };
  teams?: Partial<Omit<NotifierView['teams'], 'credentials'>> & { webhook_url?: string | null };
  desktop?: Partial<NotifierView['desktop']>;
}

export interface NotifierTestResult {
  channel: 'slack' | 'teams';
  delivered: boolean;
  target: string;
  status: number | null;
  answer: string | null;
  error: string | null;
}

export type {
  CheckState,
  GenerateProgress,
  GenerateRequest,
  GenerateResult,
  GenerationProblem,
  LlmProviderName,
  LlmSettingsUpdate,
  LlmSettingsView,
  ProgressStage,
  SuggestedTestInput,
} from '../../shared/llm.ts';
export { PROGRESS_STAGES } from '../../shared/llm.ts';

// ─── Integrations (GET/PUT/DELETE /v1/integrations/{okta|entra}) ───────────────────────────────

export type { ConnectionTest, EntraUpdate, EntraView, IntegrationName, IntegrationView, OktaUpdate, OktaView } from '../../shared/integrations.ts';
