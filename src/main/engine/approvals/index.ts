import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApprovalStatus, RunInput, TriggerType } from '../../../shared/domain.ts';
import type { WorkflowWarning } from '../../../shared/warnings.ts';
import type { ApiKey, Approval, Store } from '../db/index.ts';
import { hasScopes, mayAccess, ownerFilter } from '../keys/access.ts';
import { DomainError, notFound } from '../errors.ts';
import type { EventBus } from '../events/bus.ts';
import { BackgroundTask } from '../util/background.ts';
import { pageWindow, type Page, type PageQuery } from '../util/page.ts';
import { iso, type Clock } from '../util/time.ts';
import { approvalView } from './views.ts';

export interface PendingApprovalInput {
  workflow_id: number;
  workflow_version: number;
  approval_timeout_seconds: number;
  trigger_type: TriggerType;
  trigger_key_id: number | null;
  reason: string | null;
  confidence: number | null;
  input: RunInput;
  /** A scheduled request's occurrence. */
  scheduled_for?: string | null;
}

export interface CreatedApproval {
  id: number;
  uuid: string;
  expires_at: string;
  /** The browser-decide token. Only its hash is stored; this is the one chance to hand it on. */
  decide_token: string;
}

export type Decision = 'approve' | 'reject';

export interface ApprovalQuery extends PageQuery {
  /** One status or several separated by commas. */
  status?: string;
  /** Only this workflow's requests (an unknown uuid matches none). */
  workflow_uuid?: string;
}

export type ApprovalView = ReturnType<typeof approvalView>;

export interface ApprovalServiceDeps {
  store: Store;
  bus: EventBus;
  clock: Clock;
  /** Why a pending request's run would fail if approved now. */
  warnings: (approval: Approval) => WorkflowWarning[];
  onRunQueued: (keyId: number | null) => void;
  log: { error(message: string): void };
}

/** Longest the sweeper sleeps, so a clock jump or another process's approvals are still seen. */
const SWEEP_INTERVAL_MS = 30_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The approval gate: pending requests, exactly-once decisions, and expiry. A decision is a
 * compare-and-set on the row, and an approval queues its run in the same transaction, so any
 * number of racing deciders (REST, browser page, Slack, tray) produce one decision and one run.
 */
export class ApprovalService {
  /** Stops listening for other instances' requests (see start). */
  private unwatch: (() => void) | null = null;
  private readonly store: Store;
  private readonly bus: EventBus;
  private readonly clock: Clock;
  private readonly warnings: (approval: Approval) => WorkflowWarning[];
  private readonly onRunQueued: (keyId: number | null) => void;
  private readonly createdListeners = new Set<(approval: Approval, decideToken: string) => void>();
  /** The sweeper: expiring overdue requests on a timer, without a request to answer. */
  private readonly sweeping: BackgroundTask;

  constructor(deps: ApprovalServiceDeps) {
    this.store = deps.store;
    this.bus = deps.bus;
    this.clock = deps.clock;
    this.warnings = deps.warnings;
    this.onRunQueued = deps.onRunQueued;
    this.sweeping = new BackgroundTask('expiring overdue approval requests', deps.log);
  }

  /** How a request appears to callers, with the warnings of its run. */
  view(approval: Approval): ApprovalView {
    return approvalView(approval, this.warnings(approval));
  }

  /** Pending first, then decided ones; agents get only their own. */
  list(caller: ApiKey, query: ApprovalQuery): Page<ApprovalView> {
    const { page, pageSize, limit, offset } = pageWindow(query);
    const workflowId = query.workflow_uuid ? (this.store.workflows.idOf(query.workflow_uuid) ?? -1) : undefined;
    const { items, total } = this.store.approvals.list({
      status: query.status?.split(',') as ApprovalStatus[] | undefined,
      workflow_id: workflowId,
      trigger_key_id: ownerFilter(caller),
      limit,
      offset,
    });
    return { items: items.map((approval) => this.view(approval)), total, page, page_size: pageSize };
  }


  /** Inserts a pending approval; call inside the caller's transaction. */
  /** How many of a key's requests wait for a decision. */
  pendingCountOf(keyId: number): number {
    return this.store.approvals.pendingCountOf(keyId);
  }

  insertPending(input: PendingApprovalInput): CreatedApproval {
    const now = this.clock.now();
    const token = randomBytes(32).toString('base64url');
    const expires_at = iso(now + input.approval_timeout_seconds * 1000);
    const { id, uuid } = this.store.approvals.insertPending({
      workflow_id: input.workflow_id,
      workflow_version: input.workflow_version,
      trigger_type: input.trigger_type,
      trigger_key_id: input.trigger_key_id,
      reason: input.reason,
      confidence: input.confidence,
      input: input.input,
      created_at: iso(now),
      expires_at,
      decide_token_hash: hashToken(token),
      scheduled_for: input.scheduled_for ?? null,
    });
    return { id, uuid, expires_at, decide_token: token };
  }

