import type { RunInput, RunLogEntry, RunStatus, RunStep, TriggerType, WorkflowResult } from '../../../shared/domain.ts';
import { newId } from '../util/ids.ts';
import { fromJson, toJson } from '../util/json.ts';
import { DATABASE_MS_AGO } from './cluster.ts';
import type { Db } from './open.ts';
import { opaque } from './sql.ts';

export interface Run {
  id: number;
  uuid: string;
  workflow_id: number;
  workflow_uuid: string;
  workflow_name: string;
  workflow_version: number;
  trigger_type: TriggerType;
  /** Internal: the triggering key's row id, for access checks; never served. */
  trigger_key_id: number | null;
  trigger_key: { uuid: string; name: string; prefix: string } | null;
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
  /** The schedule's occurrence a scheduled (or skipped) run stands for; null otherwise. */
  scheduled_for: string | null;
}

export interface NewRun {
  workflow_id: number;
  workflow_version: number;
  trigger_type: TriggerType;
  trigger_key_id: number | null;
  reason: string | null;
  confidence: number | null;
  input: RunInput;
  approval_id: number | null;
  scheduled_for?: string | null;
}

export interface RunFilter {
  workflow_id?: number;
  /** Only runs this key triggered (agent keys see nothing else). */
  trigger_key_id?: number;
  status?: RunStatus[];
  trigger_type?: TriggerType;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

export interface RunCompletion {
  status: Exclude<RunStatus, 'queued' | 'running'>;
  result: WorkflowResult | null;
  error: string | null;
  logs: RunLogEntry[];
  steps?: RunStep[];
  finished_at: string;
  duration_ms: number;
}

/** One journal entry of a running run (see runs/journal.ts). */
export interface JournalRow {
  runId: number;
  entry: RunLogEntry;
}

/** The last entry of a run that start-up found still running. */
const INTERRUPTED_AFTER_ENTRIES =
  'interrupted: Vigil stopped while this run was running. The entries above are what it did until then; an HTTP call above without an answer may or may not have reached its server.';
const INTERRUPTED_BEFORE_ENTRIES = 'interrupted: Vigil stopped while this run was running, before the run had recorded anything.';

interface RunRow {
  id: number;
  uuid: string;
  workflow_id: number;
  workflow_uuid: string;
  workflow_name: string;
  workflow_version: number;
  trigger_type: TriggerType;
  trigger_key_id: number | null;
  key_uuid: string | null;
  key_name: string | null;
  key_prefix: string | null;
  reason: string | null;
  confidence: number | null;
  input: string;
  status: RunStatus;
  result: string | null;
  error: string | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  approval_uuid: string | null;
  scheduled_for: string | null;
}

const SELECT_RUN = `
  SELECT r.id, r.uuid, r.workflow_id, w.uuid AS workflow_uuid, w.name AS workflow_name, r.workflow_version,
         r.trigger_type, r.trigger_key_id, k.uuid AS key_uuid, k.name AS key_name, k.prefix AS key_prefix, r.reason, r.confidence,
         r.input, r.status, r.result, r.error, r.queued_at, r.started_at, r.finished_at, r.duration_ms,
         a.uuid AS approval_uuid, r.scheduled_for
  FROM runs r
  JOIN workflows w ON w.id = r.workflow_id
  LEFT JOIN api_keys k ON k.id = r.trigger_key_id
  LEFT JOIN approvals a ON a.id = r.approval_id`;

function toRun(row: RunRow): Run {
  const { key_uuid, key_name, key_prefix, ...rest } = row;
  return {
    ...rest,
    trigger_key: key_uuid ? { uuid: key_uuid, name: key_name!, prefix: key_prefix! } : null,
    input: fromJson(row.input),
    result: fromJson(row.result),
  };
}

interface LogRow {
  seq: number;
  ts: string;
  level: RunLogEntry['level'];
  message: string;
  fields: string | null;
  step: string | null;
  http: string | null;
}

export class RunRepository {
  private readonly insert;
  private readonly byUuid;
  private readonly byId;
  private readonly claimQueued;
  private readonly complete;
  private readonly insertLog;
  private readonly putLog;
  private readonly dropLogs;
  private readonly nextLogSeq;
  private readonly logsOf;
  private readonly stepsOf;
  private readonly cancelIfQueued;
  private readonly interrupt;
  private readonly countQueued;
  private readonly countQueuedByKey;
  private readonly claimOldestOfKey;
  private readonly claimOldestOfNoKey;
  private readonly insertSkippedRow;
  private readonly scheduledInFlight;

