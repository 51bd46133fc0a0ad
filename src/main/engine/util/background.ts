/** How soon work the database refused is tried again. */
export const BACKGROUND_RETRY_MS = 1000;

/**
 * Work the engine starts on its own, from a timer: claiming queued runs, expiring approvals,
 * firing schedules, purging old records, re-checking watched keys. No request waits for it, so an
 * error it throws would reach the event loop and end the process; a database that refuses for a
 * while (SQLite's write lock held by another process past the busy timeout, a team's PostgreSQL
 * down) must not. The failure is logged once, until the work goes through again.
 */
export class BackgroundTask {
  private readonly what: string;
  private readonly log: { error(message: string): void };
  private failing = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(what: string, log: { error(message: string): void }) {
    this.what = what;
    this.log = log;
  }

  /** Runs `work` now and returns what it returned, or undefined when it threw; the caller decides when to try again. */
  run<T>(work: () => T): T | undefined {
    let value: T | undefined;
    return this.attempt(() => (value = work())) ? value : undefined;
  }

  /**
   * Runs `work` after `delayMs`, in place of any run this task had timed, and again every
   * BACKGROUND_RETRY_MS for as long as it throws.
   */
  runIn(delayMs: number, work: () => unknown): void {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.attempt(work)) this.runIn(BACKGROUND_RETRY_MS, work);
    }, delayMs);
    this.timer.unref();
  }

  /** Drops the timed run, if any. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private attempt(work: () => unknown): boolean {
    try {
      work();
      this.failing = false;
      return true;
    } catch (error) {
      if (!this.failing) this.log.error(`${this.what} failed, trying again: ${(error as Error).message}`);
      this.failing = true;
      return false;
    }
  }
}
