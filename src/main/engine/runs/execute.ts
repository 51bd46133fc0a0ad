import { createHash } from 'node:crypto';
import type { IndicatorType, RunInput, TriggerType } from '../../../shared/domain.ts';
import { checkIndicator } from '../../../shared/indicators.ts';
import type { ApiKey, Workflow } from '../db/index.ts';
import { DomainError, invalid } from '../errors.ts';
import type { ExecuteBody } from '../api/schemas.ts';
import type { Engine } from '../engine.ts';
import { builtinIntegration, configuredIntegrations } from '../integrations/index.ts';
import { iso } from '../util/time.ts';
import { checkJsonBounds, MAX_INPUT_FIELD_BYTES } from '../util/json-bounds.ts';
import { lintReport, secretWarnings } from '../workflows/index.ts';

export interface ExecuteResponse {
  statusCode: number;
  body: { data: Record<string, unknown>; meta: Record<string, unknown> };
}

const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** JSON with sorted keys, so that the same body hashes the same whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Per-key fixed one-minute windows; cheap, and exact enough for "60 per minute". */
export class RateLimiter {
  private readonly windows = new Map<number, { start: number; count: number }>();

  /** Returns seconds to wait when over the limit, else null. */
  hit(keyId: number, limitPerMinute: number, now: number): number | null {
    if (limitPerMinute <= 0) return null;
    let window = this.windows.get(keyId);
    if (!window || now - window.start >= 60_000) {
      window = { start: now, count: 0 };
      this.windows.set(keyId, window);
    }
    if (window.count >= limitPerMinute) return Math.max(1, Math.ceil((window.start + 60_000 - now) / 1000));
    window.count++;
    return null;
  }
}

/** Free-form fields that reach a run are bounded in depth and size before anything else reads them. */
export function refuseUnboundedInput(body: { context?: unknown; alert?: unknown; enrichment?: unknown }): void {
  const problems = checkJsonBounds({
    'body.context': { value: body.context, maxBytes: MAX_INPUT_FIELD_BYTES },
    'body.alert': { value: body.alert, maxBytes: MAX_INPUT_FIELD_BYTES },
    'body.enrichment': { value: body.enrichment, maxBytes: MAX_INPUT_FIELD_BYTES },
  });
  if (problems.length > 0) {
    throw invalid(problems);
  }
}

/**
 * The indicator value checked against its type (src/shared/indicators.ts, the rules the console
 * and MCP share): a 422 problem naming the rule, or none.
 */
export function indicatorValueProblems(body: { indicator_type: IndicatorType; indicator_value: string }): Array<{ field: string; message: string; rule: string }> {
  const problem = checkIndicator(body.indicator_type, body.indicator_value);
  return problem ? [{ field: 'body.indicator_value', message: problem.message, rule: problem.rule }] : [];
}

function requiresApproval(workflow: Workflow, trigger: TriggerType): boolean {
  return workflow.approval_mode === 'always' || (workflow.approval_mode === 'agent_only' && trigger === 'agent');
}

/**
 * `POST /v1/workflows/{uuid}/execute` (and MCP's execute_workflow): the trigger source is the
 * key's type over REST and always `agent` over MCP, never the body; gated runs become pending
 * approvals; everything the caller is told about is committed first.
 */
