import type { ApprovalStatus, RunInput, TriggerType } from '../../../shared/domain.ts';
import { newId } from '../util/ids.ts';
import { fromJson, toJson } from '../util/json.ts';
import type { Db } from './open.ts';
import { opaque } from './sql.ts';

export interface Approval {
  id: number;
  uuid: string;
  workflow_id: number;
  workflow_uuid: string;
  workflow_name: string;
  workflow_version: number;
  risk_level: string;
  trigger_type: TriggerType;
  trigger_key_id: number | null;
  trigger_key: { uuid: string; name: string; prefix: string } | null;
  reason: string | null;
  confidence: number | null;
  input: RunInput;
  status: ApprovalStatus;
  responder: string | null;
  decision_reason: string | null;
  decided_at: string | null;
  created_at: string;
  expires_at: string;
  decide_token_hash: string | null;
  notifier_info: unknown[];
  run_uuid: string | null;
  run_status: string | null;
  /** The secrets the pinned version declares: what the run will read. */
  version_secrets: string[];
  /** A scheduled request's occurrence; null otherwise. */
  scheduled_for: string | null;
}

export interface NewApproval {
  workflow_id: number;
  workflow_version: number;
  trigger_type: TriggerType;
  trigger_key_id: number | null;
  reason: string | null;
  confidence: number | null;
  input: RunInput;
  created_at: string;
  expires_at: string;
  decide_token_hash: string;
  scheduled_for?: string | null;
}

export interface ApprovalFilter {
  status?: ApprovalStatus[];
  workflow_id?: number;
  /** Only requests this key made (agent keys see nothing else). */
  trigger_key_id?: number;
  limit: number;
  offset: number;
}

interface ApprovalRow extends Omit<Approval, 'trigger_key' | 'input' | 'notifier_info' | 'version_secrets'> {
  key_uuid: string | null;
  key_name: string | null;
  key_prefix: string | null;
  input: string;
  notifier_info: string;
  run_id: number | null;
  version_secrets: string | null;
}

const SELECT_APPROVAL = `
  SELECT a.*, w.uuid AS workflow_uuid, w.name AS workflow_name, w.risk_level,
         k.uuid AS key_uuid, k.name AS key_name, k.prefix AS key_prefix,
         r.uuid AS run_uuid, r.status AS run_status, v.secrets AS version_secrets
  FROM approvals a
  JOIN workflows w ON w.id = a.workflow_id
  LEFT JOIN api_keys k ON k.id = a.trigger_key_id
  LEFT JOIN runs r ON r.id = a.run_id
  LEFT JOIN workflow_versions v ON v.workflow_id = a.workflow_id AND v.version = a.workflow_version`;

function toApproval(row: ApprovalRow): Approval {
  const { key_uuid, key_name, key_prefix, run_id: _runId, version_secrets, ...rest } = row;
  return {
    ...rest,
    trigger_key: key_uuid ? { uuid: key_uuid, name: key_name!, prefix: key_prefix! } : null,
    input: fromJson(row.input),
    notifier_info: fromJson(row.notifier_info),
    version_secrets: version_secrets === null ? [] : fromJson(version_secrets),
  };
}

