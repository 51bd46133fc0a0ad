// The execution service: `POST /v1/workflows/{uuid}/execute` and MCP's execute_workflow. The
// trigger source is the key's type over REST and always `agent` over MCP, never the body; gated
// runs become pending approvals; everything the caller is told about is committed first.
import { createHash } from 'node:crypto';
import type { TriggerType } from '../../../shared/domain.ts';
import type { ApiKey, Store, Workflow } from '../db/index.ts';
import type { ApprovalService } from '../approvals/index.ts';
import { DomainError, invalid, type Problem } from '../errors.ts';
import type { EventBus } from '../events/bus.ts';
import { builtinIntegration, configuredIntegrations } from '../integrations/index.ts';
import type { SecretService } from '../secrets/index.ts';
import type { SettingsService } from '../settings/index.ts';
import { checkJsonBounds } from '../util/json-bounds.ts';
import { iso, type Clock } from '../util/time.ts';
import type { WorkflowService } from '../workflows/index.ts';
import { Reservation, type Admission } from './queue.ts';
import { boundedFields, indicatorValueProblems, missingIndicatorProblems, runInput, type ExecuteInputFields } from './request.ts';

/** What a caller asks to run, and why (agents must say). */
export type ExecuteRequest = ExecuteInputFields & {
  /** Truthlocks' name for `context`; one of the two, not both. */
  input?: unknown;
  reason?: string;
  confidence?: number;
  dry_run?: boolean;
};

/** The answer, the same whether it was given now or repeated for an Idempotency-Key. */
export interface Execution {
  /** `accepted`: queued, or waiting for an approval; `planned`: a dry run's plan, nothing stored. */
  outcome: 'accepted' | 'planned';
  answer: { data: Record<string, unknown>; meta: Record<string, unknown> };
}

export interface ExecuteOptions {
  idempotencyKey?: string;
  /** MCP passes `agent` whatever the key: talking MCP is what agents do. */
  trigger?: TriggerType;
  /** A place the request already waited for (`admitBeforeBody`), used instead of admitting again. */
  reservation?: Reservation;
}

export interface ExecutionServiceDeps {
  store: Pick<Store, 'idempotency' | 'runs' | 'settings' | 'batched'>;
  bus: EventBus;
  clock: Clock;
  settings: Pick<SettingsService, 'get'>;
  workflows: Pick<WorkflowService, 'find' | 'lookup' | 'lint'>;
  secrets: Pick<SecretService, 'isSet' | 'warnings'>;
  approvals: Pick<ApprovalService, 'insertPending' | 'announce' | 'pendingCountOf'>;
  /** The run queue's admission, and the scheduler told of a run committed to it. */
  queue: {
    admit(keyId: number | null): Admission;
    /** Waits a short while for room in a full queue (see RunQueue.waitForRoom). */
    waitForRoom(keyId: number | null, onGone: (drop: () => void) => void): Promise<Reservation | Admission>;
    /** Counts an admitted run against the bound until its commit ends (`release`). */
    reserve(keyId: number | null): void;
    release(keyId: number | null): void;
    enqueued(keyId: number | null): void;
  };
}

const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** An execute found its Idempotency-Key recorded by a concurrent one after its own check. */
class IdempotencyKeyTaken extends Error {}

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
class RateLimiter {
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

function tooManyPending(pending: number): DomainError {
  return new DomainError(
    'rate_limited',
    'APPROVALS_PENDING_LIMIT',
    `This key has ${pending} requests waiting for approval; try again once some are decided or expire.`,
    { pending, retry_after_seconds: 60 },
    { retryAfterSeconds: 60 },
  );
}

function queueFull(admission: Extract<Admission, { ok: false }>): DomainError {
  return new DomainError('unavailable', 'QUEUE_FULL', admission.message, { retry_after_seconds: admission.retryAfterSeconds }, {
    retryAfterSeconds: admission.retryAfterSeconds,
  });
}

/** `input` read as `context`, so that everything after (bounds, hashing, the run) sees one field. */
function withContext(request: ExecuteRequest): ExecuteRequest {
  if (request.input === undefined) return request;
  if (request.context !== undefined) {
    throw invalid([{ field: 'body.input', message: 'input is another name for context: send one of them, not both' }]);
  }
  const { input, ...rest } = request;
  return { ...rest, context: input };
}

function requiresApproval(workflow: Workflow, trigger: TriggerType): boolean {
  return workflow.approval_mode === 'always' || (workflow.approval_mode === 'agent_only' && trigger === 'agent');
}

export class ExecutionService {
  private readonly deps: ExecutionServiceDeps;
  private readonly rateLimiter = new RateLimiter();

  constructor(deps: ExecutionServiceDeps) {
    this.deps = deps;
  }

