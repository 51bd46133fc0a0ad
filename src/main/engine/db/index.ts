import { ApprovalRepository } from './approvals.ts';
import { ApiKeyRepository } from './keys.ts';
import { IdempotencyRepository, SecretNameRepository, SettingsRepository } from './misc.ts';

/** The settings table: besides the engine's own settings, each room keeps its keys there (`llm.*`, `integrations.*`, `notifiers.*`). */
export type SettingsTable = Pick<SettingsRepository, 'read' | 'write'>;
import { GroupCommit } from './group-commit.ts';
import { openDatabase, type Db } from './open.ts';
import { RunRepository } from './runs.ts';
import { SealedSecretRepository } from './sealed-secrets.ts';
import { WorkflowRepository } from './workflows.ts';

export { DatabaseTooNewError, openDatabase, type Db } from './open.ts';
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
  close(): void;
}

export function openStore(path: string): Store {
  const db = openDatabase(path);
  const group = new GroupCommit(db);
  return {
    db,
    workflows: new WorkflowRepository(db),
    runs: new RunRepository(db),
    approvals: new ApprovalRepository(db),
    keys: new ApiKeyRepository(db),
    idempotency: new IdempotencyRepository(db),
    secretNames: new SecretNameRepository(db),
    sealedSecrets: new SealedSecretRepository(db),
    settings: new SettingsRepository(db),
    transaction: (fn) => db.transaction(fn).immediate(),
    batched: (fn) => group.run(fn),
    close: () => {
      group.flush();
      db.close();
    },
  };
}
