// Domain vocabulary shared by the engine, the sandbox, the console and the CLI.
import type { Schedule } from './schedule.ts';

export const INDICATOR_TYPES = ['ip', 'domain', 'hash_md5', 'hash_sha1', 'hash_sha256', 'url', 'email', 'account'] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

/** `scheduled`: runs on its schedule; an indicator is optional when it is executed by hand or by an agent. */
export const WORKFLOW_TYPES = ['indicator', 'alert', 'scheduled'] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

export const WORKFLOW_KINDS = ['script', 'http_endpoint'] as const;
export type WorkflowKind = (typeof WORKFLOW_KINDS)[number];

export const WORKFLOW_STATES = ['draft', 'active', 'inactive'] as const;
export type WorkflowState = (typeof WORKFLOW_STATES)[number];

export const APPROVAL_MODES = ['always', 'agent_only', 'never'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** `schedule`: the workflow's own schedule started the run (no key, no indicator). */
export const TRIGGER_TYPES = ['human', 'agent', 'schedule'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** `skipped`: a scheduled occurrence that did not run (missed, paused, overlapping, expired); the run's reason says why. */
export const RUN_STATUSES = ['queued', 'running', 'success', 'failed', 'timed_out', 'cancelled', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['success', 'failed', 'timed_out', 'cancelled', 'skipped'];

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const SCOPES = ['workflows:read', 'workflows:write', 'workflows:execute', 'approvals:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const KEY_TYPES = ['human', 'agent'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/**
 * A secret's name: what workflows declare and read with ctx.secrets.get, what the keychain stores
 * and what an endpoint's `{{secret:NAME}}` references. The source is for patterns that embed it.
 */
export const SECRET_NAME_SOURCE = '[A-Za-z_][A-Za-z0-9_]{0,127}';
export const SECRET_NAME = new RegExp(`^${SECRET_NAME_SOURCE}$`);

/** An entry of a workflow's `allowed_hosts`: a host name, an IP address or a CIDR range (at most 253 characters). */
export const ALLOWED_HOST = /^[A-Za-z0-9.:*\-[\]/]+$/;

/** The fields a workflow gets when its creator leaves them out (the API, the console's new workflow). */
export interface WorkflowDefaults {
  workflow_type: WorkflowType | null;
  indicator_types: IndicatorType[];
  kind: WorkflowKind;
  state: WorkflowState;
  approval_mode: ApprovalMode;
  approval_timeout_seconds: number;
  risk_level: RiskLevel;
  timeout_seconds: number;
  secrets: string[];
  allowed_hosts: string[];
  documentation: string;
  tags: string[];
  /** When the workflow runs on its own; only `scheduled` workflows have one. Part of the version. */
  schedule: Schedule | null;
}

export const WORKFLOW_DEFAULTS: Readonly<WorkflowDefaults> = {
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
  schedule: null,
};

/** Fields a workflow list can be sorted by (a leading "-" in the query sorts descending). */
export const WORKFLOW_SORTS = ['name', 'created_at', 'updated_at', 'risk_level', 'state'] as const;
export type WorkflowSort = (typeof WORKFLOW_SORTS)[number];

/** Items a list answers with when the caller does not say `page_size`. */
export const DEFAULT_PAGE_SIZE = 50;

/** What GET /v1/events (and the engine's event bus) announces. */
export const EVENT_TYPES = [
  'run.queued',
  'run.started',
  'run.finished',
  'approval.created',
  'approval.decided',
  'approval.expired',
  'approval.cancelled',
  'workflow.changed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What a workflow sees as `ctx.indicator`. */
export interface IndicatorInput {
  type: IndicatorType;
  value: string;
  malice: string | null;
  enrichment: Record<string, unknown> | null;
}

/** What a workflow sees as `ctx.alert`. */
export interface AlertInput {
  uuid?: string;
  title?: string;
  severity?: string;
  source?: string;
  fields?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The input stored with a run and handed to the sandbox. */
export interface RunInput {
  /** Null for scheduled runs, and for scheduled workflows executed without one. */
  indicator: IndicatorInput | null;
  alert: AlertInput | null;
  alert_uuid: string | null;
  /** The caller's free-form `context`, seen by the workflow as `ctx.input`. */
  context: unknown;
}

/**
 * The indicator as notices and pages show it; a run without one (a scheduled run) says so rather
 * than showing an empty value.
 */
export function shownIndicator(input: { indicator: { type: string; value: string } | null }): { type: string; value: string } {
  return input.indicator ?? { type: 'no indicator', value: '(scheduled)' };
}

export interface WorkflowResult {
  success: boolean;
  message: string;
  data: unknown;
}

export const STEP_STATUSES = ['success', 'failed', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** One `ctx.step(name, fn)` of a run (or a `ctx.step.skip(name, reason)`), in the order they started. */
export interface RunStep {
  name: string;
  status: StepStatus;
  started_at: string;
  duration_ms: number;
  /** What the step returned (JSON), capped and redacted like results; null when it failed or returned nothing. */
  output: unknown;
  /** Why it failed; null otherwise. */
  error: string | null;
  /** Why it was skipped; null otherwise. */
  reason: string | null;
}

/** One stored log line of a run. HTTP calls carry a summary, never bodies. */
export interface RunLogEntry {
  seq: number;
  ts: string;
  level: LogLevel;
  message: string;
  fields: Record<string, unknown> | null;
  step: string | null;
  http: { method: string; url: string; status: number | null; ms: number; bytes: number; error?: string } | null;
}
