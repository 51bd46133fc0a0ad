import type { Schedule } from '../../../shared/schedule.ts';
import type { ApprovalMode, RiskLevel, RunStatus, WorkflowDefaults, WorkflowKind, WorkflowSort, WorkflowState, WorkflowType } from '../../../shared/domain.ts';
import { newId } from '../util/ids.ts';
import { fromJson, toJson } from '../util/json.ts';
import type { Db } from './open.ts';
import { opaque } from './sql.ts';

/** A workflow row: the fields an analyst sets (their defaults are in src/shared/domain.ts) and Vigil's own. */
export interface Workflow extends WorkflowDefaults {
  id: number;
  uuid: string;
  name: string;
  code: string;
  code_version: number;
  is_system: boolean;
  /** Set on the built-in workflows Vigil seeds (e.g. `okta.suspend_user`); null otherwise. */
  builtin_key: string | null;
  /** When the schedule fires next: null unless the workflow is active and has a schedule. */
  next_run_at: string | null;
  /** The last occurrence the schedule handled (run, gated or skipped). */
  last_scheduled_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WorkflowWithLastRun extends Workflow {
  last_run: { uuid: string; status: RunStatus; queued_at: string; finished_at: string | null } | null;
}

/** Fields an analyst may set; the repository fills the rest. */
export type WorkflowFields = Pick<
  Workflow,
  | 'name'
  | 'workflow_type'
  | 'indicator_types'
  | 'kind'
  | 'code'
  | 'state'
  | 'approval_mode'
  | 'approval_timeout_seconds'
  | 'risk_level'
  | 'timeout_seconds'
  | 'secrets'
  | 'allowed_hosts'
  | 'documentation'
  | 'tags'
  | 'schedule'
>;

/**
 * One saved version: the code and everything that decides what a run of it may do. Runs and
 * approvals pin a version, so an approved run gets exactly the reach the analyst saw.
 */
export interface WorkflowVersion {
  version: number;
  code: string;
  secrets: string[];
  allowed_hosts: string[];
  timeout_seconds: number;
  /** When this version runs on its own (null: it does not). */
  schedule: Schedule | null;
  saved_at: string;
  author_key: string | null;
}

/** The fields a version holds besides the code: changing any of them saves a new version. */
export const VERSIONED_POLICY = ['secrets', 'allowed_hosts', 'timeout_seconds', 'schedule'] as const;

interface VersionRow extends Omit<WorkflowVersion, 'secrets' | 'allowed_hosts' | 'schedule'> {
  secrets: string;
  allowed_hosts: string;
  schedule: string | null;
}

function toVersion(row: VersionRow): WorkflowVersion {
  return { ...row, secrets: fromJson(row.secrets), allowed_hosts: fromJson(row.allowed_hosts), schedule: fromJson(row.schedule) };
}

const VERSION_COLUMNS = 'version, code, secrets, allowed_hosts, timeout_seconds, schedule, saved_at, author_key';

/** A JSON column that may be absent: null stays SQL NULL. */
function nullableJson(value: unknown): string | null {
  return value === null || value === undefined ? null : toJson(value);
}

export { WORKFLOW_SORTS, type WorkflowSort } from '../../../shared/domain.ts';

export interface WorkflowFilter {
  state?: WorkflowState;
  risk_level?: RiskLevel;
  workflow_type?: WorkflowType;
  tag?: string;
  q?: string;
  sort: WorkflowSort;
  descending: boolean;
  limit: number;
  offset: number;
}

interface WorkflowRow {
  id: number;
  uuid: string;
  name: string;
  workflow_type: WorkflowType | null;
  indicator_types: string;
  kind: WorkflowKind;
  code: string;
  code_version: number;
  state: WorkflowState;
  approval_mode: ApprovalMode;
  approval_timeout_seconds: number;
  risk_level: RiskLevel;
  timeout_seconds: number;
  secrets: string;
  allowed_hosts: string;
  documentation: string;
  tags: string;
  schedule: string | null;
  is_system: number;
  builtin_key: string | null;
  next_run_at: string | null;
  last_scheduled_at: string | null;
  created_at: string;
  updated_at: string;
}

interface LastRunColumns {
  last_run_uuid: string | null;
  last_run_status: RunStatus | null;
  last_run_queued_at: string | null;
  last_run_finished_at: string | null;
}

function toWorkflow(row: WorkflowRow): Workflow {
  return {
    ...row,
    indicator_types: fromJson(row.indicator_types),
    secrets: fromJson(row.secrets),
    allowed_hosts: fromJson(row.allowed_hosts),
    tags: fromJson(row.tags),
    schedule: fromJson(row.schedule),
    is_system: row.is_system === 1,
  };
}

function definedOnly<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>;
}