  /** Tells listeners about an approval committed by insertPending, and re-arms the sweeper. */
  announce(created: CreatedApproval): void {
    const approval = this.store.approvals.getById(created.id)!;
    this.bus.emit('approval.created', { approval_uuid: approval.uuid, workflow_uuid: approval.workflow_uuid }, approval.trigger_key_id);
    for (const listener of this.createdListeners) listener(approval, created.decide_token);
    this.schedule();
  }

  /**
   * In-process listeners for new approvals that need the decide token (notifiers build the
   * browser link from it). The token never appears on the event bus or in the API.
   */
  onCreated(listener: (approval: Approval, decideToken: string) => void): () => void {
    this.createdListeners.add(listener);
    return () => this.createdListeners.delete(listener);
  }

  /**
   * Checks a browser-decide token in constant time. Consumed (decided) and expired approvals
   * have no token hash left, so nothing matches them.
   */
  tokenMatches(approval: Approval, token: string): boolean {
    if (!approval.decide_token_hash) return false;
    const presented = Buffer.from(hashToken(token), 'hex');
    const stored = Buffer.from(approval.decide_token_hash, 'hex');
    return presented.length === stored.length && timingSafeEqual(presented, stored);
  }

  /** A request as it stands now (overdue ones expired first), or null: for the browser decide page. */
  current(uuid: string): Approval | null {
    this.sweep();
    return this.store.approvals.get(uuid) ?? null;
  }

  get(uuid: string): Approval {
    const approval = this.store.approvals.get(uuid);
    if (!approval) throw notFound('approval', uuid, `No approval request with id ${uuid}.`);
    return approval;
  }

  /**
   * An approval as `caller` may see it: keys that may read approvals see every one (agents only
   * their own; another agent's is answered like a missing one), and a key that may only execute
   * sees the requests it made, so it can wait for their outcome.
   */
  getFor(caller: ApiKey, uuid: string): Approval {
    const approval = this.get(uuid);
    if (!mayAccess(caller, approval.trigger_key_id)) {
      throw notFound('approval', uuid, `No approval request with id ${uuid}.`);
    }
    const own = approval.trigger_key_id === caller.id;
    if (!hasScopes(caller, ['workflows:read']) && !(own && hasScopes(caller, ['workflows:execute']))) {
      throw new DomainError('forbidden', 'FORBIDDEN', 'This key may read only the approval requests it created.', {
        required_scopes: ['workflows:read'],
        key_scopes: caller.scopes,
      });
    }
    return approval;
  }

