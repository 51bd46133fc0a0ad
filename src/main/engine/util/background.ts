/**
 * Work the engine starts on its own, from a timer: claiming queued runs, expiring approvals,
 * firing schedules, purging old records, re-checking watched keys. No request waits for it, so an
 * error it throws would reach the event loop and end the process; a database that refuses for a
 * while (SQLite's write lock held by another process past the busy timeout, a team's PostgreSQL
 * down) must not. The failure is logged once, until the work goes through again; the caller
 * decides when it is tried again.
 */
/** How soon work the database refused is tried again. */
export const BACKGROUND_RETRY_MS = 1000;

export class BackgroundTask {
  private readonly what: string;
  private readonly log: { error(message: string): void };
  private failing = false;

  constructor(what: string, log: { error(message: string): void }) {
    this.what = what;
    this.log = log;
  }

  /** Runs `work` and returns what it returned, or undefined when it threw (logged once per outage). */
  run<T>(work: () => T): T | undefined {
    try {
      const value = work();
      this.failing = false;
      return value;
    } catch (error) {
      if (!this.failing) this.log.error(`${this.what} failed, trying again: ${(error as Error).message}`);
      this.failing = true;
      return undefined;
    }
  }
}
