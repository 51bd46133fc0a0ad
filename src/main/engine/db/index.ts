import { randomUUID } from 'node:crypto';
import { ApprovalRepository } from './approvals.ts';
import { ApiKeyRepository } from './keys.ts';
import { IdempotencyRepository, SecretNameRepository, SettingsRepository } from './misc.ts';
import { ClusterRepository } from './cluster.ts';
import { GroupCommit } from './group-commit.ts';
import { openDatabase, type Db, type SqliteDb } from './open.ts';
import { openPostgres, isPostgresUrl, advisoryLockSql, type SerializedTask } from './postgres/index.ts';
import type { SqlDatabase } from './sql.ts';
import { RunRepository } from './runs.ts';
import { SealedSecretRepository } from './sealed-secrets.ts';
import { WorkflowRepository } from './workflows.ts';

/** The settings table: besides the engine's own settings, each room keeps its keys there (`llm.*`, `integrations.*`, `notifiers.*`). */
export type SettingsTable = Pick<SettingsRepository, 'read' | 'write'>;

export { DatabaseTooNewError, openDatabase, type Db, type SqliteDb } from './open.ts';
export { DatabaseUnavailableError, isPostgresUrl, redactDatabaseUrl, type SerializedTask } from './postgres/index.ts';
export type { ClusterRepository } from './cluster.ts';
export type { Approval, ApprovalFilter } from './approvals.ts';
export { generateKeySecret, hashKey, type ApiKey } from './keys.ts';
export type { JournalRow, Run, RunCompletion, RunFilter, NewRun } from './runs.ts';
export type { SealedSecretRepository, SealedSecretRow } from './sealed-secrets.ts';
export {
  WORKFLOW_SORTS,
  type Workflow,
  type WorkflowFields,
  type WorkflowFilter,
  type WorkflowSort,
  type WorkflowVersion,
  type WorkflowWithLastRun,
} from './workflows.ts';

/** The one typed data interface: every SQL statement lives behind these repositories. */
export interface Store {
  db: Db;
  /** Where the data lives, for messages: the SQLite file, or the PostgreSQL database without its password. */
  location: string;
  /**
   * Present when several engine instances may share the database (PostgreSQL): this instance's
   * registration and heartbeat, by which the others tell when its runs are lost.
   */
  cluster?: ClusterRepository;
  workflows: WorkflowRepository;
  runs: RunRepository;
  approvals: ApprovalRepository;
  keys: ApiKeyRepository;
  idempotency: IdempotencyRepository;
  secretNames: SecretNameRepository;
  /** Secret values sealed under the operator's master key (servers without a keychain). */
  sealedSecrets: SealedSecretRepository;
  settings: SettingsRepository;
  /** Runs `fn` in one immediate transaction. */
  transaction<T>(fn: () => T): T;
  /**
   * Runs `fn` in the current event-loop turn's shared transaction, in a savepoint of its own, and
   * resolves once that transaction is committed (group commit: see group-commit.ts).
   */
  batched<T>(fn: () => T): Promise<T>;
  /**
   * Runs `fn` in one transaction that instances sharing the database take one at a time (an
   * advisory lock on PostgreSQL; SQLite has one writer anyway): work such as firing schedules and
   * expiring approvals, which must not happen twice.
   */
  serialized<T>(task: SerializedTask, fn: () => T): T;
  close(): void;
}

/**
 * Opens the store at `location`: a SQLite file path, or a `postgres://` URL. On PostgreSQL each
 * opening is a new engine instance, with a new id that its claims and heartbeats carry.
 */
export function openStore(location: string): Store {
  if (isPostgresUrl(location)) {
    const { db, label } = openPostgres(location);
    const instanceId = randomUUID();
    return storeOver(db, label, { cluster: new ClusterRepository(db, instanceId), instanceId });
  }
  return openSqliteStore(location);
}

/** A SQLite store; its `db` is the SQLite connection itself, for what only SQLite has. */
export type SqliteStore = Store & { db: SqliteDb & SqlDatabase };

export function openSqliteStore(path: string): SqliteStore {
  const sqlite = openDatabase(path);
  // better-sqlite3 is the shape SqlDatabase describes; its declarations spell the parameter types differently.
  return { ...storeOver(sqlite as unknown as SqlDatabase, path, {}), db: sqlite as unknown as SqliteDb & SqlDatabase };
}

function storeOver(db: Db, location: string, shared: { cluster?: ClusterRepository; instanceId?: string }): Store {
  const group = new GroupCommit(db);
  const transaction = <T>(fn: () => T): T => db.transaction(fn).immediate();
  return {
    db,
    location,
    ...(shared.cluster ? { cluster: shared.cluster } : {}),
    workflows: new WorkflowRepository(db),
    runs: new RunRepository(db, shared.instanceId),
    approvals: new ApprovalRepository(db),
    keys: new ApiKeyRepository(db),
    idempotency: new IdempotencyRepository(db),
    secretNames: new SecretNameRepository(db),
    sealedSecrets: new SealedSecretRepository(db),
    settings: new SettingsRepository(db),
    transaction,
    batched: (fn) => group.run(fn),
    serialized: (task, fn) =>
      transaction(() => {
        if (db.dialect === 'postgres') db.prepare(advisoryLockSql(task)).get();
        return fn();
      }),
    close: () => {
      group.flush();
      db.close();
    },
  };
}
