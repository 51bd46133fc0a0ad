// The engine room's door: the shell, the CLI and tests import from here.
export { createEngine, DATABASE_FILE, type Engine, type EngineLog, type EngineOptions } from './engine.ts';
export { startServer, type RunningServer, type ServerOptions } from './server.ts';
export { inspectServer, type ServerInfo, type ServerInfoState } from './server-info.ts';
export { defaultDataDir, ensureDataDir } from './paths.ts';
export { openStore, DatabaseTooNewError, type Store } from './db/index.ts';
export { DEFAULT_SCOPES } from './keys/index.ts';
export type { RunExecutor } from './runs/scheduler.ts';
export type { EngineEvent, EngineEventType } from './events/bus.ts';
export type { DesktopNotifier } from './notify/index.ts';