  async execute(caller: ApiKey, workflowUuid: string, asked: ExecuteRequest, options: ExecuteOptions = {}): Promise<Execution> {
    const { store, clock, settings, approvals, queue, bus } = this.deps;
    const { idempotencyKey } = options;
    const request = withContext(asked);
    const trigger = options.trigger ?? caller.key_type;
    const now = clock.now();
    const unbounded = checkJsonBounds(boundedFields(request));
    if (unbounded.length > 0) throw invalid(unbounded);
    let bodyHash: string | undefined;
    if (idempotencyKey !== undefined) {
      if (!IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
        throw invalid(
          [{ field: 'headers.idempotency-key', message: 'must be 1–255 visible ASCII characters' }],
          'Idempotency-Key must be 1–255 visible ASCII characters.',
        );
      }
      bodyHash = createHash('sha256').update(`${workflowUuid}\n${canonical(request)}`).digest('hex');
      const stored = this.stored(caller.id, idempotencyKey, bodyHash, now);
      if (stored) return stored;
    }

    const current = settings.get();
    if (current.execution_paused && trigger === 'agent') {
      throw new DomainError('unavailable', 'EXECUTION_PAUSED', 'Agent executions are paused by the analyst. Try again later.', null, {
        retryAfterSeconds: 60,
      });
    }
    const wait = this.rateLimiter.hit(caller.id, current.execute_rate_limit_per_minute, now);
    if (wait !== null) {
      throw new DomainError(
        'rate_limited',
        'RATE_LIMITED',
        `This key may execute at most ${current.execute_rate_limit_per_minute} times a minute. Retry in ${wait} s.`,
        { retry_after_seconds: wait },
        { retryAfterSeconds: wait },
      );
    }

    const indicatorProblems =
      request.indicator_type !== undefined && request.indicator_value !== undefined
        ? indicatorValueProblems({ indicator_type: request.indicator_type, indicator_value: request.indicator_value })
        : [];
    const agentProblems: Problem[] = [];
    if (trigger === 'agent') {
      if (request.reason === undefined) agentProblems.push({ field: 'body.reason', message: 'reason is required for agent keys' });
      if (request.confidence === undefined) agentProblems.push({ field: 'body.confidence', message: 'confidence (0..1) is required for agent keys' });
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

    const workflow = this.executable(workflowUuid, request);
    // Only a scheduled workflow runs without an indicator: it works on its context.
    if (workflow.workflow_type !== 'scheduled') {
      const missing = missingIndicatorProblems(request);
      if (missing.length > 0) {
        throw invalid(missing, `The workflow "${workflow.name}" is a${workflow.workflow_type === 'alert' ? 'n alert' : 'n indicator'} workflow: send indicator_type and indicator_value (only scheduled workflows run without an indicator).`);
      }
    }
    const gated = requiresApproval(workflow, trigger);
    if (request.dry_run) return this.plan(workflow, trigger, gated);

    const origin = {
      workflow_id: workflow.id,
      workflow_version: workflow.code_version,
      trigger_type: trigger,
      trigger_key_id: caller.id,
      reason: request.reason ?? null,
      confidence: request.confidence ?? null,
      input: runInput(request),
    };

    if (!gated && !options.reservation?.take()) {
      const admission = queue.admit(caller.id);
      if (!admission.ok) throw queueFull(admission);
      // Held until the commit, so the executes of one turn cannot overfill the queue together.
      queue.reserve(caller.id);
    }

    // What Altostrat's and Truthlocks' answers carry, so that their clients find it here too.
    const about = { workflow_uuid: workflow.uuid, workflow_version: workflow.code_version, created_at: iso(now) };
    const { answer, approval, run } = await store
      .batched(() => {
        // An earlier execute of the same turn may have stored this key's answer since the check above.
        const replay = idempotencyKey !== undefined ? this.stored(caller.id, idempotencyKey, bodyHash!, now) : undefined;
        if (replay) return { answer: replay.answer, approval: null, run: null };
        let answer: Execution['answer'];
        let approval = null;
        let run = null;
        if (gated) {
          const pending = approvals.pendingCountOf(caller.id);
          if (pending >= current.max_pending_approvals_per_key) throw tooManyPending(pending);
          approval = approvals.insertPending({ ...origin, approval_timeout_seconds: workflow.approval_timeout_seconds });
          answer = {
            data: { status: 'pending_approval', approval_request_uuid: approval.uuid, expires_at: approval.expires_at, ...about },
            meta: {},
          };
        } else {
          run = store.runs.insertQueued({ ...origin, approval_id: null }, iso(now));
          answer = { data: { run_uuid: run.uuid, status: 'queued', ...about }, meta: {} };
        }
        if (idempotencyKey !== undefined && !store.idempotency.put(caller.id, idempotencyKey, bodyHash!, answer, iso(now), iso(now - IDEMPOTENCY_WINDOW_MS))) {
          // Another instance on the same database took the key first: this savepoint is undone.
          throw new IdempotencyKeyTaken();
        }
        return { answer, approval, run };
      })
      .then(
        (committed) => {
          // The reservation becomes the queued run in one step: no admission sees neither.
          if (!gated) queue.release(caller.id);
          if (committed.run) queue.enqueued(caller.id);
          return committed;
        },
        (error: unknown) => {
          if (!gated) queue.release(caller.id);
          const replay = error instanceof IdempotencyKeyTaken ? this.stored(caller.id, idempotencyKey!, bodyHash!, now) : undefined;
          if (!replay) throw error;
          return { answer: replay.answer, approval: null, run: null };
        },
      );

    if (approval) approvals.announce(approval);
    if (run) bus.emit('run.queued', { run_uuid: run.uuid, workflow_uuid: workflow.uuid }, caller.id);
    return { outcome: 'accepted', answer };
  }

  /** The answer stored for this Idempotency-Key, if any; a different request under it is a conflict. */
  private stored(keyId: number, idempotencyKey: string, bodyHash: string, now: number): Execution | undefined {
    const stored = this.deps.store.idempotency.get(keyId, idempotencyKey, iso(now - IDEMPOTENCY_WINDOW_MS));
    if (!stored) return undefined;
    if (stored.body_hash !== bodyHash) {
      throw new DomainError('conflict', 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request in the last 24 hours.');
    }
    return { outcome: 'accepted', answer: stored.response as Execution['answer'] };
  }

  /**
   * Admission before an execute's body is read, when this key's share of the run queue is full
   * and the workflow would queue a run (not ask for an approval): the execute waits briefly for
   * room (a reservation, used by `execute`) or is refused. A caller that ignores Retry-After then
   * costs a lookup, not a parse and a validation, and is slowed to the rate runs finish, so
   * accepting does not take the CPU that running the queue needs. Anything else (room now, an
   * unknown workflow, a gated one) goes on to `execute` unchanged. `onGone` as in waitForRoom.
   */
  async admitBeforeBody(
    caller: ApiKey,
    workflowUuid: string,
    onGone: (drop: () => void) => void,
    trigger: TriggerType = caller.key_type,
  ): Promise<{ refusal: DomainError } | { reservation: Reservation | null }> {
    const { queue, workflows } = this.deps;
    if (queue.admit(caller.id).ok) return { reservation: null };
    const workflow = workflows.lookup(workflowUuid);
    if (!workflow || workflow.state !== 'active' || requiresApproval(workflow, trigger)) return { reservation: null };
    const admitted = await queue.waitForRoom(caller.id, onGone);
    if (admitted instanceof Reservation) return { reservation: admitted };
    return admitted.ok ? { reservation: null } : { refusal: queueFull(admitted) };
  }

  /** The workflow, if it can run this request now; otherwise why not. */
  private executable(uuid: string, request: ExecuteRequest): Workflow {
    const workflow = this.deps.workflows.find(uuid);
    if (workflow.state !== 'active') {
      throw new DomainError('rejected', 'WORKFLOW_NOT_EXECUTABLE', `The workflow "${workflow.name}" is ${workflow.state}; only active workflows can be executed.`, {
        state: workflow.state,
      });
    }
    if (request.indicator_type !== undefined && workflow.indicator_types.length > 0 && !workflow.indicator_types.includes(request.indicator_type)) {
      throw new DomainError(
        'rejected',
        'INDICATOR_TYPE_NOT_SUPPORTED',
        `The workflow "${workflow.name}" accepts ${workflow.indicator_types.join(', ')}, not ${request.indicator_type}.`,
        { supported: workflow.indicator_types },
      );
    }
    // A built-in cannot do anything without its integration: say so now, not after an approval.
    const integration = builtinIntegration(workflow);
    if (integration && !configuredIntegrations(this.deps.store.settings)[integration]) {
      throw new DomainError(
        'rejected',
        'INTEGRATION_NOT_CONFIGURED',
        `The workflow "${workflow.name}" needs the ${integration === 'okta' ? 'Okta' : 'Microsoft Entra ID'} integration, which is not configured. ` +
          `An administrator can set it up under Settings → Integrations (PUT /v1/integrations/${integration}).`,
        { integration },
      );
    }
    return workflow;
  }

  /** A dry run: what would happen, with nothing stored. */
  private async plan(workflow: Workflow, trigger: TriggerType, gated: boolean): Promise<Execution> {
    const { workflows, secrets } = this.deps;
    const lint = await workflows.lint(workflow);
    return {
      outcome: 'planned',
      answer: {
        data: {
          dry_run: true,
          workflow: { uuid: workflow.uuid, name: workflow.name, version: workflow.code_version, kind: workflow.kind },
          trigger_type: trigger,
          requires_approval: gated,
          approval_mode: workflow.approval_mode,
          approval_timeout_seconds: gated ? workflow.approval_timeout_seconds : null,
          secrets: workflow.secrets.map((name) => ({ name, exists: secrets.isSet(name) })),
          allowed_hosts: workflow.allowed_hosts,
          timeout_seconds: workflow.timeout_seconds,
          lint,
          warnings: secrets.warnings(workflow.secrets, 'run'),
        },
        meta: {},
      },
    };
  }
}
