import type { Store } from '../db/index.ts';
import type { SettingsService } from '../settings/index.ts';
import type { Clock } from '../util/time.ts';

/** Share of the queue one key may hold, so a flooding key leaves room for everyone else. */
export const KEY_SHARE_OF_QUEUE = 0.5;
/** Completions within this window give the drain rate that Retry-After is computed from. */
const DRAIN_WINDOW_MS = 10_000;
/** Counts are re-read from the table this often, in case a row changed behind the queue's back. */
const RESYNC_INTERVAL_MS = 10_000;
/**
 * Longest an execute waits for room in a full queue before it is refused. Runs drain in
 * milliseconds each, so a caller that retries at once (ignoring Retry-After) is better held for a
 * slot than answered: each refusal it would fetch costs the CPU that running the queue needs.
 */
export const ADMISSION_HOLD_MS = 1_000;
/** Executes held at once, and of one key: beyond these a full queue refuses at once, so one flooding key cannot take every place in line. */
const MAX_HELD = 256;
const MAX_HELD_PER_KEY = 64;

export type Admission = { ok: true } | { ok: false; message: string; retryAfterSeconds: number };

/**
 * A place in the queue held for an execute that waited for room: it counts against the bound
 * until the execute turns it into a run (`take`) or gives it up (`cancel`, idempotent).
 */
export class Reservation {
  private held = true;
  private readonly queue: RunQueue;
  readonly keyId: number | null;

  constructor(queue: RunQueue, keyId: number | null) {
    this.queue = queue;
    this.keyId = keyId;
  }

  /** Hands the place to the caller, which must `release` it on the queue once committed; false if already given up. */
  take(): boolean {
    if (!this.held) return false;
    this.held = false;
    return true;
  }

  cancel(): void {
    if (!this.held) return;
    this.held = false;
    this.queue.release(this.keyId);
    this.queue.wake();
  }
}

interface Held {
  keyId: number | null;
  settle(reservation: Reservation | null): void;
}

/**
 * The accounting around the runs table as a queue: how many runs each key has waiting (kept in
 * memory, so admission and fair claiming cost no scan of the queued rows), whether one more may
 * wait, and which runs to start next. Runs are started one key at a time in turn, oldest first
 * within a key, so a key that queued a thousand runs delays another key's next run by one.
 */
export class RunQueue {
  private readonly store: Store;
  private readonly settings: SettingsService;
  private readonly clock: Clock;
  /** Queued runs per triggering key (null: runs no key triggered), in the order keys began waiting. */
  private waiting = new Map<number | null, number>();
  private total = 0;
  /** Admitted runs whose commit is still pending (group commit), per key: they count against the bound. */
  private readonly reserved = new Map<number | null, number>();
  private reservedTotal = 0;
  /** When each key last had a run started (a counter): the key served longest ago goes next. */
  private readonly served = new Map<number | null, number>();
  private turns = 0;
  private readonly completions: number[] = [];
  private syncedAt = 0;
  /** Executes waiting for room, oldest first. */
  private held: Held[] = [];

  constructor(deps: { store: Store; settings: SettingsService; clock: Clock }) {
    this.store = deps.store;
    this.settings = deps.settings;
    this.clock = deps.clock;
  }

  get size(): number {
    return this.total;
  }

  /** Re-reads the queued counts from the table (at start, and now and then as a safety net). */
  resync(): void {
    const waiting = new Map<number | null, number>();
    let total = 0;
    // Keys keep their place; new ones go last.
    const counts = new Map(this.store.runs.queuedCounts().map((row) => [row.trigger_key_id, row.n] as const));
    for (const key of this.waiting.keys()) {
      const n = counts.get(key);
      if (n) waiting.set(key, n);
    }
    for (const [key, n] of counts) if (!waiting.has(key)) waiting.set(key, n);
    for (const n of waiting.values()) total += n;
    this.waiting = waiting;
    this.total = total;
    this.syncedAt = this.clock.now();
  }

  /** Whether a key may queue one more run now; when not, why and when to try again. */
  admit(keyId: number | null): Admission {
    const limit = this.settings.get().max_queued_runs;
    const share = Math.max(1, Math.floor(limit * KEY_SHARE_OF_QUEUE));
    const total = this.total + this.reservedTotal;
    if (total >= limit) {
      return {
        ok: false,
        message: `Vigil has ${total} runs waiting, its limit (${limit}); nothing was queued. Retry later.`,
        retryAfterSeconds: this.retryAfter(total - Math.floor(limit * 0.9) + 1),
      };
    }
    const own = (this.waiting.get(keyId) ?? 0) + (this.reserved.get(keyId) ?? 0);
    if (own >= share) {
      return {
        ok: false,
        message: `This key has ${own} runs waiting, its share of the queue (${share} of ${limit}); nothing was queued. Retry later.`,
        retryAfterSeconds: this.retryAfter(own - Math.floor(share * 0.9) + 1),
      };
    }
    return { ok: true };
  }

