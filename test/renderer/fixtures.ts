import type { Approval, Run, Workflow } from '../../src/renderer/api/types.ts';

let n = 0;
const id = () => `0193a0c4-7b1e-7cc2-9d7e-${String(++n).padStart(12, '0')}`;

export function run(overrides: Partial<Run> = {}): Run {
  return {
    uuid: id(),
    workflow_uuid: 'w-1',
    workflow_name: 'Block IP',
    workflow_version: 1,
    trigger_type: 'agent',
    trigger_key: { uuid: 'k', name: 'agent', prefix: 'vgl_abc' },
    reason: 'because',
    confidence: 0.9,
    input: { indicator: { type: 'ip', value: '203.0.113.7', malice: null, enrichment: null }, alert: null, alert_uuid: null, context: null },
    status: 'success',
    result: { success: true, message: 'ok', data: null },
    error: null,
    queued_at: '2026-11-22T12:00:00.000Z',
    started_at: null,
    finished_at: null,
    duration_ms: null,
    approval_uuid: null,
    scheduled_for: null,
    ...overrides,
  };
}

export function approval(overrides: Partial<Approval> = {}): Approval {
  return {
    uuid: id(),
    workflow_uuid: 'w-1',
    workflow_name: 'Block IP',
    workflow_version: 1,
    risk_level: 'medium',
    trigger_type: 'agent',
    trigger_key: null,
    reason: 'why',
    confidence: 0.5,
    input: { indicator: { type: 'ip', value: '203.0.113.7', malice: null, enrichment: null }, alert: null, alert_uuid: null, context: null },
    status: 'pending',
    responder: null,
    decision_reason: null,
    decided_at: null,
    created_at: '2026-11-22T12:00:00.000Z',
    expires_at: '2026-11-22T13:00:00.000Z',
    notifier_info: [],
    scheduled_for: null,
    run: null,
    warnings: [],
    ...overrides,
  };
}

export function workflow(overrides: Partial<Workflow> = {}): Workflow {
  return {
    uuid: id(),
    name: 'Block IP',
    workflow_type: 'indicator',
    indicator_types: [],
    kind: 'script',
    code: 'export async function run(ctx) { return ctx.ok("x"); }',
    code_version: 1,
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
    is_system: false,
    builtin_key: null,
    integration: null,
    warnings: [],
    endpoint: null,
    next_run_at: null,
    last_scheduled_at: null,
    created_at: '2026-11-22T12:00:00.000Z',
    updated_at: '2026-11-22T12:00:00.000Z',
    ...overrides,
  };
}