export class ApprovalRepository {
  private readonly insert;
  private readonly byUuid;
  private readonly byId;
  private readonly decide;
  private readonly linkRun;
  private readonly expireDue;
  private readonly nextExpiry;
  private readonly cancelPending;
  private readonly notifierInfoOf;
  private readonly setNotifierInfo;
  private readonly pendingOfKey;

  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
    this.insert = db.prepare<object, { id: number }>(`
      INSERT INTO approvals (uuid, workflow_id, workflow_version, trigger_type, trigger_key_id, reason, confidence, input,
        status, created_at, expires_at, decide_token_hash, scheduled_for)
      VALUES (@uuid, @workflow_id, @workflow_version, @trigger_type, @trigger_key_id, @reason, @confidence, @input,
        'pending', @created_at, @expires_at, @decide_token_hash, @scheduled_for)
      RETURNING id`);
    this.byUuid = db.prepare<[string], ApprovalRow>(`${SELECT_APPROVAL} WHERE a.uuid = ${opaque('TEXT')}`);
    this.byId = db.prepare<[number], ApprovalRow>(`${SELECT_APPROVAL} WHERE a.id = ${opaque('BIGINT')}`);
    // The status and expiry conditions make the decision a compare-and-set: of any number of
    // concurrent deciders, exactly one changes the row.
    this.decide = db.prepare(`
      UPDATE approvals SET status = @status, responder = @responder, decision_reason = @decision_reason,
        decided_at = @now, decide_token_hash = NULL
      WHERE id = @id AND status = 'pending' AND expires_at > @now`);
    this.linkRun = db.prepare('UPDATE approvals SET run_id = ? WHERE id = ?');
    this.expireDue = db.prepare<[string, string], { id: number }>(`
      UPDATE approvals SET status = 'expired', decided_at = ?, decide_token_hash = NULL
      WHERE status = 'pending' AND expires_at <= ? RETURNING id`);
    this.cancelPending = db.prepare<{ workflow_id: number; responder: string; reason: string; now: string }, { id: number }>(`
      UPDATE approvals SET status = 'cancelled', responder = @responder, decision_reason = @reason, decided_at = @now,
        decide_token_hash = NULL
      WHERE workflow_id = @workflow_id AND status = 'pending' RETURNING id`);
    this.nextExpiry = db.prepare<[], { expires_at: string }>(
      "SELECT expires_at FROM approvals WHERE status = 'pending' ORDER BY expires_at LIMIT 1",
    );
    this.notifierInfoOf = db.prepare<[number], { notifier_info: string }>('SELECT notifier_info FROM approvals WHERE id = ?');
    this.pendingOfKey = db.prepare<[number], { n: number }>(
      `SELECT COUNT(*) AS n FROM approvals WHERE trigger_key_id = ${opaque('BIGINT')} AND status = 'pending'`,
    );
    this.setNotifierInfo = db.prepare('UPDATE approvals SET notifier_info = ? WHERE id = ?');
  }

  /** How many of a key's requests wait for a decision. */
  pendingCountOf(keyId: number): number {
    return Number(this.pendingOfKey.get(keyId)!.n);
  }

  insertPending(approval: NewApproval): { id: number; uuid: string } {
    const uuid = newId();
    const { id } = this.insert.get({ ...approval, uuid, input: toJson(approval.input), scheduled_for: approval.scheduled_for ?? null })!;
    return { id, uuid };
  }

  get(uuid: string): Approval | undefined {
    const row = this.byUuid.get(uuid);
    return row && toApproval(row);
  }

  getById(id: number): Approval | undefined {
    const row = this.byId.get(id);
    return row && toApproval(row);
  }

  /** True when this call made the decision. */
  tryDecide(
    id: number,
    decision: { status: 'approved' | 'rejected' | 'cancelled'; responder: string; reason: string | null; now: string },
  ): boolean {
    return (
      this.decide.run({
        id,
        status: decision.status,
        responder: decision.responder,
        decision_reason: decision.reason,
        now: decision.now,
      }).changes === 1
    );
  }

  attachRun(id: number, runId: number): void {
    this.linkRun.run(runId, id);
  }

  /** Marks every overdue pending approval expired; returns their ids. */
  expireOverdue(now: string): number[] {
    return this.expireDue.all(now, now).map((row) => row.id);
  }

  /**
   * Records where one notifier's delivery stands (attempts, outcome, last error) on the approval,
   * replacing that notifier's earlier entry for the same action, so the console can show "Slack:
   * sent" or "Teams: failed after 5 tries: …". Read and write happen in one transaction because
   * several notifiers finish concurrently.
   */
  recordNotifier(id: number, entry: { notifier: string; action: string; [field: string]: unknown }): void {
    this.db
      .transaction(() => {
        const row = this.notifierInfoOf.get(id);
        if (!row) return;
        const entries = fromJson<Array<{ notifier?: unknown; action?: unknown }> | null>(row.notifier_info) ?? [];
        const others = entries.filter((old) => !(old.notifier === entry.notifier && old.action === entry.action));
        this.setNotifierInfo.run(toJson([...others, entry]), id);
      })
      .immediate();
  }

  /** Cancels every pending approval of a workflow; returns their ids. */
  cancelPendingOf(workflowId: number, by: { responder: string; reason: string; now: string }): number[] {
    return this.cancelPending.all({ workflow_id: workflowId, ...by }).map((row) => row.id);
  }

  earliestPendingExpiry(): string | undefined {
    return this.nextExpiry.get()?.expires_at;
  }

  list(filter: ApprovalFilter): { items: Approval[]; total: number } {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit, offset: filter.offset };
    if (filter.status && filter.status.length > 0) {
      where.push(`a.status IN (${filter.status.map((_, i) => `@status${i}`).join(', ')})`);
      filter.status.forEach((status, i) => (params[`status${i}`] = status));
    }
    if (filter.workflow_id !== undefined) {
      where.push('a.workflow_id = @workflow_id');
      params.workflow_id = filter.workflow_id;
    }
    if (filter.trigger_key_id !== undefined) {
      where.push('a.trigger_key_id = @trigger_key_id');
      params.trigger_key_id = filter.trigger_key_id;
    }
    const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM approvals a ${whereSql}`).get(params) as { n: number }).n;
    // Pending first (soonest expiry on top), then the decided history, newest first.
    const rows = this.db
      .prepare<Record<string, unknown>, ApprovalRow>(
        `${SELECT_APPROVAL} ${whereSql}
         ORDER BY a.status = 'pending' DESC, CASE WHEN a.status = 'pending' THEN a.expires_at END ASC, a.id DESC
         LIMIT @limit OFFSET @offset`,
      )
      .all(params);
    return { items: rows.map(toApproval), total };
  }
}
