// What a run did, written while it runs: the log lines and HTTP calls the sandbox reports as they
// happen go to run_logs, so a run cut short by a crash still shows them (DESIGN.md §3: one
// transaction per state change, not per log line). Entries are buffered and written together, one
// transaction for all runs, every FLUSH_MS or once MAX_BUFFERED are waiting; a run's end carries
// whatever is buffered for the other runs in its own transaction, and its own final logs replace
// its journal there. The runs that end in the same event-loop turn end in one transaction
// (`finishSoon`), each in a savepoint of its own.
import type { RunLogEntry } from '../../../shared/domain.ts';
import type { RunOutcome } from '../../sandbox/index.ts';
import type { JournalRow, RunCompletion, Store } from '../db/index.ts';

/** How long an entry may wait before it is written. */
const FLUSH_MS = 50;
/** Entries that are written at once, without waiting for the timer. */
const MAX_BUFFERED = 256;

export class RunJournal {
  private readonly store: Store;
  private readonly log: { error(message: string): void };
  private buffer: JournalRow[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private ending: Ending[] = [];
  private endingScheduled = false;

  constructor(store: Store, log: { error(message: string): void }) {
    this.store = store;
    this.log = log;
  }

  add(runId: number, entry: RunLogEntry): void {
    this.buffer.push({ runId, entry });
    if (this.buffer.length >= MAX_BUFFERED) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes everything buffered. Never throws. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = this.buffer;
    this.buffer = [];
    this.write(rows);
  }

  /**
   * Records a run's end and returns the status recorded, or null when nothing could be. Never
   * throws: when the outcome cannot be recorded, the run is recorded failed with the reason after
   * what it journaled, and when not even that works the run stays `running` for start-up to find.
   */
  finish(runId: number, uuid: string, outcome: RunOutcome, finishedAt: string): RunOutcome['status'] | null {
    const durationMs = Math.round(outcome.durationMs);
    try {
      this.commit(runId, 'replace', completionOf(outcome, finishedAt));
      return outcome.status;
    } catch (error) {
      const reason = `Vigil could not record the run's outcome (${outcome.status}): ${(error as Error).message}`;
      this.log.error(`run ${uuid}: ${reason}`);
      const entry: RunLogEntry = { seq: 0, ts: finishedAt, level: 'error', message: reason, fields: null, step: null, http: null };
      try {
        this.commit(runId, 'append', { status: 'failed', result: null, error: reason, logs: [entry], finished_at: finishedAt, duration_ms: durationMs });
        return 'failed';
      } catch (again) {
        this.log.error(`run ${uuid}: not even its failure could be recorded: ${(again as Error).message}`);
        return null;
      }
    }
  }

  /**
   * `finish`, together with the other runs that end in this event-loop turn: one transaction for
   * all of them and everything buffered. A run whose end cannot be recorded there (its savepoint
   * rolled back) goes through `finish` on its own afterwards, with its journal kept for it.
   */
  finishSoon(runId: number, uuid: string, outcome: RunOutcome, finishedAt: string): Promise<RunOutcome['status'] | null> {
    return new Promise((resolve) => {
      this.ending.push({ runId, uuid, outcome, finishedAt, resolve });
      if (!this.endingScheduled) {
        this.endingScheduled = true;
        setImmediate(() => this.finishEnding());
      }
    });
  }

  private finishEnding(): void {
    this.endingScheduled = false;
    const ending = this.ending;
    this.ending = [];
    if (ending.length === 1) {
      const [one] = ending as [Ending];
      one.resolve(this.finish(one.runId, one.uuid, one.outcome, one.finishedAt));
      return;
    }
    const endingIds = new Set(ending.map((end) => end.runId));
    const recorded = new Set<number>();
    try {
      this.store.transaction(() => {
        this.write(this.buffer.filter((row) => !endingIds.has(row.runId)));
        for (const end of ending) {
          try {
            // A savepoint inside this transaction: a failure undoes this run's end only.
            this.store.runs.finish(end.runId, completionOf(end.outcome, end.finishedAt), 'replace');
            recorded.add(end.runId);
          } catch {
            // Recorded on its own below, where the reason is logged.
          }
        }
      });
    } catch {
      // The transaction itself failed, so nothing of it is written: each run ends as it would alone.
      for (const end of ending) end.resolve(this.finish(end.runId, end.uuid, end.outcome, end.finishedAt));
      return;
    }
    // Written, or superseded by final logs; only the runs still to end keep theirs.
    this.buffer = this.buffer.filter((row) => endingIds.has(row.runId) && !recorded.has(row.runId));
    if (this.buffer.length === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    for (const end of ending) {
      end.resolve(recorded.has(end.runId) ? end.outcome.status : this.finish(end.runId, end.uuid, end.outcome, end.finishedAt));
    }
  }

  /**
   * One transaction. `replace`: the other runs' buffered entries, then this run's end, whose final
   * logs supersede its own buffered entries. `append` (the fallback): this run's buffered entries,
   * then its end; the other runs' wait for the next flush.
   */
  private commit(runId: number, journal: 'replace' | 'append', completion: RunCompletion): void {
    const mine = (row: JournalRow) => row.runId === runId;
    const rows = this.buffer.filter((row) => (journal === 'replace' ? !mine(row) : mine(row)));
    this.store.transaction(() => {
      this.write(rows);
      this.store.runs.finish(runId, completion, journal);
    });
    this.buffer = journal === 'replace' ? [] : this.buffer.filter((row) => !mine(row));
    if (this.buffer.length === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /**
   * Journal rows in a transaction of their own, or in a savepoint of the caller's, so rows that
   * cannot be written never take a run's end down with them. Never throws: they are logged and lost.
   */
  private write(rows: JournalRow[]): void {
    if (rows.length === 0) return;
    try {
      this.store.runs.appendJournal(rows);
    } catch (error) {
      this.log.error(`${rows.length} run journal entries could not be written: ${(error as Error).message}`);
    }
  }
}

interface Ending {
  runId: number;
  uuid: string;
  outcome: RunOutcome;
  finishedAt: string;
  resolve: (status: RunOutcome['status'] | null) => void;
}

function completionOf(outcome: RunOutcome, finishedAt: string): RunCompletion {
  return {
    status: outcome.status,
    result: outcome.result,
    error: outcome.error,
    logs: outcome.logs,
    steps: outcome.steps,
    finished_at: finishedAt,
    duration_ms: Math.round(outcome.durationMs),
  };
}