export async function executeWorkflow(
  engine: Engine,
  caller: ApiKey,
  workflowUuid: string,
  body: ExecuteBody,
  idempotencyKey: string | undefined,
  trigger: TriggerType = caller.key_type,
): Promise<ExecuteResponse> {
  const { store, clock } = engine;
  const now = clock.now();
  refuseUnboundedInput(body);
  let bodyHash: string | undefined;
  if (idempotencyKey !== undefined) {
    if (!IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw invalid(
        [{ field: 'headers.idempotency-key', message: 'must be 1–255 visible ASCII characters' }],
        'Idempotency-Key must be 1–255 visible ASCII characters.',
      );
    }
    bodyHash = createHash('sha256').update(`${workflowUuid}\n${canonical(body)}`).digest('hex');
    const stored = store.idempotency.get(caller.id, idempotencyKey, iso(now - IDEMPOTENCY_WINDOW_MS));
    if (stored) {
      if (stored.body_hash !== bodyHash) {
        throw new DomainError(
          'conflict',
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was already used with a different request in the last 24 hours.',
        );
      }
      return { statusCode: stored.status_code, body: stored.response as ExecuteResponse['body'] };
    }
  }

  const settings = engine.settings.get();
  if (settings.execution_paused && trigger === 'agent') {
    throw new DomainError('unavailable', 'EXECUTION_PAUSED', 'Agent executions are paused by the analyst. Try again later.', null, {
      retryAfterSeconds: 60,
    });
  }
  const wait = engine.rateLimiter.hit(caller.id, settings.execute_rate_limit_per_minute, now);
  if (wait !== null) {
    throw new DomainError(
      'rate_limited',
      'RATE_LIMITED',
      `This key may execute at most ${settings.execute_rate_limit_per_minute} times a minute. Retry in ${wait} s.`,
      { retry_after_seconds: wait },
      { retryAfterSeconds: wait },
    );
  }

  const indicatorProblems = indicatorValueProblems(body);
  const agentProblems = [];
  if (trigger === 'agent') {
    if (body.reason === undefined) agentProblems.push({ field: 'body.reason', message: 'reason is required for agent keys' });
    if (body.confidence === undefined) {
      agentProblems.push({ field: 'body.confidence', message: 'confidence (0..1) is required for agent keys' });
    }
  }
  if (indicatorProblems.length > 0 || agentProblems.length > 0) {
    const message =
      agentProblems.length === 0
        ? indicatorProblems[0]!.message
        : indicatorProblems.length === 0
          ? 'Agents must say why they execute a workflow and how sure they are.'
          : `The request is not valid: ${indicatorProblems.length + agentProblems.length} problems.`;
    throw invalid([...indicatorProblems, ...agentProblems], message);
  }

  const workflow = store.workflows.get(workflowUuid);
  if (!workflow) throw new DomainError('not_found', 'WORKFLOW_NOT_FOUND', `No workflow with id ${workflowUuid}.`);
  if (workflow.state !== 'active') {
    throw new DomainError(
      'rejected',
      'WORKFLOW_NOT_EXECUTABLE',
      `The workflow "${workflow.name}" is ${workflow.state}; only active workflows can be executed.`,
      { state: workflow.state },
    );
  }
  if (workflow.indicator_types.length > 0 && !workflow.indicator_types.includes(body.indicator_type)) {
    throw new DomainError(
      'rejected',
      'INDICATOR_TYPE_NOT_SUPPORTED',
      `The workflow "${workflow.name}" accepts ${workflow.indicator_types.join(', ')}, not ${body.indicator_type}.`,
      { supported: workflow.indicator_types },
    );
  }

  // A built-in cannot do anything without its integration: say so now, not after an approval.
  const integration = builtinIntegration(workflow);
  if (integration && !configuredIntegrations(store.settings)[integration]) {
    throw new DomainError(
      'rejected',
      'INTEGRATION_NOT_CONFIGURED',
      `The workflow "${workflow.name}" needs the ${integration === 'okta' ? 'Okta' : 'Microsoft Entra ID'} integration, which is not configured. ` +
        `An administrator can set it up under Settings → Integrations (PUT /v1/integrations/${integration}).`,
      { integration },
    );
  }

  const gated = requiresApproval(workflow, trigger);
  if (body.dry_run) {
    const lint = await lintReport(workflow);
    return {
      statusCode: 200,
      body: {
        data: {
          dry_run: true,
          workflow: { uuid: workflow.uuid, name: workflow.name, version: workflow.code_version, kind: workflow.kind },
          trigger_type: trigger,
          requires_approval: gated,
          approval_mode: workflow.approval_mode,
          approval_timeout_seconds: gated ? workflow.approval_timeout_seconds : null,
          secrets: workflow.secrets.map((name) => ({ name, exists: store.secretNames.has(name) })),
          allowed_hosts: workflow.allowed_hosts,
          timeout_seconds: workflow.timeout_seconds,
          lint,
          warnings: secretWarnings(engine, workflow.secrets, 'run'),
        },
        meta: {},
      },
    };
  }

  const input: RunInput = {
    indicator: {
      type: body.indicator_type,
      value: body.indicator_value,
      malice: body.indicator_malice ?? null,
      enrichment: (body.enrichment as Record<string, unknown> | null | undefined) ?? null,
    },
    alert: (body.alert as RunInput['alert'] | undefined) ?? null,
    alert_uuid: body.alert_uuid ?? null,
    context: body.context ?? null,
  };
  const origin = {
    workflow_id: workflow.id,
    workflow_version: workflow.code_version,
    trigger_type: trigger,
    trigger_key_id: caller.id,
    reason: body.reason ?? null,
    confidence: body.confidence ?? null,
    input,
  };

  if (!gated) {
    const admission = engine.scheduler.queue.admit(caller.id);
    if (!admission.ok) {
      throw new DomainError('unavailable', 'QUEUE_FULL', admission.message, { retry_after_seconds: admission.retryAfterSeconds }, {
        retryAfterSeconds: admission.retryAfterSeconds,
      });
    }
  }

  const { response, approval, run } = store.transaction(() => {
    let response: ExecuteResponse;
    let approval = null;
    let run = null;
    if (gated) {
      approval = engine.approvals.insertPending({ ...origin, approval_timeout_seconds: workflow.approval_timeout_seconds });
      response = {
        statusCode: 202,
        body: {
          data: { status: 'pending_approval', approval_request_uuid: approval.uuid, expires_at: approval.expires_at },
          meta: {},
        },
      };
    } else {
      run = store.runs.insertQueued({ ...origin, approval_id: null }, iso(now));
      response = { statusCode: 202, body: { data: { run_uuid: run.uuid, status: 'queued' }, meta: {} } };
    }
    if (idempotencyKey !== undefined) {
      store.idempotency.put(caller.id, idempotencyKey, bodyHash!, response.statusCode, response.body, iso(now));
    }
    return { response, approval, run };
  });

  if (approval) engine.approvals.announce(approval);
  if (run) {
    engine.bus.emit('run.queued', { run_uuid: run.uuid, workflow_uuid: workflow.uuid }, caller.id);
    engine.scheduler.enqueued(caller.id);
  }
  return response;
}