  /**
   * Room for one more run of this key, waiting up to ADMISSION_HOLD_MS for it while the queue is
   * draining (a run finished within that time): a reservation, or why not and when to retry.
   * Waiting callers get room in the order they came (a key at its share lets other keys past), so
   * callers that retry at once are admitted at the rate runs finish instead of spinning on
   * refusals. `onGone` registers what to call when the caller stops waiting (its connection
   * closed): that drops its place in line.
   */
  async waitForRoom(keyId: number | null, onGone: (drop: () => void) => void): Promise<Reservation | Admission> {
    const admission = this.admit(keyId);
    if (admission.ok || !this.draining() || this.held.length >= MAX_HELD) return admission;
    if (this.held.filter((entry) => entry.keyId === keyId).length >= MAX_HELD_PER_KEY) return admission;
    const reservation = await new Promise<Reservation | null>((resolve) => {
      const entry: Held = {
        keyId,
        settle: (reservation) => {
          clearTimeout(timer);
          resolve(reservation);
        },
      };
      const timer = setTimeout(() => {
        this.held = this.held.filter((other) => other !== entry);
        resolve(null);
      }, ADMISSION_HOLD_MS);
      this.held.push(entry);
      onGone(() => {
        if (!this.held.includes(entry)) return;
        this.held = this.held.filter((other) => other !== entry);
        entry.settle(null);
      });
    });
    return reservation ?? this.admit(keyId);
  }

  /** Gives freed places to held executes, oldest first, as far as the bounds allow. */
  wake(): void {
    if (this.held.length === 0) return;
    const still: Held[] = [];
    for (const entry of this.held) {
      if (this.admit(entry.keyId).ok) {
        this.reserve(entry.keyId);
        entry.settle(new Reservation(this, entry.keyId));
      } else {
        still.push(entry);
      }
    }
    this.held = still;
  }

  /** An admitted run of this key is being committed: hold its place until `release`. */
  reserve(keyId: number | null): void {
    this.reserved.set(keyId, (this.reserved.get(keyId) ?? 0) + 1);
    this.reservedTotal++;
  }

  /** The commit of a reserved run ended (committed runs are then `added`). */
  release(keyId: number | null): void {
    const n = this.reserved.get(keyId) ?? 0;
    if (n <= 1) this.reserved.delete(keyId);
    else this.reserved.set(keyId, n - 1);
    this.reservedTotal = Math.max(0, this.reservedTotal - 1);
  }

  /** A run of this key was committed to the queue. */
  added(keyId: number | null): void {
    this.waiting.set(keyId, (this.waiting.get(keyId) ?? 0) + 1);
    this.total++;
  }

  /** A queued run of this key left the queue without running (cancelled). */
  removed(keyId: number | null): void {
    this.take(keyId);
    this.wake();
  }

  /** A run finished: the drain rate behind Retry-After. */
  finished(): void {
    const now = this.clock.now();
    this.completions.push(now);
    while (this.completions.length > 0 && this.completions[0]! < now - DRAIN_WINDOW_MS) this.completions.shift();
  }

  /**
   * Moves up to `limit` queued runs to running, one key at a time in turn, and returns their ids.
   * Each pick is one indexed statement; all of them commit together.
   */
  claim(limit: number, now: string): number[] {
    if (limit <= 0) return [];
    if (this.clock.now() - this.syncedAt > RESYNC_INTERVAL_MS) this.resync();
    const claimed: number[] = [];
    this.store.transaction(() => {
      while (claimed.length < limit && this.waiting.size > 0) {
        // Keys never served, then the one served longest ago; ties keep the order they queued in.
        const round = [...this.waiting.keys()].sort((a, b) => (this.served.get(a) ?? -1) - (this.served.get(b) ?? -1));
        for (const key of round) {
          if (claimed.length >= limit) break;
          const id = this.store.runs.claimOldestOf(key, now);
          if (id === undefined) {
            // The count was stale (the row ended some other way): forget it.
            this.total -= this.waiting.get(key) ?? 0;
            this.waiting.delete(key);
            continue;
          }
          claimed.push(id);
          this.take(key);
          this.served.set(key, this.turns++);
        }
      }
      // Rows no count knew of (a safety net: nothing queued may wait forever) are taken oldest first.
      if (claimed.length < limit) claimed.push(...this.store.runs.claim(limit - claimed.length, now));
    });
    if (claimed.length > 0) this.wake();
    return claimed;
  }

  private take(keyId: number | null): void {
    const n = this.waiting.get(keyId);
    if (n === undefined) return;
    if (n <= 1) this.waiting.delete(keyId);
    else this.waiting.set(keyId, n - 1);
    this.total = Math.max(0, this.total - 1);
  }

  /** Whether a run finished within the hold: only a queue that is moving is worth waiting for. */
  private draining(): boolean {
    const last = this.completions.at(-1);
    return last !== undefined && this.clock.now() - last <= ADMISSION_HOLD_MS;
  }

  /** Seconds until `excess` runs have drained at the rate runs finished lately (1–60). */
  private retryAfter(excess: number): number {
    const rate = this.completions.length / (DRAIN_WINDOW_MS / 1000);
    if (rate <= 0) return 5;
    return Math.min(60, Math.max(1, Math.ceil(excess / rate)));
  }
}
