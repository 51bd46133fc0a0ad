// The engine room's door: the shell, the CLI and tests import from here. It loads little by itself
// (the data folder, the store, keys, the keychain): a command like `vigil keys list` must not pay for
// the API server, the notifiers or the code generator, so those load on first use.
import type { RunningServer, ServerOptions } from './server.ts';

export type { Engine, EngineLog, EngineOptions } from './engine.ts';
export type { RunningServer, ServerOptions } from './server.ts';
export { inspectServer, type ServerInfo, type ServerInfoState } from './server-info.ts';
export { checkPublicUrl } from './public-url.ts';
export { DATABASE_FILE, defaultDataDir, ensureDataDir, findMaterialRoot } from './paths.ts';
export { openStore, openSqliteStore, DatabaseTooNewError, isPostgresUrl, redactDatabaseUrl, type SqliteStore, type Store } from './db/index.ts';
export { DEFAULT_SCOPES, KeyService } from './keys/index.ts';
export {
  createKeychainStore,
  createSealedSecretStore,
  CREDENTIALS_SERVICE,
  MasterKeyError,
  readMasterKeyFile,
  rotateMasterKey,
  writeNewMasterKeyFile,
  type MasterKey,
  type SealedIn,
  type SecretStore,
} from './secrets/index.ts';
export { createLoginToken, loginUrl } from './session/index.ts';
export { systemClock } from './util/time.ts';
export type { InputFields, RunExecutor } from './runs/index.ts';
export type { EngineEvent, EngineEventType } from './events/bus.ts';
export type { DesktopNotifier, NotifierSettingsUpdate, NotifierView } from './notify/index.ts';
export type { GenerateProgress, GenerateResult, GenerationProblem } from './llm/index.ts';

/** The engine plus its HTTP API: what `vigil serve` and the Electron shell both run. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const server = await import('./server.ts');
  return server.startServer(options);
}

/** The notifiers' configuration, for `vigil notifiers` (which works without a server). */
export const loadNotifiers = (): Promise<typeof import('./notify/index.ts')> => import('./notify/index.ts');

/** Code generation's settings and generator, for `vigil generate`. */
export const loadCodeGeneration = (): Promise<typeof import('./llm/index.ts')> => import('./llm/index.ts');

/** How a run request is built, for `vigil test` (the same as the scheduler's and the test endpoints'). */
export const loadRunRequests = (): Promise<typeof import('./runs/request.ts')> => import('./runs/request.ts');

/** The type checker of workflow code (on the code-check thread), for `vigil lint --typecheck`. */
export const loadCodeChecks = (): Promise<typeof import('./workflows/code-check-thread.ts')> => import('./workflows/code-check-thread.ts');

/** Workflows as files on a data folder without a server, for `vigil export` and `vigil import`. */
export const loadWorkflowFolder = (): Promise<typeof import('./workflow-folder.ts')> => import('./workflow-folder.ts');
export type { ImportPlan, ImportPlanItem } from './workflows/index.ts';
export { DEFAULT_LEASE_MS } from './cluster.ts';