  /** Resolves once the request is no longer pending, or when the time is up. */
  waitForDecision(caller: ApiKey, uuid: string, timeoutMs: number): Promise<void> {
    this.getFor(caller, uuid);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      const unsubscribe = this.bus.subscribe((event) => {
        const ended = event.type === 'approval.decided' || event.type === 'approval.expired' || event.type === 'approval.cancelled';
        if (ended && event.data.approval_uuid === uuid) done();
      });
      const timer = setTimeout(done, timeoutMs);
      if (this.get(uuid).status !== 'pending') done();
    });
  }

  /**
   * Decides a pending approval. Exactly one caller wins; the others get a conflict saying why.
   * Approving queues one run of the pinned workflow version and links it to the approval.
   */
  decide(uuid: string, decision: Decision, responder: string, reason: string | null): Approval {
    const approval = this.get(uuid);
    const now = this.clock.now();
    const result = this.store.transaction(() => {
      // Checked in the decision's transaction, so a deactivation cannot slip in between.
      if (decision === 'approve' && approval.status === 'pending' && this.store.workflows.getById(approval.workflow_id)?.state !== 'active') {
        return 'not-executable';
      }
      const won = this.store.approvals.tryDecide(approval.id, {
        status: decision === 'approve' ? 'approved' : 'rejected',
        responder,
        reason,
        now: iso(now),
      });
      if (!won) return null;
      if (decision === 'approve') {
        const run = this.store.runs.insertQueued(
          {
            workflow_id: approval.workflow_id,
            workflow_version: approval.workflow_version,
            trigger_type: approval.trigger_type,
            trigger_key_id: approval.trigger_key_id,
            reason: approval.reason,
            confidence: approval.confidence,
            input: approval.input,
            approval_id: approval.id,
            scheduled_for: approval.scheduled_for,
          },
          iso(now),
        );
        this.store.approvals.attachRun(approval.id, run.id);
        return run;
      }
      return { id: 0, uuid: '' };
    });
    if (result === 'not-executable') this.refuseNotExecutable(approval);
    if (result === null) throw this.conflict(approval.id, now);
    const decided = this.store.approvals.getById(approval.id)!;
    this.bus.emit('approval.decided', {
      approval_uuid: decided.uuid,
      workflow_uuid: decided.workflow_uuid,
      status: decided.status,
      responder,
      run_uuid: decided.run_uuid,
    }, decided.trigger_key_id);
    if (decided.run_uuid) {
      this.bus.emit('run.queued', { run_uuid: decided.run_uuid, workflow_uuid: decided.workflow_uuid }, decided.trigger_key_id);
      this.onRunQueued(decided.trigger_key_id);
    }
    return decided;
  }

  /**
   * An approval must not run what a direct execute would refuse: a workflow deactivated or deleted
   * since the request cancels the request (normally at that moment, by the workflows service) and
   * the approver is told why.
   */
  private refuseNotExecutable(approval: Approval): never {
    const workflow = this.store.workflows.getById(approval.workflow_id);
    this.cancelPending(approval.workflow_id, 'Vigil', `the workflow is ${workflow?.state ?? 'deleted'}`);
    throw new DomainError(
      'conflict',
      'WORKFLOW_NOT_EXECUTABLE',
      `The workflow "${approval.workflow_name}" is no longer active, so this request can no longer be approved; it was cancelled.`,
      { state: workflow?.state ?? null },
    );
  }

  /**
   * Cancels every pending request of a workflow that stopped being executable (deactivated or
   * deleted): nobody can approve them any more, and notifiers show them as cancelled.
   */
  cancelPending(workflowId: number, responder: string, reason: string): number {
    const cancelled = this.store.approvals.cancelPendingOf(workflowId, { responder, reason, now: iso(this.clock.now()) });
    for (const id of cancelled) {
      const approval = this.store.approvals.getById(id)!;
      this.bus.emit(
        'approval.cancelled',
        { approval_uuid: approval.uuid, workflow_uuid: approval.workflow_uuid, responder, reason },
        approval.trigger_key_id,
      );
    }
    if (cancelled.length > 0) this.schedule();
    return cancelled.length;
  }

  private conflict(id: number, now: number): DomainError {
    const current = this.store.approvals.getById(id)!;
    if (current.status === 'cancelled') {
      return new DomainError('conflict', 'APPROVAL_CANCELLED', `This approval request was cancelled${current.decision_reason ? `: ${current.decision_reason}` : ''}.`, {
        status: 'cancelled',
        responder: current.responder,
        reason: current.decision_reason,
        decided_at: current.decided_at,
      });
    }
    if (current.status === 'expired' || (current.status === 'pending' && Date.parse(current.expires_at) <= now)) {
      this.sweep();
      return new DomainError('conflict', 'APPROVAL_EXPIRED', `This approval request expired at ${current.expires_at}.`, {
        status: 'expired',
        expires_at: current.expires_at,
      });
    }
    return new DomainError(
      'conflict',
      'APPROVAL_ALREADY_DECIDED',
      `This approval request was already ${current.status}${current.responder ? ` by ${current.responder}` : ''}.`,
      { status: current.status, responder: current.responder, decided_at: current.decided_at },
    );
  }

  /**
   * Expires every overdue pending approval now and re-arms the timer for the next one. A scheduled
   * occurrence whose request expired is recorded as a skipped run, so the run history shows it.
   */
  sweep(): number {
    const now = iso(this.clock.now());
    const skipped: Array<{ run_uuid: string; workflow_uuid: string }> = [];
    const expired = this.store.serialized('approval-expiry', () => {
      const ids = this.store.approvals.expireOverdue(now);
      for (const id of ids) {
        const approval = this.store.approvals.getById(id)!;
        if (approval.trigger_type !== 'schedule') continue;
        const run = this.store.runs.insertSkipped(
          {
            workflow_id: approval.workflow_id,
            workflow_version: approval.workflow_version,
            trigger_type: 'schedule',
            trigger_key_id: null,
            reason: `skipped: the approval request expired at ${approval.expires_at} without a decision`,
            confidence: null,
            input: approval.input,
            approval_id: approval.id,
            scheduled_for: approval.scheduled_for,
          },
          now,
        );
        this.store.approvals.attachRun(approval.id, run.id);
        skipped.push({ run_uuid: run.uuid, workflow_uuid: approval.workflow_uuid });
      }
      return ids;
    });
    for (const id of expired) {
      const approval = this.store.approvals.getById(id)!;
      this.bus.emit('approval.expired', { approval_uuid: approval.uuid, workflow_uuid: approval.workflow_uuid }, approval.trigger_key_id);
    }
    for (const run of skipped) this.bus.emit('run.finished', { ...run, status: 'skipped' }, null);
    this.schedule();
    return expired.length;
  }

  start(): void {
    // On a shared database another instance's request may expire before any this one knows of.
    this.unwatch = this.bus.subscribe((event) => {
      if (event.remote && event.type === 'approval.created') this.sweeping.run(() => this.schedule());
    });
    this.sweep();
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = null;
    this.sweeping.cancel();
  }

  private schedule(): void {
    const next = this.store.approvals.earliestPendingExpiry();
    const wait = next === undefined ? SWEEP_INTERVAL_MS : Math.max(0, Date.parse(next) - this.clock.now()) + 5;
    this.sweeping.runIn(Math.min(wait, SWEEP_INTERVAL_MS), () => this.sweep());
  }
}