// Risk sorts by severity, not alphabetically.
const SORT_SQL: Record<WorkflowSort, string> = {
  // SQLite's NOCASE folds ASCII letters only; lower() folds every letter, close enough for a sort.
  name: 'lower(w.name)',
  created_at: 'w.id',
  updated_at: 'w.updated_at',
  risk_level: "CASE w.risk_level WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 ELSE 3 END",
  state: 'w.state',
};

const LAST_RUN_SQL = `
  (SELECT r.uuid FROM runs r WHERE r.workflow_id = w.id ORDER BY r.id DESC LIMIT 1) AS last_run_uuid,
  (SELECT r.status FROM runs r WHERE r.workflow_id = w.id ORDER BY r.id DESC LIMIT 1) AS last_run_status,
  (SELECT r.queued_at FROM runs r WHERE r.workflow_id = w.id ORDER BY r.id DESC LIMIT 1) AS last_run_queued_at,
  (SELECT r.finished_at FROM runs r WHERE r.workflow_id = w.id ORDER BY r.id DESC LIMIT 1) AS last_run_finished_at`;

export class WorkflowRepository {
  private readonly byUuid;
  private readonly byId;
  private readonly insertRow;
  private readonly insertVersion;
  private readonly insertTag;
  private readonly deleteTags;
  private readonly versionsOf;
  private readonly versionOf;
  private readonly softDelete;
  private readonly idByUuid;
  private readonly byBuiltinKey;
  private readonly mocksOf;
  private readonly upsertMocks;
  private readonly deleteMocks;

  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
    this.byUuid = db.prepare<[string], WorkflowRow>('SELECT * FROM workflows WHERE uuid = ? AND deleted_at IS NULL');
    this.byId = db.prepare<[number], WorkflowRow>('SELECT * FROM workflows WHERE id = ?');
    this.insertRow = db.prepare<object, { id: number }>(`
      INSERT INTO workflows (uuid, name, workflow_type, indicator_types, kind, code, code_version, state, approval_mode,
        approval_timeout_seconds, risk_level, timeout_seconds, secrets, allowed_hosts, documentation, tags, schedule, is_system,
        builtin_key, created_at, updated_at)
      VALUES (@uuid, @name, @workflow_type, @indicator_types, @kind, @code, 1, @state, @approval_mode,
        @approval_timeout_seconds, @risk_level, @timeout_seconds, @secrets, @allowed_hosts, @documentation, @tags,
        @schedule, @is_system, @builtin_key, @now, @now)
      RETURNING id`);
    this.insertVersion = db.prepare(`
      INSERT INTO workflow_versions (workflow_id, version, code, secrets, allowed_hosts, timeout_seconds, schedule, saved_at, author_key)
      VALUES (@workflow_id, @version, @code, @secrets, @allowed_hosts, @timeout_seconds, @schedule, @saved_at, @author_key)`);
    this.insertTag = db.prepare('INSERT INTO workflow_tags (workflow_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING');
    this.deleteTags = db.prepare('DELETE FROM workflow_tags WHERE workflow_id = ?');
    this.versionsOf = db.prepare<[number], VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM workflow_versions WHERE workflow_id = ${opaque('BIGINT')} ORDER BY version DESC`,
    );
    this.versionOf = db.prepare<[number, number], VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM workflow_versions WHERE workflow_id = ? AND version = ?`,
    );
    this.idByUuid = db.prepare<[string], { id: number }>('SELECT id FROM workflows WHERE uuid = ?');
    this.byBuiltinKey = db.prepare<[string], WorkflowRow>('SELECT * FROM workflows WHERE builtin_key = ?');
    this.softDelete = db.prepare('UPDATE workflows SET deleted_at = ?, state = ? WHERE id = ?');
    this.mocksOf = db.prepare<[number], { mocks: string; updated_at: string; author_key: string | null }>(
      'SELECT mocks, updated_at, author_key FROM workflow_mocks WHERE workflow_id = ?',
    );
    this.upsertMocks = db.prepare(`
      INSERT INTO workflow_mocks (workflow_id, mocks, updated_at, author_key) VALUES (@id, @mocks, @now, @author)
      ON CONFLICT (workflow_id) DO UPDATE SET mocks = excluded.mocks, updated_at = excluded.updated_at, author_key = excluded.author_key`);
    this.deleteMocks = db.prepare('DELETE FROM workflow_mocks WHERE workflow_id = ?');
  }

  get(uuid: string): Workflow | undefined {
    const row = this.byUuid.get(uuid);
    return row && toWorkflow(row);
  }

  /** The row id for a public id, deleted workflows included (their runs stay listable). */
  idOf(uuid: string): number | undefined {
    return this.idByUuid.get(uuid)?.id;
  }

  getById(id: number): Workflow | undefined {
    const row = this.byId.get(id);
    return row && toWorkflow(row);
  }

  /** A built-in workflow by its key, deleted or not. */
  getByBuiltinKey(key: string): Workflow | undefined {
    const row = this.byBuiltinKey.get(key);
    return row && toWorkflow(row);
  }

  /** `uuid` keeps a workflow's id across data folders (an import); by default a new one is made. */
  create(fields: WorkflowFields, options: { now: string; author: string | null; isSystem?: boolean; builtinKey?: string; uuid?: string }): Workflow {
    return this.db.transaction(() => {
      const uuid = options.uuid ?? newId();
      const { id } = this.insertRow.get({
        ...fields,
        uuid,
        indicator_types: toJson(fields.indicator_types),
        secrets: toJson(fields.secrets),
        allowed_hosts: toJson(fields.allowed_hosts),
        tags: toJson(fields.tags),
        schedule: nullableJson(fields.schedule),
        is_system: options.isSystem ? 1 : 0,
        builtin_key: options.builtinKey ?? null,
        now: options.now,
      })!;
      this.saveVersion(id, 1, fields, options);
      for (const tag of fields.tags) this.insertTag.run(id, tag);
      return this.getById(id)!;
    })();
  }

  private saveVersion(
    id: number,
    version: number,
    content: Pick<WorkflowFields, 'code' | (typeof VERSIONED_POLICY)[number]>,
    options: { now: string; author: string | null },
  ): void {
    this.insertVersion.run({
      workflow_id: id,
      version,
      code: content.code,
      secrets: toJson(content.secrets),
      allowed_hosts: toJson(content.allowed_hosts),
      timeout_seconds: content.timeout_seconds,
      schedule: nullableJson(content.schedule),
      saved_at: options.now,
      author_key: options.author,
    });
  }

  /**
   * Applies a partial update. A change of the code or of what a run may do (declared secrets,
   * allowed hosts, timeout) bumps code_version and records the new version in the same
   * transaction, so a version row exists for everything a run can pin.
   */
  update(id: number, changes: Partial<WorkflowFields>, options: { now: string; author: string | null }): Workflow {
    return this.db.transaction(() => {
      const current = this.getById(id)!;
      const assignments: string[] = [];
      const values: Record<string, unknown> = { id, now: options.now };
      for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) continue;
        assignments.push(`${key} = @${key}`);
        values[key] = key === 'schedule' ? nullableJson(value) : Array.isArray(value) ? toJson(value) : value;
      }
      const next = { ...current, ...definedOnly(changes) };
      const versionChanged =
        next.code !== current.code || VERSIONED_POLICY.some((field) => toJson(next[field]) !== toJson(current[field]));
      if (versionChanged) {
        assignments.push('code_version = code_version + 1');
        this.saveVersion(id, current.code_version + 1, next, options);
      }
      if (assignments.length > 0) {
        this.db.prepare(`UPDATE workflows SET ${assignments.join(', ')}, updated_at = @now WHERE id = @id`).run(values);
      }
      if (changes.tags) {
        this.deleteTags.run(id);
        for (const tag of changes.tags) this.insertTag.run(id, tag);
      }
      return this.getById(id)!;
    })();
  }

  /** Sets when the schedule fires next (and which occurrence it handled last), without a new version. */
  setScheduleTimes(id: number, times: { next_run_at: string | null; last_scheduled_at?: string }): void {
    if (times.last_scheduled_at === undefined) {
      this.db.prepare('UPDATE workflows SET next_run_at = ? WHERE id = ?').run(times.next_run_at, id);
    } else {
      this.db.prepare('UPDATE workflows SET next_run_at = ?, last_scheduled_at = ? WHERE id = ?').run(times.next_run_at, times.last_scheduled_at, id);
    }
  }

  /** Live active workflows whose schedule is due at `now`. */
  dueSchedules(now: string): Workflow[] {
    return this.db
      .prepare<[string], WorkflowRow>(
        "SELECT * FROM workflows WHERE next_run_at IS NOT NULL AND next_run_at <= ? AND deleted_at IS NULL AND state = 'active' AND schedule IS NOT NULL ORDER BY next_run_at, id",
      )
      .all(now)
      .map(toWorkflow);
  }

  /** The soonest next_run_at of any live active scheduled workflow. */
  earliestNextRun(): string | undefined {
    return this.db
      .prepare<[], { next_run_at: string }>(
        "SELECT next_run_at FROM workflows WHERE next_run_at IS NOT NULL AND deleted_at IS NULL AND state = 'active' ORDER BY next_run_at LIMIT 1",
      )
      .get()?.next_run_at;
  }

  /** Deleted workflows leave their runs, approvals and versions browsable; they just stop existing for new work. */
  delete(id: number, now: string): void {
    this.softDelete.run(now, 'inactive', id);
  }

  list(filter: WorkflowFilter): { items: WorkflowWithLastRun[]; total: number } {
    const where = ['w.deleted_at IS NULL'];
    const params: Record<string, unknown> = { limit: filter.limit, offset: filter.offset };
    if (filter.state) {
      where.push('w.state = @state');
      params.state = filter.state;
    }
    if (filter.risk_level) {
      where.push('w.risk_level = @risk_level');
      params.risk_level = filter.risk_level;
    }
    if (filter.workflow_type) {
      where.push('w.workflow_type = @workflow_type');
      params.workflow_type = filter.workflow_type;
    }
    if (filter.tag) {
      where.push('w.id IN (SELECT workflow_id FROM workflow_tags WHERE tag = @tag)');
      params.tag = filter.tag;
    }
    if (filter.q) {
      // SQLite's LIKE ignores the case of ASCII letters; PostgreSQL's ILIKE is the same search.
      const like = this.db.dialect === 'postgres' ? 'ILIKE' : 'LIKE';
      where.push(`(w.name ${like} @q ESCAPE '\\' OR w.documentation ${like} @q ESCAPE '\\' OR w.tags ${like} @q ESCAPE '\\')`);
      params.q = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    }
    const whereSql = where.join(' AND ');
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM workflows w WHERE ${whereSql}`).get(params) as { n: number }).n;
    const order = `${SORT_SQL[filter.sort]} ${filter.descending ? 'DESC' : 'ASC'}, w.id ${filter.descending ? 'DESC' : 'ASC'}`;
    const rows = this.db
      .prepare<Record<string, unknown>, WorkflowRow & LastRunColumns>(
        `SELECT w.*, ${LAST_RUN_SQL} FROM workflows w WHERE ${whereSql} ORDER BY ${order} LIMIT @limit OFFSET @offset`,
      )
      .all(params);
    return {
      total,
      items: rows.map((row) => ({
        ...toWorkflow(row),
        last_run: row.last_run_uuid
          ? {
              uuid: row.last_run_uuid,
              status: row.last_run_status!,
              queued_at: row.last_run_queued_at!,
              finished_at: row.last_run_finished_at,
            }
          : null,
      })),
    };
  }

  versions(id: number): WorkflowVersion[] {
    return this.versionsOf.all(id).map(toVersion);
  }

  version(id: number, version: number): WorkflowVersion | undefined {
    const row = this.versionOf.get(id, version);
    return row && toVersion(row);
  }

  /** A workflow's test mocks as saved (JSON text), or undefined when it has none. */
  mocks(id: number): { mocks: string; updated_at: string; author_key: string | null } | undefined {
    return this.mocksOf.get(id);
  }

  /** Saves (or, with null, removes) a workflow's test mocks; they are not part of any version. */
  setMocks(id: number, mocks: string | null, options: { now: string; author: string | null }): void {
    if (mocks === null) this.deleteMocks.run(id);
    else this.upsertMocks.run({ id, mocks, now: options.now, author: options.author });
  }

  /** Every secret name some live workflow declares. */
  declaredSecretNames(): string[] {
    return this.db
      .prepare<[], { name: string }>(
        `SELECT DISTINCT s.value AS name FROM workflows w, ${this.secretsOf('w')} WHERE w.deleted_at IS NULL ORDER BY 1`,
      )
      .all()
      .map((row) => row.name);
  }

  /** Which live workflows declare a secret name (for the secrets view and delete warnings). */
  usingSecret(name: string): Array<{ uuid: string; name: string }> {
    return this.db
      .prepare<[string], { uuid: string; name: string }>(
        `SELECT w.uuid, w.name FROM workflows w, ${this.secretsOf('w')} WHERE w.deleted_at IS NULL AND s.value = ? ORDER BY w.name`,
      )
      .all(name);
  }

  /** The names in a workflow's `secrets` JSON array, as table `s` with a `value` column. */
  private secretsOf(alias: string): string {
    return this.db.dialect === 'postgres' ? `jsonb_array_elements_text(${alias}.secrets::jsonb) AS s(value)` : `json_each(${alias}.secrets) AS s`;
  }
}