  private readonly db: Db;

  /**
   * `instanceId`: on a database several engine instances share (PostgreSQL), this instance's id.
   * Claims record it and skip rows another instance is claiming; at start-up only the runs of
   * instances that stopped heartbeating are interrupted.
   */
  constructor(db: Db, instanceId?: string) {
    this.db = db;
    const shared = db.dialect === 'postgres';
    if (shared && !instanceId) throw new Error('A run repository on PostgreSQL needs its instance id.');
    // PostgreSQL: rows another instance has locked are not waited for, and the claim says who holds the run.
    const claimedBy = shared ? `, claimed_by = ${quote(instanceId!)}` : '';
    const skipLocked = shared ? ' FOR UPDATE SKIP LOCKED' : '';
    this.insert = db.prepare<object, { id: number }>(`
      INSERT INTO runs (uuid, workflow_id, workflow_version, trigger_type, trigger_key_id, reason, confidence, input,
        status, queued_at, approval_id, scheduled_for)
      VALUES (@uuid, @workflow_id, @workflow_version, @trigger_type, @trigger_key_id, @reason, @confidence, @input,
        'queued', @queued_at, @approval_id, @scheduled_for)
      RETURNING id`);
    this.insertSkippedRow = db.prepare<object, { id: number }>(`
      INSERT INTO runs (uuid, workflow_id, workflow_version, trigger_type, trigger_key_id, reason, confidence, input,
        status, queued_at, finished_at, duration_ms, approval_id, scheduled_for)
      VALUES (@uuid, @workflow_id, @workflow_version, @trigger_type, @trigger_key_id, @reason, @confidence, @input,
        'skipped', @queued_at, @queued_at, 0, @approval_id, @scheduled_for)
      RETURNING id`);
    // A scheduled run still queued or running, or a scheduled request still waiting for its decision.
    this.scheduledInFlight = db.prepare<[number, number], { uuid: string; status: string }>(`
      SELECT uuid, status FROM runs WHERE workflow_id = ? AND trigger_type = 'schedule' AND status IN ('queued', 'running')
      UNION ALL
      SELECT uuid, 'awaiting approval' FROM approvals WHERE workflow_id = ? AND trigger_type = 'schedule' AND status = 'pending'
      LIMIT 1`);
    this.byUuid = db.prepare<[string], RunRow>(`${SELECT_RUN} WHERE r.uuid = ${opaque('TEXT')}`);
    this.byId = db.prepare<[number], RunRow>(`${SELECT_RUN} WHERE r.id = ${opaque('BIGINT')}`);
    this.claimQueued = db.prepare<[string, number], { id: number }>(`
      UPDATE runs SET status = 'running', started_at = ?${claimedBy}
      WHERE id IN (SELECT id FROM runs WHERE status = 'queued' ORDER BY id LIMIT ${opaque('BIGINT')}${skipLocked})
      RETURNING id`);
    this.complete = db.prepare(`
      UPDATE runs SET status = @status, result = @result, error = @error, finished_at = @finished_at,
        duration_ms = @duration_ms, steps = @steps
      WHERE id = @id AND status = 'running'`);
    this.stepsOf = db.prepare<[number], { steps: string | null }>('SELECT steps FROM runs WHERE id = ?');
    this.insertLog = db.prepare(
      'INSERT INTO run_logs (run_id, seq, ts, level, message, fields, step, http) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // Journal rows: only while the run is running, so a late entry never lands beside final logs.
    // The casts give PostgreSQL the values' types, which a SELECT list does not.
    this.putLog = db.prepare(`
      INSERT INTO run_logs (run_id, seq, ts, level, message, fields, step, http)
      SELECT CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT),
        CAST(? AS TEXT), CAST(? AS TEXT)
      WHERE EXISTS (SELECT 1 FROM runs WHERE id = ? AND status = 'running')
      ON CONFLICT (run_id, seq) DO UPDATE SET ts = excluded.ts, level = excluded.level, message = excluded.message,
        fields = excluded.fields, step = excluded.step, http = excluded.http`);
    this.dropLogs = db.prepare('DELETE FROM run_logs WHERE run_id = ?');
    this.nextLogSeq = db.prepare<[number], { seq: number }>(`SELECT COALESCE(MAX(seq) + 1, 0) AS seq FROM run_logs WHERE run_id = ${opaque('BIGINT')}`);
    this.logsOf = db.prepare<[number], LogRow>(
      `SELECT seq, ts, level, message, fields, step, http FROM run_logs WHERE run_id = ${opaque('BIGINT')} ORDER BY seq`,
    );
    this.cancelIfQueued = db.prepare(
      "UPDATE runs SET status = 'cancelled', error = ?, finished_at = ?, duration_ms = 0 WHERE id = ? AND status = 'queued'",
    );
    // Shared: only the runs of instances that stopped heartbeating (or never recorded one).
    this.interrupt = db.prepare<unknown[], { id: number }>(
      shared
        ? `UPDATE runs SET status = 'failed', error = 'interrupted', finished_at = ?
           WHERE status = 'running' AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = runs.claimed_by AND i.seen_at > ${DATABASE_MS_AGO})
           RETURNING id`
        : "UPDATE runs SET status = 'failed', error = 'interrupted', finished_at = ? WHERE status = 'running' RETURNING id",
    );
    this.countQueued = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM runs WHERE status = 'queued'");
    this.countQueuedByKey = db.prepare<[], { trigger_key_id: number | null; n: number }>(
      "SELECT trigger_key_id, COUNT(*) AS n FROM runs WHERE status = 'queued' GROUP BY trigger_key_id ORDER BY MIN(id)",
    );
    this.claimOldestOfKey = db.prepare<[string, number], { id: number }>(`
      UPDATE runs SET status = 'running', started_at = ?${claimedBy}
      WHERE id = (SELECT id FROM runs WHERE status = 'queued' AND trigger_key_id = ${opaque('BIGINT')} ORDER BY id LIMIT 1${skipLocked})
      RETURNING id`);
    this.claimOldestOfNoKey = db.prepare<[string], { id: number }>(`
      UPDATE runs SET status = 'running', started_at = ?${claimedBy}
      WHERE id = (SELECT id FROM runs WHERE status = 'queued' AND trigger_key_id IS NULL ORDER BY id LIMIT 1${skipLocked})
      RETURNING id`);
  }

  /** Inserts a queued run; callers wrap it in their own transaction when other rows change with it. */
  insertQueued(run: NewRun, queuedAt: string): { id: number; uuid: string } {
    const uuid = newId();
    const { id } = this.insert.get({ ...run, uuid, input: toJson(run.input), queued_at: queuedAt, scheduled_for: run.scheduled_for ?? null })!;
    return { id, uuid };
  }

  /**
   * Records an occurrence that did not run (`skipped`, already final); `reason` says why. Callers
   * wrap it in their own transaction when other rows change with it.
   */
  insertSkipped(run: NewRun, at: string): { id: number; uuid: string } {
    const uuid = newId();
    const { id } = this.insertSkippedRow.get({ ...run, uuid, input: toJson(run.input), queued_at: at, scheduled_for: run.scheduled_for ?? null })!;
    return { id, uuid };
  }

  /** A scheduled run of this workflow still in flight (queued, running, or waiting for approval), if any. */
  scheduledInFlightOf(workflowId: number): { uuid: string; status: string } | undefined {
    return this.scheduledInFlight.get(workflowId, workflowId);
  }

  get(uuid: string): Run | undefined {
    const row = this.byUuid.get(uuid);
    return row && toRun(row);
  }

  getById(id: number): Run | undefined {
    const row = this.byId.get(id);
    return row && toRun(row);
  }

  /** Each ctx.step of a run, in the order they started (read with a run's details, not its list row). */
  steps(runId: number): RunStep[] {
    return fromJson<RunStep[] | null>(this.stepsOf.get(runId)?.steps ?? null) ?? [];
  }

  logs(runId: number): RunLogEntry[] {
    return this.logsOf.all(runId).map((row) => ({
      ...row,
      fields: fromJson(row.fields),
      http: fromJson(row.http),
    }));
  }

  /** Moves up to `limit` of the oldest queued runs to running, atomically, and returns their ids. */
  claim(limit: number, now: string): number[] {
    if (limit <= 0) return [];
    return this.claimQueued.all(now, limit).map((row) => row.id);
  }

  queuedCount(): number {
    return this.countQueued.get()!.n;
  }

  /** Queued runs per triggering key, the key with the oldest waiting run first. */
  queuedCounts(): Array<{ trigger_key_id: number | null; n: number }> {
    return this.countQueuedByKey.all();
  }

  /** Moves the oldest queued run of one key to running; its id, or undefined when it has none. */
  claimOldestOf(keyId: number | null, now: string): number | undefined {
    const row = keyId === null ? this.claimOldestOfNoKey.get(now) : this.claimOldestOfKey.get(now, keyId);
    return row?.id;
  }

  /**
   * Status, result and every log line of a run commit together: one transaction per run end. The
   * completion's logs replace the run's journal (they are its full account), or, with `append`,
   * follow it (when the full account is lost and only a failure entry is left to add).
   */
  finish(id: number, completion: RunCompletion, journal: 'replace' | 'append' = 'replace'): boolean {
    return this.db.transaction(() => {
      const { changes } = this.complete.run({
        id,
        status: completion.status,
        result: completion.result === null ? null : toJson(completion.result),
        error: completion.error,
        finished_at: completion.finished_at,
        duration_ms: completion.duration_ms,
        steps: completion.steps && completion.steps.length > 0 ? toJson(completion.steps) : null,
      });
      if (changes === 0) return false;
      let base = 0;
      if (journal === 'replace') this.dropLogs.run(id);
      else base = this.nextLogSeq.get(id)!.seq;
      for (const log of completion.logs) this.writeLog(this.insertLog, id, journal === 'replace' ? log : { ...log, seq: base + log.seq });
      return true;
    })();
  }

  /** Journal entries of running runs, in one transaction (a savepoint inside a caller's). */
  appendJournal(rows: JournalRow[]): void {
    this.db.transaction(() => {
      for (const { runId, entry } of rows) this.writeLog(this.putLog, runId, entry, runId);
    })();
  }

  private writeLog(statement: typeof this.insertLog, runId: number, log: RunLogEntry, ...extra: number[]): void {
    statement.run(
      runId,
      log.seq,
      log.ts,
      log.level,
      log.message,
      log.fields === null ? null : toJson(log.fields),
      log.step,
      log.http === null ? null : toJson(log.http),
      ...extra,
    );
  }

  cancelQueued(id: number, reason: string, now: string): boolean {
    return this.cancelIfQueued.run(reason, now, id).changes === 1;
  }

  /**
   * Runs a stopped process left `running` can never finish; mark them failed. Their journal stays,
   * followed by an entry that says so. Alone on its database (SQLite), at start-up: every running
   * run. Shared (PostgreSQL): the runs of instances silent for longer than `leaseMs` by the
   * database's clock (their lease ran out).
   */
  failInterrupted(now: string, leaseMs = 0): number[] {
    return this.db.transaction(() => {
      const ids = (this.db.dialect === 'postgres' ? this.interrupt.all(now, leaseMs) : this.interrupt.all(now)).map((row) => row.id);
      for (const id of ids) {
        const seq = this.nextLogSeq.get(id)!.seq;
        const message = seq > 0 ? INTERRUPTED_AFTER_ENTRIES : INTERRUPTED_BEFORE_ENTRIES;
        this.writeLog(this.insertLog, id, { seq, ts: now, level: 'error', message, fields: null, step: null, http: null });
      }
      return ids;
    })();
  }

  list(filter: RunFilter): { items: Run[]; total: number } {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit, offset: filter.offset };
    if (filter.workflow_id !== undefined) {
      where.push('r.workflow_id = @workflow_id');
      params.workflow_id = filter.workflow_id;
    }
    if (filter.status && filter.status.length > 0) {
      where.push(`r.status IN (${filter.status.map((_, i) => `@status${i}`).join(', ')})`);
      filter.status.forEach((status, i) => (params[`status${i}`] = status));
    }
    if (filter.trigger_key_id !== undefined) {
      where.push('r.trigger_key_id = @trigger_key_id');
      params.trigger_key_id = filter.trigger_key_id;
    }
    if (filter.trigger_type) {
      where.push('r.trigger_type = @trigger_type');
      params.trigger_type = filter.trigger_type;
    }
    if (filter.from) {
      where.push('r.queued_at >= @from');
      params.from = filter.from;
    }
    if (filter.to) {
      where.push('r.queued_at < @to');
      params.to = filter.to;
    }
    const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM runs r ${whereSql}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare<Record<string, unknown>, RunRow>(`${SELECT_RUN} ${whereSql} ORDER BY r.id DESC LIMIT @limit OFFSET @offset`)
      .all(params);
    return { items: rows.map(toRun), total };
  }
}

/** An instance id is ours (a UUID), but quoted as SQL text all the same. */
function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
