import type { SettingsRepository } from '../db/misc.ts';

export interface Settings {
  /** Executions per API key per minute; 0 turns the limit off. */
  execute_rate_limit_per_minute: number;
  /** Runs executing at once. */
  run_concurrency: number;
  /** While on, execute answers 503 EXECUTION_PAUSED and scheduled occurrences are skipped (the tray's "Pause agent executions"). */
  execution_paused: boolean;
  /** Runs that may wait in the queue; past it execute answers 503 QUEUE_FULL and stores nothing. */
  max_queued_runs: number;
  /**
   * A key's requests that may wait for approval at once; past it execute answers 429
   * APPROVALS_PENDING_LIMIT. Each is announced to the analyst: past this many, more would bury the
   * ones that matter, and an analyst approving in a hurry could approve the wrong one.
   */
  max_pending_approvals_per_key: number;
}

export const DEFAULT_SETTINGS: Settings = {
  execute_rate_limit_per_minute: 60,
  run_concurrency: 8,
  execution_paused: false,
  max_queued_runs: 2000,
  max_pending_approvals_per_key: 50,
};

/** `elsewhere`: changed by another instance on the same database, read again here. */
type Listener = (settings: Settings, changed: 'here' | 'elsewhere') => void;

/** Settings live in SQLite; this keeps a parsed copy so hot paths never read the table. */
export class SettingsService {
  private current: Settings;
  private readonly listeners = new Set<Listener>();
  private readonly repo: SettingsRepository;

  private readonly overrides: Partial<Settings>;

  constructor(repo: SettingsRepository, overrides: Partial<Settings> = {}) {
    this.repo = repo;
    this.overrides = overrides;
    this.current = this.stored();
  }

  private stored(): Settings {
    // The table also holds other rooms' keys (notifiers.*, llm.*); only the engine's own belong here.
    const stored = this.repo.read();
    const known = Object.fromEntries(Object.keys(DEFAULT_SETTINGS).filter((key) => key in stored).map((key) => [key, stored[key]]));
    return { ...DEFAULT_SETTINGS, ...(known as Partial<Settings>), ...this.overrides };
  }

  get(): Settings {
    return this.current;
  }

  update(changes: Partial<Settings>): Settings {
    this.repo.write(changes);
    this.current = { ...this.current, ...changes };
    for (const listener of this.listeners) listener(this.current, 'here');
    return this.current;
  }

  /** Reads the settings again: another instance on the same database changed them. */
  reload(): Settings {
    this.current = this.stored();
    for (const listener of this.listeners) listener(this.current, 'elsewhere');
    return this.current;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
