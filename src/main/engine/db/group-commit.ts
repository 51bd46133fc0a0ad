import type { Db } from './open.ts';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the work handed in during one event-loop turn runs in one immediate transaction,
 * each piece in a savepoint of its own, and every caller is answered after the commit. A piece
 * that throws rolls back its savepoint only and rejects its own caller; the others commit. Under
 * load, the executes of one turn (the requests whose bodies arrived together) then cost one
 * BEGIN/COMMIT and one write of each touched page to the WAL instead of one each.
 */
export class GroupCommit {
  private readonly db: Db;
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(db: Db) {
    this.db = db;
  }

  /** Runs `work` in the current turn's transaction; resolves once it is committed. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the poll phase: every request whose body arrived in this turn is in the batch.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is pending now (also before the database closes). */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    if (batch.length === 1) {
      // Alone in its turn, a piece needs no savepoint: the transaction is its own. (On PostgreSQL
      // a savepoint and its release are two more round trips.)
      const [item] = batch as [Pending];
      let value: unknown;
      try {
        value = this.db.transaction(item.work).immediate();
      } catch (error) {
        item.reject(error);
        return;
      }
      item.resolve(value);
      return;
    }
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.db
        .transaction(() => {
          for (const item of batch) {
            try {
              // Nested in the outer transaction, better-sqlite3 makes this a savepoint.
              results.push({ ok: true, value: this.db.transaction(item.work)() });
            } catch (error) {
              results.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      // Nothing committed: every caller hears why.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const result = results[i]!;
      if (result.ok) item.resolve(result.value);
      else item.reject(result.error);
    });
  }
}
